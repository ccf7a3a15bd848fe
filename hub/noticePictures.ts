import type { NoticePictureChoices } from '../common/api/alerts';
import type { PushPayload } from '../common/api/push';
import type { DB } from '../common/database';
import type { Logger } from '../common/logger';
import type { NoticePicture } from '../common/notices';
import { readSetting, writeSetting } from '../common/settingsTable';
import { openThumbnail } from './clipThumbnails';
import type { DetectionThumbnails } from './detectionThumbnails';
import type { FootageKeyring } from './footageKeyring';
import { fitPushImage, shrinkJpeg } from './pushImage';

/*
 * Pictures in notices, the household's opt-in (docs/phone.md, "Pictures in notifications"):
 * both off by default, set by an owner for the whole household, since the choice is about what
 * leaves the home: a mailed picture crosses the mail provider in the clear, a pushed one the
 * browser vendor's push service (encrypted to the phone). Per person would let one member
 * send the household's pictures out of the home for everyone.
 *
 * The picture is the event's best detection picture with its boxes (hub/detectionThumbnails.ts),
 * so only object alerts carry one; a plain "Motion at the porch" has no picture (none is taken
 * before the clip arrives). It is made in memory when the alert goes, for everyone told at
 * once, and wiped once sent. While the footage key is locked no picture is made: the owner
 * asked that nothing of the footage be seen until the key is unlocked, and the notice goes
 * without one. Making it is bounded in time: a slow ffmpeg never holds an alert back for long.
 */

const SETTING = 'notice-pictures';
export const DEFAULT_CHOICES: Readonly<NoticePictureChoices> = Object.freeze({ mail: false, push: false });
/** How long an alert waits for its picture before it goes without one. */
export const PICTURE_WAIT_MS = 5_000;

export function noticePictureChoices(db: DB): NoticePictureChoices {
  const stored = readSetting<Partial<NoticePictureChoices>>(db, SETTING);
  return { mail: stored?.mail === true, push: stored?.push === true };
}

export function setNoticePictureChoices(db: DB, choices: NoticePictureChoices): void {
  writeSetting(db, SETTING, { mail: choices.mail, push: choices.push });
}

/** A file name a mail program shows: the camera and the home's wall-clock time, nothing else. */
export function pictureFileName(cameraName: string, localTime: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return `${safe(cameraName) || 'camera'}-${safe(localTime)}.jpg`;
}

export interface NoticePicturesOptions {
  db: DB;
  keyring: FootageKeyring;
  detected: DetectionThumbnails | null;
  ffmpegPath: string;
  log: Logger;
}

export interface EventPictureRequest {
  deviceId: string;
  eventAt: number;
  /** The mail attachment's name. */
  filename: string;
  /** The push payload as it will be sent, without the picture: what the picture must fit beside. */
  payload: PushPayload;
}

/** The made picture, and how to wipe its plaintext once the notices are sent. */
export interface EventPicture {
  picture: NoticePicture;
  wipe(): void;
}

export class NoticePictures {
  constructor(private readonly o: NoticePicturesOptions) {}

  /** The event's picture for the outlets the household opted in to; null when none is to go. */
  async forEvent(req: EventPictureRequest): Promise<EventPicture | null> {
    const choices = noticePictureChoices(this.o.db);
    if ((!choices.mail && !choices.push) || !this.o.detected) return null;
    if (this.o.keyring.locked) {
      this.o.log.info({ deviceId: req.deviceId }, 'the footage key is locked: the notice goes without its picture');
      return null;
    }
    let timer: NodeJS.Timeout | undefined;
    const made = this.make(req, choices);
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), PICTURE_WAIT_MS);
      timer.unref();
    });
    try {
      const result = await Promise.race([made, late]);
      if (!result) {
        this.o.log.warn({ deviceId: req.deviceId }, 'the picture for a notice took too long; the notice goes without it');
        // Whatever it makes later is not wanted: wiped as it arrives.
        void made.then((r) => r?.wipe());
      }
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  private async make(req: EventPictureRequest, choices: NoticePictureChoices): Promise<EventPicture | null> {
    let jpeg: Buffer | null = null;
    try {
      jpeg = await this.o.detected!.noticePicture(req.deviceId, req.eventAt, (sealed) => openThumbnail(sealed, this.o.keyring.pair()));
      if (!jpeg) return null;
      const push = choices.push ? await fitPushImage(jpeg, req.payload, (j, step) => shrinkJpeg(j, step, this.o.ffmpegPath)) : null;
      if (choices.push && !push) this.o.log.info({ deviceId: req.deviceId }, 'no picture small enough for the push; it goes with words only');
      const picture: NoticePicture = {
        ...(choices.mail ? { mail: { filename: req.filename, contentType: 'image/jpeg', content: jpeg } } : {}),
        ...(push ? { push } : {}),
      };
      const plain = jpeg;
      if (!choices.mail) plain.fill(0);
      return { picture, wipe: () => plain.fill(0) };
    } catch (err) {
      jpeg?.fill(0);
      // Locked meanwhile, ffmpeg failed: the notice is worth more than its picture.
      this.o.log.warn({ deviceId: req.deviceId, err: (err as Error).message }, 'could not make the picture for a notice; it goes without one');
      return null;
    }
  }
}

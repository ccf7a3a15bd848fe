import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { Logger } from '../common/logger';
import { AtomicFileWriter, writeFileAtomic } from '../common/atomicFile';
import { ClipEncryptor } from '../common/clipEnvelope';
import type { ClipUploadMeta } from '../common/protocol';
import { shiftDecodeTime, type Fragment } from '../common/fmp4';
import { NO_RECORDING_INDICATOR, type RecordingIndicator } from './recordingLed';

/** A motion start or end in stream time (s). */
export interface RecorderMotion {
  kind: 'start' | 'end';
  time: number;
}

export interface RecorderSettings {
  armed: boolean;
  preRollSeconds: number;
  postRollSeconds: number;
  /** Clip length: a clip ends here even if motion goes on (it continues in a new clip). */
  clipSeconds: number;
  /** End the clip once motion has stopped and the post-roll has passed, before the full length. */
  endEarly: boolean;
}

interface ActiveClip {
  id: string;
  encryptor: ClipEncryptor;
  writer: AtomicFileWriter;
  /** Stream time of the first fragment in the clip. */
  start: number;
  /** Stream time where the last appended fragment ends. */
  end: number;
  /** Decode time (ticks) of the first fragment: subtracted so the clip starts at 0. */
  baseTicks: number;
  chain: Promise<void>;
  /** Switches the recording LED's hold off again. */
  release: () => void;
}

/**
 * Turns motion events and the stream of MP4 fragments into encrypted clips in the spool:
 * init segment + pre-roll fragments + live fragments until the post-roll has passed
 * (capped at the maximum length). Bytes go through the encryptor straight into a temp
 * file that is fsynced and renamed when the clip is complete: no plaintext on disk.
 */
export class ClipRecorder {
  private init: Buffer | null = null;
  private wallStart = 0;
  private ring: Fragment[] = [];
  private clip: ActiveClip | null = null;
  private opening: Promise<void> | null = null;
  /** Motion that outlived a clip cut at the maximum length continues in a new clip. */
  private continueMotion = false;
  private finishing: Promise<void>[] = [];
  private motionActive = false;
  private motionEnd = Number.NEGATIVE_INFINITY;
  /** A clip asked for before any fragment was buffered (a camera with a long keyframe interval). */
  private waitingFrom: number | null = null;
  private endWhenOpen = false;
  private armed: boolean;
  /** Privacy mode: fragments are not even buffered, so none can become pre-roll afterwards. */
  private privacy = false;

  constructor(
    private settings: RecorderSettings,
    private readonly spoolDir: string,
    private readonly deviceId: string,
    private readonly footagePublicKey: Uint8Array,
    private readonly log: Logger,
    private readonly onClipReady: (meta: ClipUploadMeta) => void,
    private readonly indicator: RecordingIndicator = NO_RECORDING_INDICATOR,
  ) {
    this.armed = settings.armed;
  }

  /**
   * The hub's arming, applied at once. Disarming lets a clip in progress finish as usual;
   * privacy (`endNow`) ends it here, and no later motion opens another.
   */
  setArmed(armed: boolean, endNow = false): void {
    const wasArmed = this.armed;
    this.armed = armed;
    this.privacy = !armed && endNow;
    if (armed) {
      // Armed while something is already moving (or a camera just paired into an armed home):
      // that motion is recorded from here, with the pre-roll the buffer holds, as a new one would be.
      if (!wasArmed && this.motionActive && !this.clip && !this.opening && this.init) {
        const last = this.ring[this.ring.length - 1];
        void this.beginClip((last ? last.start + last.duration : 0) - this.settings.preRollSeconds, false);
      }
      return;
    }
    this.continueMotion = false;
    this.waitingFrom = null;
    if (endNow) {
      // Nothing seen in privacy mode, nor before it, may become a later clip's pre-roll (a clip
      // being opened still needs the buffer: it is emptied once that clip has ended).
      if (this.opening) this.endWhenOpen = true;
      else {
        this.endClip('privacy mode');
        this.ring = [];
      }
    }
  }

  /**
   * New clip settings from the hub, from the next fragment on: a clip in progress keeps what
   * it recorded and ends by the new rules. Arming stays with setArmed.
   */
  configure(next: Omit<RecorderSettings, 'armed'>): void {
    this.settings = { ...next, armed: this.settings.armed };
  }

  /** A new ffmpeg run: stream time restarts, so any open clip ends here. */
  onStream(init: Buffer, wallStart: number): void {
    this.endClip('stream restarted');
    this.init = init;
    this.wallStart = wallStart;
    this.ring = [];
    this.continueMotion = false;
    this.motionActive = false;
    this.waitingFrom = null;
  }

  onStreamEnd(): void {
    // A clip still being opened takes what the ring holds first, then ends.
    if (this.opening) {
      this.endWhenOpen = true;
      return;
    }
    this.endClip('stream ended');
    this.continueMotion = false;
    this.motionActive = false;
    this.waitingFrom = null;
  }

  onFragment(fragment: Fragment): void {
    if (this.privacy) return;
    this.ring.push(fragment);
    const keep = this.settings.preRollSeconds + 2 * fragment.duration + 1;
    // While a clip is being opened its first fragments must stay in the ring.
    while (!this.opening && this.ring.length > 1 && fragment.start - this.ring[0]!.start > keep) this.ring.shift();

    if (!this.clip && this.continueMotion && !this.opening) {
      this.continueMotion = false;
      void this.beginClip(fragment.start, true);
      return;
    }
    if (!this.clip && this.waitingFrom !== null && !this.opening) {
      const from = this.waitingFrom;
      this.waitingFrom = null;
      void this.beginClip(from, false);
      return;
    }
    if (this.clip) this.advance(this.clip, fragment);
  }

  /** Appends a fragment to the open clip and ends the clip when it is long enough. */
  private advance(clip: ActiveClip, fragment: Fragment): void {
    this.append(clip, fragment);
    const length = clip.end - clip.start;
    if (this.settings.endEarly && !this.motionActive && clip.end >= this.motionEnd + this.settings.postRollSeconds) {
      this.endClip('post-roll done');
    } else if (length >= this.settings.clipSeconds) {
      this.continueMotion = this.motionActive && this.armed;
      this.endClip('maximum length');
    }
  }

  onMotion(event: RecorderMotion): void {
    if (event.kind === 'end') {
      this.continueMotion = false;
      this.motionActive = false;
      this.motionEnd = event.time;
      return;
    }
    this.motionActive = true;
    // A retrigger during the post-roll simply extends the open clip.
    if (this.clip) return;
    if (!this.armed || !this.init || this.opening) return;
    void this.beginClip(event.time - this.settings.preRollSeconds, false);
  }

  /**
   * Starts a clip at the latest buffered fragment that begins at or before `from`
   * (or the oldest one, when the buffer is shorter than the pre-roll).
   */
  private async beginClip(from: number, continuation: boolean): Promise<void> {
    let first = 0;
    for (let i = 0; i < this.ring.length; i++) if (this.ring[i]!.start <= from + 1e-6) first = i;
    const firstFragment = this.ring[first];
    if (!this.init) return;
    if (!firstFragment) {
      this.waitingFrom = from;
      return;
    }
    const id = randomUUID();
    const init = this.init;
    const release = this.indicator.hold('recording');
    this.opening = (async () => {
      const encryptor = await ClipEncryptor.create({ publicKey: this.footagePublicKey }, { clipId: id, deviceId: this.deviceId });
      const writer = await AtomicFileWriter.open(path.join(this.spoolDir, `${id}.plc`), path.join(this.spoolDir, `${id}.tmp`));
      const clip: ActiveClip = {
        id,
        encryptor,
        writer,
        start: firstFragment.start,
        end: firstFragment.start,
        baseTicks: firstFragment.decodeTime,
        chain: writer.write(encryptor.header),
        release,
      };
      this.write(clip, init);
      this.clip = clip;
      this.log.info({ clipId: id, start: clip.start, continuation }, 'recording');
      // Fragments that arrived while the files were being opened are in the ring too.
      for (const f of [...this.ring]) {
        if (this.clip !== clip) break;
        if (f.start >= clip.start) this.advance(clip, f);
      }
    })();
    try {
      await this.opening;
    } catch (err) {
      release();
      this.log.error({ err: (err as Error).message }, 'cannot start a clip');
    } finally {
      this.opening = null;
      if (this.endWhenOpen) {
        this.endWhenOpen = false;
        this.onStreamEnd();
        if (this.privacy) this.ring = [];
      }
    }
  }

  private append(clip: ActiveClip, fragment: Fragment): void {
    if (fragment.start + 1e-6 < clip.end) return;
    clip.end = fragment.start + fragment.duration;
    this.write(clip, shiftDecodeTime(fragment, clip.baseTicks));
  }

  private write(clip: ActiveClip, plain: Buffer): void {
    const pieces = clip.encryptor.push(plain);
    clip.chain = clip.chain.then(async () => {
      for (const p of pieces) await clip.writer.write(p);
    });
    // A failed write is reported (and the clip discarded) when the clip ends.
    clip.chain.catch(() => undefined);
  }

  private endClip(reason: string): void {
    const clip = this.clip;
    if (!clip) return;
    this.clip = null;
    const last = clip.encryptor.final();
    const meta: ClipUploadMeta = {
      clipId: clip.id,
      startedAt: Math.round(this.wallStart + clip.start * 1000),
      endedAt: Math.round(this.wallStart + clip.end * 1000),
      mediaStart: clip.start,
      mediaEnd: clip.end,
      trigger: 'motion',
    };
    const done = clip.chain
      .then(async () => {
        await clip.writer.write(last);
        // Metadata first: a clip file is only ever visible with its metadata beside it.
        await writeFileAtomic(path.join(this.spoolDir, `${clip.id}.json`), JSON.stringify(meta), 0o600);
        await clip.writer.commit();
        this.log.info({ clipId: clip.id, seconds: +(clip.end - clip.start).toFixed(2), reason }, 'clip finished');
        this.onClipReady(meta);
      })
      .catch(async (err: Error) => {
        this.log.error({ clipId: clip.id, err: err.message }, 'clip could not be written; discarded');
        await clip.writer.abort();
      });
    this.finishing.push(done);
    // The LED goes off only once the clip's last byte is written (or it was discarded).
    void done.finally(() => {
      clip.release();
      this.finishing = this.finishing.filter((p) => p !== done);
    });
  }

  /** Waits until what has arrived so far is on disk: a clip being opened, its writes, and clips being finished. */
  async settled(): Promise<void> {
    if (this.opening) await this.opening.catch(() => undefined);
    await this.clip?.chain.catch(() => undefined);
    await Promise.all(this.finishing);
  }

  /** Ends any open clip and waits until every clip is on disk. */
  async stop(): Promise<void> {
    if (this.opening) await this.opening.catch(() => undefined);
    this.endClip('agent stopping');
    await Promise.all(this.finishing);
  }
}

import type { DetectedObject, DetectionFrame, Box } from '../common/detection';
import type { Logger } from '../common/logger';
import { sealThumbnail } from './clipThumbnails';
import { betterRank, countedInPicture, pictureRank, type PictureRank } from './detectionThumbnailPolicy';
import type { MotionNotice } from './mqttBridge';
import type { ObjectRules } from './objectAlertPolicy';

/*
 * The thumbnail a detection earns: per motion event, the best picture the detector answered
 * with a counted object (hub/detectionThumbnailPolicy.ts says what "best" is), drawn with its
 * boxes and sealed like every thumbnail, for the clip that holds the event.
 *
 * The camera's picture (plaintext) is held in memory only, only while it is its event's best,
 * and only until the event's answers are over: one picture per event with something counted,
 * at most MAX_HELD at once. It is encoded once per event (ffmpeg, pipes only), sealed to the
 * footage public key at once, and the plaintext JPEG and picture are wiped. The sealed JPEG
 * waits here (READY_MS) for the clip that holds its event: the clip usually arrives after the
 * event ends, since it carries the post-roll. ClipThumbnails stores it as the clip's
 * thumbnail, so it lives and goes exactly as a thumbnail made from the clip does.
 *
 * When the one encode happens: END_GRACE_MS after the camera says motion ended, and once no
 * picture of the event is still with the detector (so the last pictures, answered after the
 * end, still compete), or MAX_HOLD_MS after the event's first counted picture, whichever is
 * first. The cap is one default clip length: the clip that holds the start of a long event
 * arrives about then, and a picture should be ready for it. Pictures answered after the encode
 * are not looked at for the thumbnail (their labels are still kept).
 */

const END_GRACE_MS = 1_500;
/** How long past the grace an encode waits for pictures still with the detector (p90 3.9 s). */
const MAX_ANSWER_WAIT_MS = 10_000;
const MAX_HOLD_MS = 30_000;
/** Events with a picture held at once: one per camera in motion is the norm; beyond, the oldest goes. */
const MAX_HELD = 32;
/** How long a sealed picture waits for its clip (a clip is delivered seconds after its motion ends). */
const READY_MS = 10 * 60_000;
const MAX_READY = 256;
/** Events whose picture was encoded, remembered so a late answer does not start a second one. */
const MAX_CLOSED = 1024;
/** A motion start without an end is taken as still open for this long (an 'end' can be lost). */
const MAX_OPEN_MS = 2 * 60_000;

export interface ReadyPicture {
  /** `${deviceId}@${eventAt}` */
  key: string;
  deviceId: string;
  eventAt: number;
  frameAt: number;
  rank: PictureRank;
  /** The JPEG, sealed to the footage public key (sealThumbnail). */
  sealed: Buffer;
}

/** What ClipThumbnails asks of detection pictures. */
export interface DetectedPictures {
  /** The best sealed picture of the clip's events, or null. */
  pictureFor(clip: ClipSpan): ReadyPicture | null;
  /** True while one of the clip's events may still give it a (better) picture. */
  settling(clip: ClipSpan): boolean;
}

export interface ClipSpan {
  deviceId: string;
  startedAt: number;
  endedAt: number;
}

interface Held {
  deviceId: string;
  eventAt: number;
  frameAt: number;
  frame: DetectionFrame;
  objects: DetectedObject[];
  rank: PictureRank;
  ending: boolean;
  holdTimer: NodeJS.Timeout;
  endTimer: NodeJS.Timeout | null;
  endSince: number;
}

export interface DetectionThumbnailDeps {
  footagePublicKey: Uint8Array;
  /** The camera's rules (classes, minimum scores, zones, alert on) as the hub holds them now. */
  rules: (deviceId: string) => ObjectRules;
  /** The picture with its boxes as a JPEG (renderDetectionJpeg). */
  render: (frame: DetectionFrame, objects: DetectedObject[]) => Promise<Buffer>;
  log: Logger;
  /** Told when an event's sealed picture is ready, so the clip holding it gets it. */
  onReady?: (picture: ReadyPicture) => void;
  /** Real time (timers run on it), not the policy clock. */
  now?: () => number;
  /** The grace after a motion end and the cap from the first counted picture, in ms (tests shorten them). */
  timing?: { endGraceMs?: number; maxHoldMs?: number };
}

/** One picture on its way through the detector: say when its answer is in (or it failed). */
export interface PictureLook {
  offer(frame: DetectionFrame, frameAt: number, objects: DetectedObject[], motionRegion?: Box): void;
  done(): void;
}

const keyOf = (deviceId: string, eventAt: number) => `${deviceId}@${eventAt}`;

export class DetectionThumbnails implements DetectedPictures {
  private readonly held = new Map<string, Held>();
  private readonly looking = new Map<string, number>();
  private readonly encoding = new Map<string, { deviceId: string; eventAt: number }>();
  private readonly ready = new Map<string, { picture: ReadyPicture; timer: NodeJS.Timeout }>();
  private readonly closed = new Set<string>();
  private readonly open = new Map<string, { eventAt: number; since: number }>();
  /** Each camera's last motion end (its `at`): an answer for an event before it comes after the end. */
  private readonly lastEnd = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly now: () => number;
  private readonly endGraceMs: number;
  private readonly maxHoldMs: number;

  constructor(private readonly deps: DetectionThumbnailDeps) {
    this.now = deps.now ?? Date.now;
    this.endGraceMs = deps.timing?.endGraceMs ?? END_GRACE_MS;
    this.maxHoldMs = deps.timing?.maxHoldMs ?? MAX_HOLD_MS;
  }

  /** A picture of the event goes to the detector now. */
  look(deviceId: string, eventAt: number): PictureLook {
    const key = keyOf(deviceId, eventAt);
    this.looking.set(key, (this.looking.get(key) ?? 0) + 1);
    let finished = false;
    return {
      offer: (frame, frameAt, objects, motionRegion) => this.offer(deviceId, eventAt, frame, frameAt, objects, motionRegion),
      done: () => {
        if (finished) return;
        finished = true;
        const left = (this.looking.get(key) ?? 1) - 1;
        if (left > 0) this.looking.set(key, left);
        else this.looking.delete(key);
      },
    };
  }

  /** The hub's 'motion' events: an end closes the camera's events (an end names no start). */
  motion(notice: Pick<MotionNotice, 'deviceId' | 'kind' | 'at'>): void {
    if (this.stopped) return;
    if (notice.kind === 'start') {
      this.open.set(notice.deviceId, { eventAt: notice.at, since: this.now() });
      return;
    }
    const open = this.open.get(notice.deviceId);
    if (open && open.eventAt <= notice.at) this.open.delete(notice.deviceId);
    this.lastEnd.set(notice.deviceId, Math.max(notice.at, this.lastEnd.get(notice.deviceId) ?? 0));
    for (const held of this.held.values()) if (held.deviceId === notice.deviceId && held.eventAt <= notice.at) this.ending(held);
  }

  pictureFor(clip: ClipSpan): ReadyPicture | null {
    let best: ReadyPicture | null = null;
    for (const { picture } of this.ready.values()) {
      if (!within(clip, picture.deviceId, picture.eventAt)) continue;
      if (!best || betterRank(picture.rank, best.rank)) best = picture;
    }
    return best;
  }

  settling(clip: ClipSpan): boolean {
    for (const h of this.held.values()) if (within(clip, h.deviceId, h.eventAt)) return true;
    for (const e of this.encoding.values()) if (within(clip, e.deviceId, e.eventAt)) return true;
    const open = this.open.get(clip.deviceId);
    return open !== undefined && within(clip, clip.deviceId, open.eventAt) && this.now() - open.since < MAX_OPEN_MS;
  }

  /**
   * The event's best picture so far as a JPEG with its boxes, for a notice the owner asked to
   * carry one (hub/noticePictures.ts): drawn from a copy of the picture still held (the alert
   * usually goes before the event's thumbnail is made), else the sealed one opened with
   * `open`; null when the event has none. Nothing is kept: the copy is wiped once drawn, and
   * the caller wipes the JPEG once sent.
   */
  async noticePicture(deviceId: string, eventAt: number, open: (sealed: Buffer) => Promise<Buffer | null>): Promise<Buffer | null> {
    const key = keyOf(deviceId, eventAt);
    const held = this.held.get(key);
    if (held && !this.stopped) {
      const frame: DetectionFrame = { width: held.frame.width, height: held.frame.height, data: Buffer.from(held.frame.data) };
      const objects = [...held.objects];
      // In line with the thumbnails' encodes: one ffmpeg at a time.
      const job = this.chain.then(() => this.deps.render(frame, objects));
      this.chain = job.then(
        () => undefined,
        () => undefined,
      );
      try {
        return await job;
      } finally {
        frame.data.fill(0);
      }
    }
    if (this.encoding.has(key)) await this.chain;
    const ready = this.ready.get(key);
    return ready ? open(ready.picture.sealed) : null;
  }

  /** Pictures held (plaintext, in memory) right now: for tests and the memory bound. */
  heldCount(): number {
    return this.held.size;
  }

  /** Drops every picture and timer; pictures in the middle of an encode are dropped when it ends. */
  stop(): void {
    this.stopped = true;
    for (const h of this.held.values()) {
      this.release(h);
      h.frame.data.fill(0);
    }
    this.held.clear();
    this.lastEnd.clear();
    for (const r of this.ready.values()) clearTimeout(r.timer);
    this.ready.clear();
    this.open.clear();
  }

  private offer(deviceId: string, eventAt: number, frame: DetectionFrame, frameAt: number, objects: DetectedObject[], motionRegion?: Box): void {
    const key = keyOf(deviceId, eventAt);
    if (this.stopped || this.closed.has(key) || this.encoding.has(key)) return;
    const rules = this.deps.rules(deviceId);
    const counted = countedInPicture(objects, rules, motionRegion);
    const rank = pictureRank(counted, rules.detection.alertOn);
    if (!rank) return;
    const held = this.held.get(key);
    if (held) {
      if (!betterRank(rank, held.rank)) return;
      held.frame.data.fill(0);
      Object.assign(held, { frame, frameAt, objects: counted, rank });
      return;
    }
    while (this.held.size >= MAX_HELD) {
      const oldest = this.held.values().next().value!;
      this.deps.log.warn({ deviceId: oldest.deviceId, eventAt: oldest.eventAt }, 'too many motion events at once: the oldest detection picture is encoded now');
      this.encode(oldest);
    }
    const fresh: Held = {
      deviceId,
      eventAt,
      frameAt,
      frame,
      objects: counted,
      rank,
      ending: false,
      endTimer: null,
      endSince: 0,
      holdTimer: setTimeout(() => this.encode(fresh), this.maxHoldMs),
    };
    fresh.holdTimer.unref();
    this.held.set(key, fresh);
    // The answer came after the camera said motion ended: its event is ending already.
    if ((this.lastEnd.get(deviceId) ?? -1) >= eventAt) this.ending(fresh);
  }

  private ending(held: Held): void {
    if (held.ending) return;
    held.ending = true;
    held.endSince = this.now();
    const tick = () => {
      const key = keyOf(held.deviceId, held.eventAt);
      if (this.held.get(key) !== held) return;
      if ((this.looking.get(key) ?? 0) > 0 && this.now() - held.endSince < this.endGraceMs + MAX_ANSWER_WAIT_MS) {
        held.endTimer = setTimeout(tick, 250);
        held.endTimer.unref();
        return;
      }
      this.encode(held);
    };
    held.endTimer = setTimeout(tick, this.endGraceMs);
    held.endTimer.unref();
  }

  private release(held: Held): void {
    clearTimeout(held.holdTimer);
    if (held.endTimer) clearTimeout(held.endTimer);
  }

  /** The one encode of an event: render, seal, wipe the plaintext, keep the sealed JPEG for its clip. */
  private encode(held: Held): void {
    const key = keyOf(held.deviceId, held.eventAt);
    if (this.held.get(key) !== held) return;
    this.release(held);
    this.held.delete(key);
    this.closed.add(key);
    while (this.closed.size > MAX_CLOSED) this.closed.delete(this.closed.values().next().value!);
    this.encoding.set(key, { deviceId: held.deviceId, eventAt: held.eventAt });
    // One ffmpeg at a time: a Pi's cores belong to the cameras' uploads and the detector.
    this.chain = this.chain.then(async () => {
      let jpeg: Buffer | null = null;
      try {
        if (this.stopped) return;
        jpeg = await this.deps.render(held.frame, held.objects);
        const sealed = await sealThumbnail(jpeg, this.deps.footagePublicKey);
        if (this.stopped) return;
        const picture: ReadyPicture = { key, deviceId: held.deviceId, eventAt: held.eventAt, frameAt: held.frameAt, rank: held.rank, sealed };
        this.keep(picture);
        this.encoding.delete(key);
        this.deps.onReady?.(picture);
      } catch (err) {
        this.deps.log.warn({ deviceId: held.deviceId, eventAt: held.eventAt, err: (err as Error).message }, 'could not make the detection thumbnail; the clip keeps its own picture');
      } finally {
        this.encoding.delete(key);
        // Nothing of the picture outlives its encode: not the camera's bytes, not the plain JPEG.
        held.frame.data.fill(0);
        jpeg?.fill(0);
      }
    });
  }

  private keep(picture: ReadyPicture): void {
    const old = this.ready.get(picture.key);
    if (old) clearTimeout(old.timer);
    const timer = setTimeout(() => this.ready.delete(picture.key), READY_MS);
    timer.unref();
    this.ready.set(picture.key, { picture, timer });
    while (this.ready.size > MAX_READY) {
      const [oldestKey, oldest] = this.ready.entries().next().value!;
      clearTimeout(oldest.timer);
      this.ready.delete(oldestKey);
    }
  }
}

function within(clip: ClipSpan, deviceId: string, eventAt: number): boolean {
  return clip.deviceId === deviceId && eventAt >= clip.startedAt && eventAt <= clip.endedAt;
}

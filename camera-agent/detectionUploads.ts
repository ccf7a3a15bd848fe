import type { DetectedObject, DetectionFrameMeta } from '../common/detection';
import type { Logger } from '../common/logger';
import type { DetectionPicture } from './detectionFrames';
import { nextUpload, type ScheduleDecision } from './detectionSchedule';

/*
 * Sends the hub's object detector the camera's newest picture while motion lasts, on the
 * schedule detectionSchedule.ts decides. Pictures go from memory straight to the hub over the
 * device's HTTPS connection and are never spooled: one that cannot be sent now is worth
 * nothing later, so a failure is logged once per event and the picture dropped.
 */

/** Where the pictures go (HubClient). */
export interface DetectionUploader {
  uploadDetectionFrame(meta: DetectionFrameMeta, data: Uint8Array): Promise<DetectedObject[]>;
}

/** Where the pictures come from (DetectionFrames). */
export interface PictureSource {
  newest(): DetectionPicture | null;
  whenNext(then: (picture: DetectionPicture) => void): () => void;
  /** Pictures are wanted (motion lasts) or not: none are made while they are not. */
  setWanted(wanted: boolean): void;
}

export interface UploadClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: UploadClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** An answer that will not change while this event lasts (the hub runs no detector, refuses the camera). */
function hopeless(err: unknown): boolean {
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && ((status >= 400 && status < 500 && status !== 408 && status !== 429) || status === 503);
}

export class DetectionUploads {
  /** The event pictures are being sent for; null when none may be. */
  private eventAt: number | null = null;
  /** A motion start told to the hub and not yet accepted by it (the hub refuses pictures of events it does not know). */
  private pendingAt: number | null = null;
  /** Bumped at every start and stop, so a callback of an earlier event does nothing. */
  private generation = 0;
  private allowed = true;
  private inFlight = false;
  private last: { sentAt: number; frameAt: number } | null = null;
  private failureLogged = false;
  private timer: unknown = null;
  private cancelWait: (() => void) | null = null;
  /** Uploads started and answered (for logs and tests). */
  sent = 0;
  answered = 0;

  constructor(
    private readonly pictures: PictureSource,
    private readonly hub: DetectionUploader,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly clock: UploadClock = realClock,
  ) {
    if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) throw new RangeError(`the upload interval must be a positive number of ms, got ${intervalMs}`);
  }

  /**
   * Motion started at `at` (as sent to /api/device/events); `accepted` settles when the hub
   * has the event. Pictures follow only once it has: sent sooner, they could reach it first.
   */
  motionStarted(at: number, accepted: Promise<void>): void {
    this.stopEvent();
    this.pendingAt = at;
    // Pictures are made from now on, while the hub takes the start: the first is then ready.
    if (this.allowed) this.pictures.setWanted(true);
    const generation = this.generation;
    accepted.then(
      () => {
        if (generation !== this.generation || this.pendingAt !== at || !this.allowed) return;
        this.pendingAt = null;
        this.eventAt = at;
        this.step();
      },
      () => {
        // The hub did not take the start: it would refuse this event's pictures.
        if (generation === this.generation) this.pictures.setWanted(false);
      },
    );
  }

  motionEnded(): void {
    this.stopEvent();
  }

  /** False in privacy mode or with the camera's motion switched off: the event's pictures stop at once. */
  setAllowed(allowed: boolean): void {
    this.allowed = allowed;
    if (!allowed) this.stopEvent();
  }

  close(): void {
    this.stopEvent();
  }

  private stopEvent(): void {
    this.generation += 1;
    this.eventAt = null;
    this.pendingAt = null;
    this.last = null;
    this.failureLogged = false;
    this.clearWait();
    this.pictures.setWanted(false);
  }

  private clearWait(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.cancelWait?.();
    this.cancelWait = null;
  }

  private step(): void {
    this.clearWait();
    const now = this.clock.now();
    const decision: ScheduleDecision = nextUpload(
      { eventAt: this.eventAt, newestFrameAt: this.pictures.newest()?.frameAt ?? null, inFlight: this.inFlight, last: this.last, intervalMs: this.intervalMs },
      now,
    );
    switch (decision.action) {
      case 'idle':
      case 'waitUpload':
        return;
      case 'waitPicture':
        this.cancelWait = this.pictures.whenNext(() => {
          this.cancelWait = null;
          this.step();
        });
        return;
      case 'waitUntil':
        this.timer = this.clock.setTimeout(() => {
          this.timer = null;
          this.step();
        }, decision.at - now);
        return;
      case 'send':
        this.send(now);
    }
  }

  private send(now: number): void {
    const picture = this.pictures.newest();
    const eventAt = this.eventAt;
    if (!picture || eventAt === null) return;
    const generation = this.generation;
    this.inFlight = true;
    this.last = { sentAt: now, frameAt: picture.frameAt };
    this.sent += 1;
    const meta: DetectionFrameMeta = { eventAt, frameAt: picture.frameAt, width: picture.width, height: picture.height };
    this.hub
      .uploadDetectionFrame(meta, picture.data)
      .then(
        (objects) => {
          this.answered += 1;
          this.log.debug({ eventAt, frameAt: picture.frameAt, objects: objects.map((o) => `${o.cocoClass} ${o.score.toFixed(2)}`) }, 'detection picture answered');
        },
        (err: Error) => {
          if (generation !== this.generation) return;
          if (!this.failureLogged) {
            this.failureLogged = true;
            this.log.warn({ eventAt, err: err.message }, 'a detection picture could not be sent; dropped (pictures are never kept for later)');
          }
          if (hopeless(err)) {
            // The same answer would come every interval until motion ends.
            this.generation += 1;
            this.eventAt = null;
            this.clearWait();
            this.pictures.setWanted(false);
          }
        },
      )
      .finally(() => {
        this.inFlight = false;
        // The event may be a newer one, which waited for this upload to end.
        if (this.eventAt !== null) this.step();
      });
  }
}

import type { Logger } from '../common/logger';
import type { MotionEvent } from '../common/protocol';
import type { StageMotion } from './analysisStage';
import type { RecorderMotion } from './clipRecorder';
import { isRetrigger } from './motionGate';

/*
 * The motion stage of a camera's pipeline: what the analysis decided becomes a clip (the
 * recorder is told, with the pre-roll counted from the right frame) and an event for the hub.
 * Retriggers are judged here, on what the recorder sees (video and PIR motion together), not
 * on the gate's own judgement, which knows only video.
 */

/** Where motion events go: the hub (HubClient); the benchmark has none. */
export interface MotionEventSink {
  sendEvent(event: MotionEvent): Promise<void>;
}

/** What the stage needs of the recorder (ClipRecorder). */
export interface MotionRecorder {
  onMotion(event: RecorderMotion): void;
}

export class MotionEvents {
  private lastEndAt = Number.NEGATIVE_INFINITY;
  private retriggerMs = 0;
  private retrigger = false;
  private privacy = false;
  /** Motion starts seen (privacy or not): the agent's statistics. */
  starts = 0;

  constructor(
    private readonly recorder: MotionRecorder,
    /** null: no hub to tell (the benchmark); the recorder is still told. */
    private readonly sink: MotionEventSink | null,
    private readonly analysisFps: number,
    retriggerSeconds: number,
    private readonly log: Logger,
  ) {
    if (!(analysisFps > 0) || !Number.isFinite(analysisFps)) throw new Error(`the analysis rate must be a positive number of frames a second, not ${analysisFps}`);
    this.setRetriggerSeconds(retriggerSeconds);
  }

  /** New retrigger time from the hub's settings, from the next start on. */
  setRetriggerSeconds(seconds: number): void {
    if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new Error(`the retrigger time must be zero or more seconds, not ${seconds}`);
    this.retriggerMs = seconds * 1000;
  }

  /** In privacy mode the household is not watched at all: not even that something moved is sent. */
  setPrivacy(privacy: boolean): void {
    this.privacy = privacy;
  }

  onMotion(m: StageMotion): void {
    const { mediaTime } = m;
    if (m.kind === 'start') {
      this.starts += 1;
      this.retrigger = isRetrigger(this.lastEndAt, m.at, this.retriggerMs);
    } else {
      this.lastEndAt = m.at;
    }
    const retrigger = m.kind === 'start' ? this.retrigger : undefined;
    this.log.info({ kind: m.kind, by: m.by, mediaTime, retrigger, changed: m.changed }, 'motion');
    // Motion began somewhere between the last still frame and the first moving one: the
    // clip's pre-roll counts from the earlier of the two. A PIR sensor's time is exact.
    const frameGap = m.by === 'pir' ? 0 : 1 / this.analysisFps;
    this.recorder.onMotion({ kind: m.kind, time: m.kind === 'start' ? Math.max(0, mediaTime - frameGap) : mediaTime });
    if (this.privacy || !this.sink) return;
    const event: MotionEvent = { kind: m.kind, mediaTime, at: m.at, source: m.by, ...(m.kind === 'start' ? { retrigger: this.retrigger } : {}) };
    this.sink.sendEvent(event).catch((err: Error) => this.log.debug({ err: err.message }, 'motion event not sent'));
  }
}

import type { AnalysisFrame } from './capture';
import type { FrameVerdict } from './motionPlan';
import type { GateEvent, MotionGate } from './motionGate';
import type { FusedMotion, MotionFusion } from './motionFusion';

/*
 * The analysis stage of a camera's pipeline: analysis frames in, motion out. The detector
 * judges each frame, the gate turns verdicts into starts and ends, and (with a PIR sensor)
 * the fusion decides what counts. Stream times become wall-clock times here, from the
 * moment the capture's stream began, so what follows (recorder, hub) works in either.
 */

/** What the stage needs of a detector (MotionDetector; a fake in tests): the detector can be swapped alone. */
export interface FrameDetector {
  process(gray: Uint8Array): Pick<FrameVerdict, 'regions' | 'changedRatio'>;
  reset(): void;
  dispose(): void;
}

export interface StageMotion extends FusedMotion {
  /** Stream time (s) of `at` in the current stream. */
  mediaTime: number;
  /** Share of the frame that changed (video starts and ends only). */
  changed?: number;
  /** The gate's own event, when video decided it (the benchmark scores these). */
  gate?: GateEvent;
}

export class AnalysisStage {
  private wallStart = Date.now();

  constructor(
    private detector: FrameDetector,
    private readonly gate: MotionGate,
    private readonly fusion: MotionFusion | null,
    private readonly onMotion: (m: StageMotion) => void,
  ) {}

  /** A new stream: stream time 0 is `wallStart`; the detector learns the picture afresh. */
  onStream(wallStart: number): void {
    this.wallStart = wallStart;
    this.detector.reset();
  }

  onFrame(frame: AnalysisFrame): void {
    const verdict = this.detector.process(frame.data);
    const event = this.gate.push(frame.time, verdict.regions);
    if (!event) return;
    const at = this.toWall(event.time);
    const fused = this.fusion ? this.fusion.video(event.kind, at) : { kind: event.kind, at, by: 'video' as const };
    if (fused) this.emit(fused, +verdict.changedRatio.toFixed(4), event);
  }

  /** The PIR sensor saw motion start or end (wall-clock ms). */
  onPir(kind: 'start' | 'end', at: number): void {
    const fused = this.fusion?.pirEvent(kind, at);
    if (fused) this.emit(fused);
  }

  /** The stream ended at stream time `streamSeconds`: motion still open ends with it. */
  onStreamEnd(streamSeconds: number, now = Date.now()): void {
    const end = this.gate.close(streamSeconds);
    if (this.fusion) {
      const fused = this.fusion.close(now);
      if (fused) this.emit(fused);
    } else if (end) this.emit({ kind: end.kind, at: this.toWall(end.time), by: 'video' }, undefined, end);
  }

  /** New settings: the detector in force from the next frame (the old one is disposed). */
  replaceDetector(next: FrameDetector): void {
    this.detector.dispose();
    this.detector = next;
  }

  dispose(): void {
    this.detector.dispose();
  }

  private toWall(t: number): number {
    return Math.round(this.wallStart + t * 1000);
  }

  private emit(m: FusedMotion, changed?: number, gate?: GateEvent): void {
    this.onMotion({ ...m, mediaTime: Math.max(0, (m.at - this.wallStart) / 1000), ...(changed === undefined ? {} : { changed }), ...(gate ? { gate } : {}) });
  }
}

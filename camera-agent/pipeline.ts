import type { EventEmitter } from 'node:events';
import type { Logger } from '../common/logger';
import type { Fragment } from '../common/fmp4';
import { AnalysisStage, type FrameDetector, type StageMotion } from './analysisStage';
import type { CaptureEvents } from './capture';
import type { MotionFusion } from './motionFusion';
import { gateSettingsFor, MotionGate } from './motionGate';
import { MotionEvents, type MotionEventSink, type MotionRecorder } from './motionEvents';

/*
 * One camera's pipeline, wired once for the agent and the benchmark alike:
 *
 *   feed ─ stream/fragment ─→ recorder, snapshots, live view (the fragments ffmpeg makes once)
 *        └ frame ─→ analysis (detector, gate, fusion) ─→ motion (recorder + event sink)
 *
 * Each stage is an interface, so a camera source (anything that emits what Capture emits), a
 * detector, or where events go can be changed alone, and a test can drive the whole of it
 * without ffmpeg. Delivery of clips, arming, settings and the hub's channel stay outside: the
 * agent connects them (agent.ts); the benchmark has none of them.
 */

/** What a camera source emits (Capture; an EventEmitter in tests). */
export type VideoFeed = Pick<EventEmitter<CaptureEvents>, 'on'>;

/** A stage that takes the recording stream's fragments (ClipRecorder, SnapshotMaker, LiveStreamer). */
export interface FragmentConsumer {
  /** A new stream: its fragments follow this init segment; stream time 0 is `wallStart`. */
  onStream(init: Buffer, wallStart: number): void;
  onFragment(fragment: Fragment): void;
  onStreamEnd?(): void;
}

export interface PipelineParts {
  feed: VideoFeed;
  detector: FrameDetector;
  /** With a PIR sensor: how its motion and the video's are combined. */
  fusion: MotionFusion | null;
  recorder: FragmentConsumer & MotionRecorder;
  /** Others that see the fragments: snapshots and live view (the benchmark has none). */
  viewers: readonly FragmentConsumer[];
  /** Where motion events go: the hub; null where there is none (the benchmark). */
  events: MotionEventSink | null;
  motion: { minDurationSeconds: number; endAfterSeconds: number; retriggerSeconds: number };
  analysisFps: number;
  log: Logger;
  /** Also told of every motion, after the recorder and the sink (the benchmark scores the gate's events). */
  observe?: (m: StageMotion) => void;
}

export class CameraPipeline {
  readonly analysis: AnalysisStage;
  readonly motion: MotionEvents;
  /** Stream time covered by the current stream (s): where its last fragment ends. */
  streamSeconds = 0;

  constructor(parts: PipelineParts) {
    const { feed, recorder, viewers, observe } = parts;
    this.motion = new MotionEvents(recorder, parts.events, parts.analysisFps, parts.motion.retriggerSeconds, parts.log);
    const gate = new MotionGate(gateSettingsFor(parts.motion, parts.analysisFps));
    this.analysis = new AnalysisStage(parts.detector, gate, parts.fusion, (m) => {
      this.motion.onMotion(m);
      observe?.(m);
    });
    // Viewers before the recorder, as they always were: a snapshot or live view never waits on a clip.
    const consumers = [...viewers, recorder];
    feed.on('stream', ({ init, wallStart }) => {
      this.streamSeconds = 0;
      this.analysis.onStream(wallStart);
      for (const c of consumers) c.onStream(init, wallStart);
    });
    feed.on('fragment', (f) => {
      this.streamSeconds = f.start + f.duration;
      for (const c of consumers) c.onFragment(f);
    });
    feed.on('frame', (frame) => this.analysis.onFrame(frame));
    // Motion still open ends with the stream, before the recorder hears the stream is over.
    feed.on('streamEnd', () => {
      this.analysis.onStreamEnd(this.streamSeconds);
      for (const c of consumers) c.onStreamEnd?.();
    });
  }

  dispose(): void {
    this.analysis.dispose();
  }
}

import type { DetectedObject, DetectionFrame, ObjectDetector } from '../../common/detection';

/**
 * TEST DOUBLE, for route, storage and wiring tests only — it recognises nothing: it answers
 * each picture with the objects the test queued (or `fallback` once the queue is empty) and
 * notes what it was given. The real COCO detector is hub/objectDetection/.
 */
export class FixedAnswerDetectorDouble implements ObjectDetector {
  readonly model = 'test-double';
  readonly backend = 'none';
  seen: Array<{ width: number; height: number; bytes: number; firstByte: number; at: number }> = [];
  answers: DetectedObject[][] = [];
  closed = false;

  constructor(private readonly fallback: DetectedObject[] = []) {}

  async detect(frame: DetectionFrame): Promise<DetectedObject[]> {
    this.seen.push({ width: frame.width, height: frame.height, bytes: frame.data.length, firstByte: frame.data[0]!, at: Date.now() });
    return this.answers.shift() ?? this.fallback;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

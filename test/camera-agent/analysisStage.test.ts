import { strict as assert } from 'node:assert';
import { AnalysisStage, type FrameDetector, type StageMotion } from '../../camera-agent/analysisStage';
import { MotionFusion } from '../../camera-agent/motionFusion';
import { MotionGate } from '../../camera-agent/motionGate';

/** A detector that sees a region in every frame whose first byte is 1; it counts resets and disposals. */
class FakeDetector implements FrameDetector {
  resets = 0;
  disposed = false;
  process(gray: Uint8Array) {
    return gray[0] === 1 ? { regions: [{ x: 0.4, y: 0.4, w: 0.1, h: 0.1, area: 0.01 }], changedRatio: 0.01 } : { regions: [], changedRatio: 0 };
  }
  reset() {
    this.resets += 1;
  }
  dispose() {
    this.disposed = true;
  }
}

const frame = (time: number, moving: boolean) => ({ time, data: new Uint8Array([moving ? 1 : 0]) });
const settings = { startFrames: 2, endFrames: 3, retriggerSeconds: 10 };

describe('analysis stage (no processes)', () => {
  it('turns frames into motion at wall-clock times from the start of the stream', () => {
    const detector = new FakeDetector();
    const out: StageMotion[] = [];
    const stage = new AnalysisStage(detector, new MotionGate(settings), null, (m) => out.push(m));
    stage.onStream(1_000_000);
    assert.equal(detector.resets, 1, 'a new stream is learnt afresh');
    const moving = [false, true, true, true, false, false, false, false];
    moving.forEach((m, i) => stage.onFrame(frame(i * 0.2, m)));
    assert.equal(out.length, 2);
    const [start, end] = out;
    assert.equal(start?.kind, 'start');
    assert.equal(start?.by, 'video');
    assert.equal(start?.at, 1_000_000 + Math.round((start?.gate?.time ?? NaN) * 1000));
    assert.equal(start?.mediaTime, start?.gate?.time);
    assert.equal(start?.changed, 0.01);
    assert.equal(end?.kind, 'end');
  });

  it('ends open motion with the stream', () => {
    const out: StageMotion[] = [];
    const stage = new AnalysisStage(new FakeDetector(), new MotionGate(settings), null, (m) => out.push(m));
    stage.onStream(0);
    [true, true, true].forEach((m, i) => stage.onFrame(frame(i * 0.2, m)));
    stage.onStreamEnd(0.6);
    assert.deepEqual(out.map((m) => m.kind), ['start', 'end']);
  });

  it('with a PIR sensor in "confirm" mode, video motion counts only once the sensor agrees', () => {
    const out: StageMotion[] = [];
    const stage = new AnalysisStage(new FakeDetector(), new MotionGate(settings), new MotionFusion('confirm', 2000), (m) => out.push(m));
    stage.onStream(0);
    [true, true, true].forEach((m, i) => stage.onFrame(frame(i * 0.2, m)));
    assert.equal(out.length, 0, 'video alone is not confirmed');
    stage.onPir('start', 500);
    assert.equal(out.length, 1);
    assert.equal(out[0]?.kind, 'start');
    assert.equal(out[0]?.by, 'video+pir');
    assert.equal(out[0]?.at, Math.round((out[0]?.mediaTime ?? NaN) * 1000), 'dated when the video saw it');
  });

  it('disposes the detector it replaces, and its own on dispose', () => {
    const first = new FakeDetector();
    const second = new FakeDetector();
    const stage = new AnalysisStage(first, new MotionGate(settings), null, () => undefined);
    stage.replaceDetector(second);
    assert.ok(first.disposed && !second.disposed);
    stage.dispose();
    assert.ok(second.disposed);
  });
});

import { strict as assert } from 'node:assert';
import type { MotionEvent } from '../../common/protocol';
import type { StageMotion } from '../../camera-agent/analysisStage';
import type { RecorderMotion } from '../../camera-agent/clipRecorder';
import { MotionEvents } from '../../camera-agent/motionEvents';
import { captureLog } from '../helpers/logCapture';

const motion = (kind: 'start' | 'end', seconds: number, by: 'video' | 'pir' = 'video'): StageMotion => ({ kind, at: 1_000_000 + seconds * 1000, by, mediaTime: seconds });

function setup(sink: { sendEvent(e: MotionEvent): Promise<void> } | null = null) {
  const told: RecorderMotion[] = [];
  const { log, messages } = captureLog();
  const stage = new MotionEvents({ onMotion: (m) => told.push(m) }, sink, 5, 10, log);
  return { stage, told, messages };
}

describe('motion events (no processes)', () => {
  it('the pre-roll counts from the frame before video motion, and from the very moment of PIR motion', () => {
    const { stage, told } = setup();
    stage.onMotion(motion('start', 5));
    stage.onMotion(motion('end', 8));
    stage.onMotion(motion('start', 30, 'pir'));
    assert.deepEqual(told, [
      { kind: 'start', time: 4.8 },
      { kind: 'end', time: 8 },
      { kind: 'start', time: 30 },
    ]);
  });

  it('judges retriggers on video and PIR motion together, with the retrigger time from the settings', () => {
    const sent: MotionEvent[] = [];
    const { stage } = setup({ sendEvent: (e) => (sent.push(e), Promise.resolve()) });
    stage.onMotion(motion('start', 0));
    stage.onMotion(motion('end', 2));
    stage.onMotion(motion('start', 6, 'pir'));
    stage.onMotion(motion('end', 7, 'pir'));
    stage.setRetriggerSeconds(1);
    stage.onMotion(motion('start', 9));
    assert.deepEqual(
      sent.filter((e) => e.kind === 'start').map((e) => [e.source, e.retrigger]),
      [
        ['video', false],
        ['pir', true],
        ['video', false],
      ],
    );
  });

  it('a hub that cannot be reached loses the event, not the clip', async () => {
    const { stage, told, messages } = setup({ sendEvent: () => Promise.reject(new Error('offline')) });
    stage.onMotion(motion('start', 1));
    await new Promise((r) => setImmediate(r));
    assert.equal(told.length, 1);
    assert.ok(messages('debug').includes('motion event not sent'));
  });

  it('refuses an analysis rate or retrigger time that is not a number it can use', () => {
    const { log } = captureLog();
    const recorder = { onMotion: () => undefined };
    assert.throws(() => new MotionEvents(recorder, null, 0, 10, log), /analysis rate/);
    assert.throws(() => new MotionEvents(recorder, null, 5, -1, log), /retrigger time/);
    assert.throws(() => new MotionEvents(recorder, null, 5, 10, log).setRetriggerSeconds(Number.NaN), /retrigger time/);
  });
});

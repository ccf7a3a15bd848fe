import { strict as assert } from 'node:assert';
import { gateSettingsFor, MotionGate, type GateEvent } from '../../camera-agent/motionGate';
import type { Region } from '../../camera-agent/regions';

const box = (x: number, y = 0.4, w = 0.1, h = 0.3): Region => ({ x, y, w, h, area: w * h });

describe('motion gate', () => {
  /** One character per frame (1 s apart): '.' still, 'a'…'j' an object at x = 0.1 × (letter index). */
  function run(frames: string, settings = { startFrames: 2, endFrames: 3, retriggerSeconds: 30 }): GateEvent[] {
    const gate = new MotionGate(settings);
    return [...frames].map((c, i) => gate.push(i, c === '.' ? [] : [box((c.charCodeAt(0) - 97) / 10)])).filter((e) => e !== null);
  }

  it('starts after consecutive motion frames, dated at the first of them and decided at the last', () => {
    assert.deepEqual(run('..bc....'), [
      { kind: 'start', time: 2, decidedAt: 3, retrigger: false },
      { kind: 'end', time: 4, decidedAt: 6 },
    ]);
  });

  it('ignores a single frame of motion', () => {
    assert.deepEqual(run('..b.e..h.'), []);
  });

  it('does not count specks that land far apart in consecutive frames (rain, noise)', () => {
    assert.deepEqual(run('..aiajaiaj....'), []);
  });

  it('does not end on a short pause', () => {
    assert.deepEqual(run('bc..de....'), [
      { kind: 'start', time: 0, decidedAt: 1, retrigger: false },
      { kind: 'end', time: 6, decidedAt: 8 },
    ]);
  });

  it('marks a start within the retrigger time of the last end as a retrigger', () => {
    const events = run('bc...' + '.'.repeat(5) + 'de' + '.'.repeat(40) + 'fg...', { startFrames: 2, endFrames: 3, retriggerSeconds: 10 });
    assert.deepEqual(
      events.filter((e) => e.kind === 'start').map((e) => [e.time, e.kind === 'start' && e.retrigger]),
      [
        [0, false],
        [10, true],
        [52, false],
      ],
    );
  });

  it('turns the minimum duration and end delay into frame counts at the analysis rate', () => {
    assert.deepEqual(gateSettingsFor({ minDurationSeconds: 0.4, endAfterSeconds: 2, retriggerSeconds: 30 }, 5), { startFrames: 2, endFrames: 10, retriggerSeconds: 30 });
    assert.equal(gateSettingsFor({ minDurationSeconds: 0, endAfterSeconds: 0.2, retriggerSeconds: 10 }, 5).startFrames, 1);
  });

  it('closes an open event when the stream stops', () => {
    const gate = new MotionGate({ startFrames: 1, endFrames: 5, retriggerSeconds: 30 });
    gate.push(0, [box(0.2)]);
    assert.deepEqual(gate.close(3), { kind: 'end', time: 3, decidedAt: 3 });
    assert.equal(gate.close(4), null);
  });
});

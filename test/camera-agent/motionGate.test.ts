import { strict as assert } from 'node:assert';
import { MotionGate } from '../../camera-agent/motionGate';

describe('motion gate', () => {
  function run(frames: string, startFrames = 2, endFrames = 3) {
    const gate = new MotionGate({ startFrames, endFrames });
    return [...frames].map((c, i) => gate.push(i, c === 'x')).filter((e) => e !== null);
  }

  it('starts after consecutive motion frames, dated at the first of them', () => {
    assert.deepEqual(run('..xx....'), [
      { kind: 'start', time: 2 },
      { kind: 'end', time: 4 },
    ]);
  });
  it('ignores a single noisy frame', () => {
    assert.deepEqual(run('..x.x..x.'), []);
  });
  it('does not end on a short pause', () => {
    assert.deepEqual(run('xx..xx....'), [
      { kind: 'start', time: 0 },
      { kind: 'end', time: 6 },
    ]);
  });
});

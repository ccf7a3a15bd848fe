import assert from 'node:assert/strict';
import { footageTimes } from '../../bench/pausedFootage';
import { slope } from '../../bench/detectionSystem';

describe('bench: detection live and soak, pure parts', () => {
  it('places each segment of the paused footage after the lead and the pauses before it', () => {
    const t = footageTimes({ leadSeconds: 20, moveSeconds: 7, stillSeconds: 16, segments: 3 });
    // The first segment starts on the frozen frame itself, so it moves one frame (0.1 s) later.
    assert.deepEqual(t.onsets, [20.1, 43, 66]);
    assert.deepEqual(t.stops, [27, 50, 73]);
    assert.equal(t.durationSeconds, 89);
  });

  it('fits a least-squares slope: flat, rising, and too few points', () => {
    assert.equal(slope([{ x: 0, y: 5 }, { x: 1, y: 5 }, { x: 2, y: 5 }]), 0);
    assert.equal(slope([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }]), 2);
    assert.ok(Math.abs(slope([{ x: 0, y: 0 }, { x: 1, y: 2 }, { x: 2, y: 1 }, { x: 3, y: 3 }]) - 0.8) < 1e-9);
    assert.equal(slope([{ x: 1, y: 9 }]), 0);
  });
});

import { strict as assert } from 'node:assert';
import { Backoff, backoffDelayMs } from '../../common/backoff';

describe('retry backoff (every retry loop: uploads, webhooks, the device channel, clip delivery, capture restarts)', () => {
  it('backs off exponentially with jitter and a cap', () => {
    const mid = () => 0.5;
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelayMs(n, 1000, 60_000, mid)), [1000, 2000, 4000, 8000]);
    assert.equal(backoffDelayMs(30, 1000, 60_000, mid), 60_000);
    assert.equal(backoffDelayMs(1, 1000, 60_000, () => 0), 800);
    assert.equal(backoffDelayMs(1, 1000, 60_000, () => 0.9999), 1200);
  });

  it("one loop's backoff: each failure waits longer up to the cap, a success starts again from the base", () => {
    const b = new Backoff(1000, 30_000, () => 0.5);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(() => b.next()), [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    assert.equal(b.failures, 7);
    b.reset();
    assert.equal(b.failures, 0);
    assert.equal(b.next(), 1000);
    const low = new Backoff(1000, 30_000, () => 0);
    assert.deepEqual([low.next(), low.next()], [800, 1600], 'jittered like backoffDelayMs');
  });
});

import { strict as assert } from 'node:assert';
import { backoffDelayMs } from '../../common/backoff';

describe('retry backoff (relay uploads and webhooks)', () => {
  it('backs off exponentially with jitter and a cap', () => {
    const mid = () => 0.5;
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelayMs(n, 1000, 60_000, mid)), [1000, 2000, 4000, 8000]);
    assert.equal(backoffDelayMs(30, 1000, 60_000, mid), 60_000);
    assert.equal(backoffDelayMs(1, 1000, 60_000, () => 0), 800);
    assert.equal(backoffDelayMs(1, 1000, 60_000, () => 0.9999), 1200);
  });
});

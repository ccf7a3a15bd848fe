import { strict as assert } from 'node:assert';
import { RateLimiter, takeToken } from '../../hub/rateLimit';
import { FakeClock } from '../helpers/hub';

describe('rate limits (token bucket)', () => {
  it('allows a burst, then one request per refill interval, and says how long to wait', () => {
    const clock = new FakeClock(0);
    const limiter = new RateLimiter({ burst: 3, perMinute: 6 }, clock.now);
    assert.deepEqual([1, 2, 3].map(() => limiter.take('a').allowed), [true, true, true]);
    const refused = limiter.take('a');
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfterMs, 10_000);
    assert.equal(limiter.take('b').allowed, true, 'each address has its own bucket');
    clock.advance(10_000);
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, false);
  });

  it('never fills a bucket beyond its burst', () => {
    const { bucket } = takeToken({ tokens: 0, updatedAt: 0 }, { burst: 2, perMinute: 60 }, 3_600_000);
    assert.equal(bucket.tokens, 1);
  });

  it('forgets the oldest addresses beyond its size bound', () => {
    const limiter = new RateLimiter({ burst: 1, perMinute: 1 }, () => 0, 2);
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    assert.equal(limiter.take('a').allowed, true, 'a was evicted, so it starts with a full bucket');
    assert.equal(limiter.take('c').allowed, false);
  });
});

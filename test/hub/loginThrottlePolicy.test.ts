import { strict as assert } from 'node:assert';
import {
  accountAfterFailure,
  accountDelayMs,
  accountVerdict,
  ipAfterFailure,
  ipVerdict,
  IP_LOCK_MS,
  type ThrottleState,
} from '../../hub/loginThrottlePolicy';

const MIN = 60_000;

/** Applies `n` failures at the given times (ms) and returns the final state. */
function failures(times: number[], after: (s: ThrottleState | undefined, now: number) => ThrottleState): ThrottleState | undefined {
  return times.reduce<ThrottleState | undefined>((s, now) => after(s, now), undefined);
}

describe('sign-in throttle policy (pure)', () => {
  const ipCases: Array<[string, number[], number, boolean]> = [
    ['no failures', [], 0, true],
    ['4 failures', [0, 1, 2, 3].map((i) => i * MIN), 4 * MIN, true],
    ['5 failures lock', [0, 1, 2, 3, 4].map((i) => i * MIN), 5 * MIN, false],
    ['locked until 10 minutes after the 5th', [0, 1, 2, 3, 4].map((i) => i * MIN), 4 * MIN + IP_LOCK_MS - 1, false],
    ['free exactly 10 minutes after the 5th', [0, 1, 2, 3, 4].map((i) => i * MIN), 4 * MIN + IP_LOCK_MS, true],
    ['failures spread over more than an hour do not add up', [0, 20, 40, 61, 62].map((i) => i * MIN), 63 * MIN, true],
  ];
  for (const [name, times, now, allowed] of ipCases) {
    it(`per address: ${name}`, () => assert.equal(ipVerdict(failures(times, ipAfterFailure), now).allowed, allowed));
  }

  it('per address: after a lock expires the count starts again from one', () => {
    const locked = failures([0, 1, 2, 3, 4].map((i) => i * MIN), ipAfterFailure)!;
    const next = ipAfterFailure(locked, 4 * MIN + IP_LOCK_MS + 1);
    assert.equal(next.failures, 1);
    assert.equal(next.lockedUntil, null);
  });

  const delays: Array<[number, number]> = [
    [0, 0],
    [9, 0],
    [10, 15_000],
    [11, 30_000],
    [14, 240_000],
    [16, 900_000],
    [1000, 900_000],
  ];
  for (const [n, ms] of delays) it(`per account: ${n} failures → ${ms / 1000} s delay`, () => assert.equal(accountDelayMs(n), ms));

  it('per account: known browsers are never throttled; others wait the delay; old failures expire after a day', () => {
    const s = failures(Array.from({ length: 12 }, (_, i) => i * MIN), accountAfterFailure)!;
    const last = 11 * MIN;
    assert.equal(accountVerdict(s, last + 1000, false).allowed, false);
    assert.equal(accountVerdict(s, last + 1000, true).allowed, true);
    assert.equal(accountVerdict(s, last + accountDelayMs(12), false).allowed, true);
    assert.equal(accountVerdict(s, 24 * 60 * MIN + 1, false).allowed, true);
    assert.equal(accountAfterFailure(s, 24 * 60 * MIN + 1).failures, 1);
  });
});

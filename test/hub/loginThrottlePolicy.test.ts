import { strict as assert } from 'node:assert';
import {
  accountAfterFailure,
  accountDelayMs,
  accountVerdict,
  ipAfterFailure,
  ipAfterRefund,
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

  it('per address: a sign-in counted as it started and then proven right is taken back, lifting the lock it set', () => {
    let state: ThrottleState | undefined;
    for (let i = 0; i < 5; i++) state = ipAfterFailure(state, 1000 + i);
    assert.notEqual(state!.lockedUntil, null, 'the fifth started attempt locks at once (no free guesses for unfinished ones)');
    const proven = ipAfterRefund(state);
    assert.equal(proven!.failures, 4);
    assert.equal(proven!.lockedUntil, null, 'the right password, proven, was not a failure');
    assert.equal(ipVerdict(proven, 2000).allowed, true);
    assert.equal(ipAfterRefund(ipAfterFailure(undefined, 1000)), undefined, 'one attempt taken back leaves nothing');
    assert.equal(ipAfterRefund(undefined), undefined);
    let six: ThrottleState | undefined;
    for (let i = 0; i < 6; i++) six = ipAfterFailure(six, 1000);
    assert.notEqual(ipAfterRefund(six)!.lockedUntil, null, 'five failures remain: still locked');
  });

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

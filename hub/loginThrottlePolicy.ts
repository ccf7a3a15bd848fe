/*
 * Sign-in throttling as pure functions of (state, now), so every rule is table-tested
 * without a clock or a database.
 *
 * Two counters work together, kept apart: a sign-in that succeeds clears its account's
 * counter, never the address's (else a member could guess another account from the same
 * address, signing in as themselves between guesses).
 * - Per IP: 5 failed sign-ins (password, TOTP or recovery code) within an hour lock that
 *   address out for 10 minutes, even with the right password. This stops fast guessing.
 * - Per account: an attacker with many addresses could still guess slowly. After 10
 *   failures in 24 hours, each further attempt from a browser that has never signed in to
 *   the account must wait a delay that doubles per failure, capped at 15 minutes. The cap
 *   and the exemption for known browsers mean an attacker can slow the owner down but
 *   never lock them out for good: the owner's own phone or laptop is not throttled.
 */

export const IP_MAX_FAILURES = 5;
export const IP_WINDOW_MS = 60 * 60_000;
export const IP_LOCK_MS = 10 * 60_000;

export const ACCOUNT_FREE_FAILURES = 10;
export const ACCOUNT_WINDOW_MS = 24 * 60 * 60_000;
export const ACCOUNT_BASE_DELAY_MS = 15_000;
export const ACCOUNT_MAX_DELAY_MS = 15 * 60_000;

export interface ThrottleState {
  failures: number;
  firstFailureAt: number;
  lastFailureAt: number;
  lockedUntil: number | null;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAt: number };

/** Whether a sign-in attempt from this IP may even be checked. */
export function ipVerdict(state: ThrottleState | undefined, now: number): ThrottleVerdict {
  if (state?.lockedUntil != null && now < state.lockedUntil) return { allowed: false, retryAt: state.lockedUntil };
  return { allowed: true };
}

/** The IP's state after one more failure; `lockedUntil` is set when this failure locks it. */
export function ipAfterFailure(state: ThrottleState | undefined, now: number): ThrottleState {
  const fresh = !state || now - state.firstFailureAt > IP_WINDOW_MS || (state.lockedUntil != null && now >= state.lockedUntil);
  const failures = fresh ? 1 : state.failures + 1;
  const firstFailureAt = fresh ? now : state.firstFailureAt;
  return { failures, firstFailureAt, lastFailureAt: now, lockedUntil: failures >= IP_MAX_FAILURES ? now + IP_LOCK_MS : null };
}

/**
 * The IP's state once an attempt counted in advance turned out right. An OPAQUE sign-in is
 * counted as a failure when it starts (the browser learns the outcome before the hub does, so
 * an attempt it never finishes must still count); the proof of the right password takes it back.
 */
export function ipAfterRefund(state: ThrottleState | undefined): ThrottleState | undefined {
  if (!state || state.failures <= 1) return undefined;
  const failures = state.failures - 1;
  return { ...state, failures, lockedUntil: failures >= IP_MAX_FAILURES ? state.lockedUntil : null };
}

/** The delay an account imposes after `failures` failures in its window (0 while under the free allowance). */
export function accountDelayMs(failures: number): number {
  if (failures < ACCOUNT_FREE_FAILURES) return 0;
  const doublings = Math.min(failures - ACCOUNT_FREE_FAILURES, 20);
  return Math.min(ACCOUNT_BASE_DELAY_MS * 2 ** doublings, ACCOUNT_MAX_DELAY_MS);
}

/** Whether an attempt on this account may be checked; browsers that signed in before are exempt. */
export function accountVerdict(state: ThrottleState | undefined, now: number, knownBrowser: boolean): ThrottleVerdict {
  if (!state || knownBrowser || now - state.firstFailureAt > ACCOUNT_WINDOW_MS) return { allowed: true };
  const retryAt = state.lastFailureAt + accountDelayMs(state.failures);
  return now < retryAt ? { allowed: false, retryAt } : { allowed: true };
}

export function accountAfterFailure(state: ThrottleState | undefined, now: number): ThrottleState {
  const fresh = !state || now - state.firstFailureAt > ACCOUNT_WINDOW_MS;
  return {
    failures: fresh ? 1 : state.failures + 1,
    firstFailureAt: fresh ? now : state.firstFailureAt,
    lastFailureAt: now,
    lockedUntil: null,
  };
}

/**
 * Retry delay: exponential from `baseMs`, ±20 % so many clients that failed together do not
 * retry in lockstep, and never above `maxMs`. Pure; `random` is injectable for tests.
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.round(Math.min(exp * (0.8 + 0.4 * random()), maxMs));
}

/**
 * Retry delay: exponential from `baseMs`, ±20 % so many clients that failed together do not
 * retry in lockstep, and never above `maxMs`. Pure; `random` is injectable for tests.
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.round(Math.min(exp * (0.8 + 0.4 * random()), maxMs));
}

/**
 * The backoff of one retry loop: each failure makes the next wait longer (`backoffDelayMs`),
 * a success starts it again from `baseMs`. Loops that wait in memory (reconnects, restarts,
 * resends) keep one of these instead of their own doubling.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    readonly baseMs: number,
    readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Failures since the last success. */
  get failures(): number {
    return this.attempt;
  }

  /** One more failure: how long to wait before trying again. */
  next(): number {
    this.attempt += 1;
    return backoffDelayMs(this.attempt, this.baseMs, this.maxMs, this.random);
  }

  /** A success: the next failure waits `baseMs` (± jitter) again. */
  reset(): void {
    this.attempt = 0;
  }
}

/*
 * Token buckets kept in memory, per key (an IP or a device). Limits here are about
 * load and brute force on unauthenticated or device routes; sign-in has its own,
 * persisted throttle. A restart refilling these buckets costs nothing worth defending.
 */

export interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface RateRule {
  /** Bucket size: requests allowed in a burst. */
  burst: number;
  /** Sustained rate. */
  perMinute: number;
}

/** Takes one token if available; returns the new bucket and, when refused, how long until a token is back. */
export function takeToken(bucket: Bucket | undefined, rule: RateRule, now: number): { bucket: Bucket; allowed: boolean; retryAfterMs: number } {
  const perMs = rule.perMinute / 60_000;
  const tokens = bucket ? Math.min(rule.burst, bucket.tokens + (now - bucket.updatedAt) * perMs) : rule.burst;
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, updatedAt: now }, allowed: true, retryAfterMs: 0 };
  return { bucket: { tokens, updatedAt: now }, allowed: false, retryAfterMs: Math.ceil((1 - tokens) / perMs) };
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rule: RateRule,
    private readonly clock: () => number = Date.now,
    /** Bounds memory when many addresses knock once. */
    private readonly maxKeys = 10_000,
  ) {}

  take(key: string): { allowed: boolean; retryAfterMs: number } {
    const result = takeToken(this.buckets.get(key), this.rule, this.clock());
    this.buckets.delete(key);
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    this.buckets.set(key, result.bucket);
    return { allowed: result.allowed, retryAfterMs: result.retryAfterMs };
  }
}

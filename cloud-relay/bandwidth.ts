import { PassThrough, Transform } from 'node:stream';
import { systemClock, type Clock } from '../common/clock';

/*
 * The relay's upload bandwidth cap. Clips leave over the household's uplink, which is
 * often a few Mbit/s shared with video calls; an unthrottled backlog after an outage would
 * saturate it for minutes.
 */

/**
 * A token bucket in bytes, driven by the caller's clock. Pure.
 *
 * The balance may go negative: a chunk larger than the burst is still let through, and
 * the debt it leaves is what the wait repays, so callers need not split their chunks.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly burstBytes: number,
    now: number,
  ) {
    if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) throw new RangeError(`rate must be a positive number of bytes/s, not ${bytesPerSecond}`);
    if (!Number.isFinite(burstBytes) || burstBytes < 0) throw new RangeError(`burst must be a non-negative number of bytes, not ${burstBytes}`);
    this.tokens = burstBytes;
    this.last = now;
  }

  /** Charges bytes and returns how many ms to wait before sending them (0 when the tokens suffice). */
  take(bytes: number, now: number): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`cannot take ${bytes} bytes`);
    // A clock stepping backwards must not mint or destroy tokens.
    if (now > this.last) {
      this.tokens = Math.min(this.burstBytes, this.tokens + ((now - this.last) * this.bytesPerSecond) / 1000);
      this.last = now;
    }
    this.tokens -= bytes;
    // Rounded up, so that the rate is never exceeded by a fraction of a millisecond's worth.
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.bytesPerSecond);
  }
}

export type { Clock };

/**
 * A quarter second of bytes. A home uplink should never see more than that at once: the
 * router queues whatever arrives faster than the line, and a deep queue is felt as lag by
 * everyone else in the house. A quarter second is still enough to keep the socket fed
 * between timer wake-ups.
 */
export function burstFor(bytesPerSecond: number): number {
  // The floor keeps very low caps from forcing a wait before every stream-sized chunk.
  return Math.max(16 * 1024, Math.floor(bytesPerSecond / 4));
}

/**
 * A Transform that passes chunks through unchanged, delaying them so the long-run rate
 * stays at or below bytesPerSecond. 0 means unlimited. Give several streams one `bucket`
 * (see `sharedBucket`) and the cap holds across all of them — one upload after another.
 */
export function throttle(bytesPerSecond: number, clock: Clock = systemClock, bucket?: TokenBucket): Transform {
  if (bytesPerSecond === 0) return new PassThrough();
  const tokens = bucket ?? sharedBucket(bytesPerSecond, clock);
  // An upload abandoned mid-wait must not keep a timer (and the process) alive for seconds.
  const abandoned = new AbortController();
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const wait = tokens.take(chunk.length, clock.now());
      if (wait === 0) return callback(null, chunk);
      clock.sleep(wait, abandoned.signal).then(() => {
        if (!abandoned.signal.aborted) callback(null, chunk);
      }, callback);
    },
    destroy(error, callback) {
      abandoned.abort();
      callback(error);
    },
  });
}

export function sharedBucket(bytesPerSecond: number, clock: Clock = systemClock): TokenBucket {
  return new TokenBucket(bytesPerSecond, burstFor(bytesPerSecond), clock.now());
}

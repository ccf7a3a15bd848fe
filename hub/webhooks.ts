import { createHmac, randomUUID } from 'node:crypto';
import { backoffDelayMs } from '../common/backoff';
import { BlockList, isIP } from 'node:net';
import type { Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import { safeEqual } from '../common/tokens';

/*
 * Outgoing webhooks: the hub POSTs an event as JSON to a URL the homeowner chose, signed with a
 * secret shared with the receiver, and retries with backoff while the receiver is down.
 *
 * Signing: `x-porchlight-signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
 * with `x-porchlight-timestamp: <unix seconds>`. The timestamp is inside the MAC so a captured
 * request cannot be replayed later with a fresh timestamp; receivers (verifySignature) reject
 * timestamps more than a few minutes from their own clock. Within that window a receiver that
 * cares can also drop repeats of `x-porchlight-delivery`, which stays the same across retries.
 */

export const SIGNATURE_PREFIX = 'sha256=';

export function signature(secret: string, timestamp: string, body: string): string {
  return SIGNATURE_PREFIX + createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/**
 * For receivers (and tests). `now` is in milliseconds, `timestamp` in unix seconds as sent.
 * The tolerance applies both ways, since the sender's clock may run ahead of the receiver's.
 */
export function verifySignature(secret: string, timestamp: string, body: string, header: string, now: number, toleranceMs = 300_000): boolean {
  if (!/^\d{1,15}$/.test(timestamp)) return false;
  if (Math.abs(now - Number(timestamp) * 1000) > toleranceMs) return false;
  // Constant time, so a forger cannot learn the right MAC byte by byte from response timings.
  return safeEqual(signature(secret, timestamp, body), header);
}

// Where plain http:// may go: addresses that do not leave the home (or the hub itself).
const LOCAL = new BlockList();
LOCAL.addSubnet('127.0.0.0', 8, 'ipv4');
LOCAL.addSubnet('10.0.0.0', 8, 'ipv4');
LOCAL.addSubnet('172.16.0.0', 12, 'ipv4');
LOCAL.addSubnet('192.168.0.0', 16, 'ipv4');
LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LOCAL.addAddress('::1', 'ipv6');
LOCAL.addSubnet('fc00::', 7, 'ipv6');

/**
 * Null when the hub may send to `url`, else a sentence naming the problem (shown to the
 * homeowner as is). Plain http:// is allowed only to a literal loopback or private address, so a
 * home's motion events never cross the internet unencrypted. Host names are refused for http://
 * (except localhost): whether one resolves to a private address is decided by DNS at send time,
 * which a check here could not pin down.
 */
export function checkWebhookUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'The webhook URL is not a valid URL.';
  }
  // fetch refuses such URLs outright; saying so here is clearer than a failure on every event.
  if (u.username !== '' || u.password !== '') return 'The webhook URL must not contain a user name or password; put credentials in the secret instead.';
  if (u.protocol === 'https:') return u.hostname === '' ? 'The webhook URL has no host.' : null;
  if (u.protocol !== 'http:') return `The webhook URL must start with https:// (not ${u.protocol}//).`;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return null;
  const family = isIP(host);
  if (family === 0) return `Plain http:// is only allowed to a private IP address; use https:// for ${host}, or its IP address if it is on the home network.`;
  if (!LOCAL.check(host, family === 6 ? 'ipv6' : 'ipv4')) return `Plain http:// is only allowed to a private or loopback address; ${host} is on the internet, so use https://.`;
  return null;
}

export interface WebhookTarget {
  id: string;
  url: string;
  secret: string;
}

export interface WebhookEvent {
  type: string;
  /** Milliseconds since the epoch; sent as ISO 8601. */
  at: number;
  data: Record<string, unknown>;
}

export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  lastError: string | null;
}

export interface WebhookSenderOptions {
  clock: Clock;
  log: Logger;
  fetchImpl?: typeof fetch;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long one attempt may take, answer included. */
  timeoutMs?: number;
  /** In [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

type Outcome = { kind: 'delivered' } | { kind: 'refused'; error: string } | { kind: 'retry'; error: string; retryAfterMs: number | null };

export class WebhookSender {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly fetchImpl: typeof fetch;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly random: () => number;

  constructor(opts: WebhookSenderOptions) {
    this.clock = opts.clock;
    this.log = opts.log;
    this.fetchImpl = opts.fetchImpl ?? fetch;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
    this.baseDelayMs = opts.baseDelayMs ?? 1000;
    this.maxDelayMs = opts.maxDelayMs ?? 5 * 60_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.random = opts.random ?? Math.random;
  }

  /** Resolves when the event is delivered or given up on; never rejects. */
  async send(hook: WebhookTarget, event: WebhookEvent): Promise<DeliveryResult> {
    // Only the origin is logged: a receiver's path often is itself a secret (Home Assistant's
    // /api/webhook/<id>), and the signature or secret must never reach a log either.
    const problem = checkWebhookUrl(hook.url);
    if (problem !== null) {
      this.log.warn({ hook: hook.id, problem }, 'webhook not sent: its URL is not allowed');
      return { delivered: false, attempts: 0, lastError: problem };
    }
    const where = new URL(hook.url).origin;
    const delivery = randomUUID();
    // Serialized once, so every retry carries the same bytes and the same delivery id.
    const body = JSON.stringify({ id: delivery, type: event.type, at: new Date(event.at).toISOString(), data: event.data });

    let lastError: string | null = null;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const outcome = await this.attempt(hook, event.type, delivery, body);
      if (outcome.kind === 'delivered') {
        if (attempt > 1) this.log.info({ hook: hook.id, where, delivery, attempts: attempt }, 'webhook delivered after retrying');
        return { delivered: true, attempts: attempt, lastError: null };
      }
      lastError = outcome.error;
      if (outcome.kind === 'refused') {
        // Sending the same request again would only be refused again.
        this.log.warn({ hook: hook.id, where, delivery, type: event.type, error: lastError }, 'webhook refused by the receiver; not retrying');
        return { delivered: false, attempts: attempt, lastError };
      }
      if (attempt === this.maxAttempts) break;
      const waitMs = this.delayMs(attempt, outcome.retryAfterMs);
      this.log.debug({ hook: hook.id, where, delivery, attempt, error: lastError, waitMs }, 'webhook attempt failed; will retry');
      await this.clock.sleep(waitMs);
    }
    this.log.warn({ hook: hook.id, where, delivery, type: event.type, attempts: this.maxAttempts, error: lastError }, 'webhook given up after every attempt failed');
    return { delivered: false, attempts: this.maxAttempts, lastError };
  }

  /**
   * Exponential from baseDelayMs, ±20 % so many hubs (or many hooks on one receiver) that failed
   * together do not retry in lockstep. A receiver's Retry-After wins, but is capped too: a
   * delivery waits in memory, and a receiver asking for a day is better treated as down.
   */
  private delayMs(attempt: number, retryAfterMs: number | null): number {
    if (retryAfterMs !== null) return Math.min(retryAfterMs, this.maxDelayMs);
    return backoffDelayMs(attempt, this.baseDelayMs, this.maxDelayMs, this.random);
  }

  private async attempt(hook: WebhookTarget, type: string, delivery: string, body: string): Promise<Outcome> {
    // Per attempt, so a retry hours later is not refused by the receiver as a stale replay.
    const timestamp = String(Math.floor(this.clock.now() / 1000));
    let res: Response;
    try {
      res = await this.fetchImpl(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-porchlight-event': type,
          'x-porchlight-delivery': delivery,
          'x-porchlight-timestamp': timestamp,
          'x-porchlight-signature': signature(hook.secret, timestamp, body),
        },
        body,
        // A redirect would turn the POST into a GET, and could lead to a URL checkWebhookUrl
        // never saw (plain http:// on the internet); the homeowner should update the URL instead.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      return { kind: 'retry', error: describeFetchError(err, this.timeoutMs), retryAfterMs: null };
    }
    // The answer's body is not used; cancelling it frees the connection without reading it all.
    await res.body?.cancel().catch(() => undefined);
    const s = res.status;
    if (s >= 200 && s < 300) return { kind: 'delivered' };
    const error = `the receiver answered HTTP ${s}`;
    if (s === 408 || s === 429 || s >= 500) {
      return { kind: 'retry', error, retryAfterMs: s === 429 || s === 503 ? parseRetryAfter(res.headers.get('retry-after'), this.clock.now()) : null };
    }
    if (s >= 300 && s < 400) return { kind: 'refused', error: `${error} (a redirect; webhooks do not follow redirects, so update the URL)` };
    return { kind: 'refused', error };
  }
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  // undici wraps the interesting part (ECONNREFUSED, ENOTFOUND, a TLS failure) in `cause`.
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e?.message ?? 'request failed'}: ${cause}` : (e?.message ?? String(err));
}

import type { Agent } from 'node:https';
import webpush, { WebPushError } from 'web-push';
import { backoffDelayMs } from '../common/backoff';
import { systemClock } from '../common/clock';
import type { Logger } from '../common/logger';
import { MAX_PUSH_PLAINTEXT_BYTES, type PushPayload } from '../common/api/push';
import type { PushDevices, PushTarget } from './pushDevices';
import type { VapidKeys } from './vapidKeys';

/*
 * Sends a notice to each of a user's devices through their browser vendor's push service, with
 * web-push: the payload encrypted to the device (RFC 8291, aes128gcm), the request signed with
 * the hub's VAPID key (RFC 8292). The push service sees who it is for and when, never what it
 * says; words and a link, and a tiny picture only where an owner opted in (hub/pushImage.ts).
 *
 * 404/410: the browser dropped the subscription (unsubscribed, app removed): it is forgotten.
 * Anything else that fails (5xx, 429, the network) is retried a few times with backoff, then
 * given up and logged by device id and push service origin only: the endpoint's path and the
 * keys let anyone push to that phone, so they never reach the log.
 */

/** The VAPID "sub" claim: a contact the push services may use about this sender. A fixed, non-identifying one: the owner's address would tell Google, Mozilla and Apple who runs this hub. */
export const VAPID_SUBJECT = 'mailto:push@porchlight.invalid';
export const PUSH_ATTEMPTS = 3;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 10_000;
const REQUEST_TIMEOUT_MS = 15_000;

/** How long the push service keeps a message for a phone that is off, and how hard it tries to wake it. */
export function deliveryOf(kind: string): { TTL: number; urgency: 'high' | 'normal' } {
  // Motion is worth knowing now or not much later; a stale "someone at the porch" the next day only confuses.
  if (kind === 'motion') return { TTL: 60 * 60, urgency: 'high' };
  return { TTL: 24 * 60 * 60, urgency: 'normal' };
}

export interface WebPushOptions {
  devices: PushDevices;
  keys: VapidKeys;
  log: Logger;
  now: () => number;
  /** The HTTPS agent push requests go through; tests pass one that trusts their own push service. */
  agent?: Agent;
}

export class WebPush {
  private readonly stopping = new AbortController();

  constructor(private readonly o: WebPushOptions) {}

  get publicKey(): string {
    return this.o.keys.publicKey;
  }

  stop(): void {
    this.stopping.abort();
  }

  /** Pushes `payload` to every device of `userId`; never throws (a failed push never fails what caused it). */
  async toUser(userId: number, payload: PushPayload): Promise<void> {
    const targets = this.o.devices.targets(userId);
    if (targets.length === 0) return;
    const body = bodyWithin(payload, this.o.log);
    await Promise.all(targets.map((t) => this.toDevice(t, body, payload.kind)));
  }

  private async toDevice(t: PushTarget, body: string, kind: string): Promise<void> {
    const service = originOf(t.endpoint);
    for (let attempt = 1; attempt <= PUSH_ATTEMPTS && !this.stopping.signal.aborted; attempt++) {
      try {
        await webpush.sendNotification({ endpoint: t.endpoint, keys: { p256dh: t.p256dh, auth: t.auth } }, body, {
          vapidDetails: { subject: VAPID_SUBJECT, publicKey: this.o.keys.publicKey, privateKey: this.o.keys.privateKey },
          contentEncoding: 'aes128gcm',
          timeout: REQUEST_TIMEOUT_MS,
          ...deliveryOf(kind),
          ...(this.o.agent ? { agent: this.o.agent } : {}),
        });
        this.o.devices.sent(t.id, this.o.now());
        return;
      } catch (err) {
        const status = err instanceof WebPushError ? err.statusCode : null;
        if (status === 404 || status === 410) {
          this.o.devices.forget(t.id);
          this.o.log.info({ device: t.id, service, status }, 'push subscription gone; device removed');
          return;
        }
        const retryable = status === null || status === 429 || status >= 500;
        if (!retryable || attempt === PUSH_ATTEMPTS) {
          this.o.log.warn({ device: t.id, service, status, attempts: attempt, err: status === null ? (err as Error).message : undefined }, 'could not push a notice');
          return;
        }
        await systemClock.sleep(backoffDelayMs(attempt, RETRY_BASE_MS, RETRY_MAX_MS), this.stopping.signal);
      }
    }
  }
}

/**
 * The payload as sent. The picture was sized to fit already (hub/pushImage.ts); should the
 * words have grown past that, it is dropped here rather than the push refused by the service,
 * or split into two records that some push services refuse.
 */
export function bodyWithin(payload: PushPayload, log: Logger): string {
  const body = JSON.stringify(payload);
  if (payload.image === undefined || Buffer.byteLength(body) <= MAX_PUSH_PLAINTEXT_BYTES) return body;
  const { image: _dropped, ...words } = payload;
  log.warn({ kind: payload.kind, bytes: Buffer.byteLength(body) }, 'the push with its picture would not fit one Web Push record; sent without the picture');
  return JSON.stringify(words);
}

function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return '(unparsable)';
  }
}

import { randomBytes } from 'node:crypto';
import type { PairingExchange } from './pairing';

/*
 * OPAQUE exchanges between a camera's first and second pairing request, in memory only: an
 * exchange lives for seconds, and one lost with a restart just makes the camera start again.
 * Each id is used once. The store is bounded, and the attempt was counted when the exchange
 * started, so flooding it gains a guesser nothing. An exchange may outlive its window by up to
 * its own 60 s (docs/cameras.md): the window's expiry stops new exchanges, not started ones.
 */

const MAX_PENDING = 32;

export class PairingExchanges {
  private readonly pending = new Map<string, { exchange: PairingExchange; expiresAt: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 60_000,
  ) {}

  add(exchange: PairingExchange): string {
    const at = this.now();
    for (const [id, p] of this.pending) if (p.expiresAt < at) this.pending.delete(id);
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    const id = randomBytes(18).toString('base64url');
    this.pending.set(id, { exchange, expiresAt: at + this.ttlMs });
    return id;
  }

  /** The exchange with this id, removed: a second finish with the same id finds nothing. */
  take(id: string): PairingExchange | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (!p || p.expiresAt < this.now()) return undefined;
    return p.exchange;
  }
}

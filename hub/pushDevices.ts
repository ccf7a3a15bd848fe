import { randomUUID } from 'node:crypto';
import type { DB } from '../common/database';
import { MAX_PUSH_DEVICES_PER_USER, type PushDevice } from '../common/api/push';

/*
 * Each user's devices registered for Web Push. Every query is scoped by the user: one user
 * never lists, reaches or removes another's device, and the endpoint (a capability URL: whoever
 * holds it with the keys can push to that phone) is never returned, only its origin.
 */

export interface PushTarget {
  id: string;
  userId: number;
  endpoint: string;
  p256dh: string;
  auth: string;
}

export class PushDeviceLimitError extends Error {}

export class PushDevices {
  constructor(private readonly db: DB) {}

  /**
   * Registers a device for `userId`. The same endpoint registered again (the page subscribing
   * again after a reload) takes the new name and keys instead of adding a second row; an
   * endpoint registered by another account moves to this one, as the browser now belongs to it.
   */
  add(userId: number, d: { name: string; endpoint: string; p256dh: string; auth: string }, now: number, sessionHandle: string | null = null): PushDevice {
    return this.db.transaction(() => {
      const existing = this.db.prepare('SELECT id, user_id FROM push_devices WHERE endpoint = ?').get(d.endpoint) as { id: string; user_id: number } | undefined;
      if (existing) {
        this.db.prepare('UPDATE push_devices SET user_id = ?, name = ?, p256dh = ?, auth = ?, session_handle = ? WHERE id = ?').run(userId, d.name, d.p256dh, d.auth, sessionHandle, existing.id);
        return this.get(userId, existing.id)!;
      }
      const count = (this.db.prepare('SELECT COUNT(*) AS n FROM push_devices WHERE user_id = ?').get(userId) as { n: number }).n;
      if (count >= MAX_PUSH_DEVICES_PER_USER) throw new PushDeviceLimitError(`at most ${MAX_PUSH_DEVICES_PER_USER} devices per account: remove one first`);
      const id = randomUUID();
      this.db.prepare('INSERT INTO push_devices (id, user_id, name, endpoint, p256dh, auth, created_at, session_handle) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(id, userId, d.name, d.endpoint, d.p256dh, d.auth, now, sessionHandle);
      return this.get(userId, id)!;
    })();
  }

  list(userId: number): PushDevice[] {
    const rows = this.db.prepare('SELECT id, name, endpoint, created_at, last_sent_at FROM push_devices WHERE user_id = ? ORDER BY created_at, rowid').all(userId) as Row[];
    return rows.map(toDevice);
  }

  get(userId: number, id: string): PushDevice | null {
    const row = this.db.prepare('SELECT id, name, endpoint, created_at, last_sent_at FROM push_devices WHERE user_id = ? AND id = ?').get(userId, id) as Row | undefined;
    return row ? toDevice(row) : null;
  }

  /** Removes one of `userId`'s devices; false when it has none by that id (another user's included). */
  remove(userId: number, id: string): boolean {
    return this.db.prepare('DELETE FROM push_devices WHERE user_id = ? AND id = ?').run(userId, id).changes > 0;
  }

  /** The push service said the subscription is gone (404/410). */
  forget(id: string): void {
    this.db.prepare('DELETE FROM push_devices WHERE id = ?').run(id);
  }

  targets(userId: number): PushTarget[] {
    const rows = this.db.prepare('SELECT id, user_id, endpoint, p256dh, auth FROM push_devices WHERE user_id = ?').all(userId) as Array<{ id: string; user_id: number; endpoint: string; p256dh: string; auth: string }>;
    return rows.map((r) => ({ id: r.id, userId: r.user_id, endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth }));
  }

  sent(id: string, now: number): void {
    this.db.prepare('UPDATE push_devices SET last_sent_at = ? WHERE id = ?').run(now, id);
  }
}

interface Row {
  id: string;
  name: string;
  endpoint: string;
  created_at: number;
  last_sent_at: number | null;
}

function toDevice(r: Row): PushDevice {
  return { id: r.id, name: r.name, service: new URL(r.endpoint).origin, createdAt: r.created_at, lastSentAt: r.last_sent_at };
}

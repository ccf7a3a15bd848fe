import type { DB } from '../common/database';
import { hashToken } from '../common/tokens';

export interface Device {
  id: string;
  name: string;
}

/** The device a bearer token belongs to, or null when unknown or revoked. */
export function deviceForToken(db: DB, token: string, now = Date.now()): Device | null {
  const row = db.prepare('SELECT id, name FROM devices WHERE token_hash = ? AND revoked_at IS NULL').get(hashToken(token)) as
    | Device
    | undefined;
  if (!row) return null;
  db.prepare('UPDATE devices SET last_seen_at = ? WHERE id = ?').run(now, row.id);
  return row;
}

export function listDevices(db: DB): Array<Device & { lastSeenAt: number | null; revoked: boolean }> {
  const rows = db.prepare('SELECT id, name, last_seen_at, revoked_at FROM devices ORDER BY created_at').all() as Array<{
    id: string;
    name: string;
    last_seen_at: number | null;
    revoked_at: number | null;
  }>;
  return rows.map((r) => ({ id: r.id, name: r.name, lastSeenAt: r.last_seen_at, revoked: r.revoked_at !== null }));
}

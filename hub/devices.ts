import type { DeviceSummary } from '../common/api/devices';
import type { DB } from '../common/database';
import { hashToken } from '../common/tokens';

export interface Device {
  id: string;
  name: string;
}

export type { DeviceSummary };

export class DeviceError extends Error {}

export const DEVICE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;
export const DEVICE_NAME_RULE = 'a camera name must be 1–64 letters, digits, spaces or . _ - and start with a letter or digit';

/**
 * What is wrong with a camera name, or null. Names are unique among active cameras so
 * "revoke front door" means one camera; `exceptId` is the camera being renamed or
 * re-provisioned, which may keep its own name.
 */
export function deviceNameProblem(db: DB, name: string, exceptId: string | null): string | null {
  if (!DEVICE_NAME_PATTERN.test(name)) return DEVICE_NAME_RULE;
  const clash = db.prepare('SELECT 1 FROM devices WHERE name = ? COLLATE NOCASE AND revoked_at IS NULL AND id IS NOT ?').get(name, exceptId);
  return clash ? `a camera named "${name}" is already paired: choose another name` : null;
}

/** The device a bearer token belongs to, or null when unknown, revoked or rotated out. */
export function deviceForToken(db: DB, token: string, now = Date.now()): Device | null {
  const row = db.prepare('SELECT id, name FROM devices WHERE token_hash = ? AND revoked_at IS NULL').get(hashToken(token)) as
    | Device
    | undefined;
  if (!row) return null;
  db.prepare('UPDATE devices SET last_seen_at = ? WHERE id = ?').run(now, row.id);
  return row;
}

export function listDevices(db: DB, only: 'all' | readonly string[] = 'all'): DeviceSummary[] {
  const rows = db.prepare('SELECT id, name, created_at, last_seen_at, revoked_at, token_issued_at FROM devices ORDER BY created_at').all() as Array<{
    id: string;
    name: string;
    created_at: number;
    last_seen_at: number | null;
    revoked_at: number | null;
    token_issued_at: number | null;
  }>;
  return rows
    .filter((r) => only === 'all' || only.includes(r.id))
    .map((r) => ({
      id: r.id,
      name: r.name,
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
      revoked: r.revoked_at !== null,
      tokenIssuedAt: r.token_issued_at ?? r.created_at,
    }));
}

export function getDevice(db: DB, id: string): DeviceSummary | undefined {
  return listDevices(db).find((d) => d.id === id);
}

/**
 * A device by id or by (case-insensitive) name, as the CLI takes either. A name shared by
 * several cameras (a revoked one and its replacement) prefers the active one, and refuses
 * to guess between several active ones.
 */
export function findDevice(db: DB, idOrName: string): DeviceSummary | undefined {
  const all = listDevices(db);
  const byId = all.find((d) => d.id === idOrName);
  if (byId) return byId;
  const named = all.filter((d) => d.name.toLowerCase() === idOrName.toLowerCase());
  const active = named.filter((d) => !d.revoked);
  if (active.length > 1) throw new DeviceError(`several cameras are named "${idOrName}": use one of the ids ${active.map((d) => d.id).join(', ')}`);
  return active[0] ?? named[0];
}

export function renameDevice(db: DB, id: string, name: string): void {
  const problem = deviceNameProblem(db, name, id);
  if (problem) throw new DeviceError(problem);
  if (db.prepare('UPDATE devices SET name = ? WHERE id = ?').run(name, id).changes === 0) throw new DeviceError('no such camera');
}

/**
 * Revokes a device's token: every later request with it is refused. The device and its
 * clips stay; re-provisioning gives it a new token through a pairing code.
 */
export function revokeDevice(db: DB, id: string, now = Date.now()): { alreadyRevoked: boolean } {
  if (db.prepare('UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0) return { alreadyRevoked: false };
  if (!getDevice(db, id)) throw new DeviceError('no such camera');
  return { alreadyRevoked: true };
}

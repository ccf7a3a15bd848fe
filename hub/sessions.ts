import type { DB } from '../common/database';
import { hashToken, newToken } from '../common/tokens';

export const SESSION_COOKIE = 'porchlight_session';
/** A session ends after this long whatever its activity. */
export const SESSION_ABSOLUTE_MS = 30 * 24 * 3600 * 1000;

export interface Session {
  userId: number;
  idHash: string;
}

export function createSession(db: DB, userId: number, meta: { ip?: string; userAgent?: string }, now = Date.now()): string {
  const id = newToken(32);
  db.prepare(
    'INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, user_agent, ip) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(hashToken(id), userId, now, now, now + SESSION_ABSOLUTE_MS, meta.userAgent?.slice(0, 256) ?? null, meta.ip ?? null);
  return id;
}

/** Looks a session up by its cookie value; expired (idle or absolute) sessions are deleted and refused. */
export function touchSession(db: DB, id: string, idleMs: number, now = Date.now()): Session | null {
  const idHash = hashToken(id);
  const row = db.prepare('SELECT user_id, last_seen_at, expires_at FROM sessions WHERE id_hash = ?').get(idHash) as
    | { user_id: number; last_seen_at: number; expires_at: number }
    | undefined;
  if (!row) return null;
  if (now > row.expires_at || now - row.last_seen_at > idleMs) {
    db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
    return null;
  }
  db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?').run(now, idHash);
  return { userId: row.user_id, idHash };
}

export function deleteSession(db: DB, id: string): void {
  db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(hashToken(id));
}

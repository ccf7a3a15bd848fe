import type { SessionInfo } from '../common/api/account';
import type { DB } from '../common/database';
import { hashToken, newToken } from '../common/tokens';

/*
 * Every cookie name has the `__Host-` prefix: a browser accepts such a cookie only when it is
 * Secure, has Path=/ and no Domain, set by this very host. A sibling host or a page on plain
 * HTTP can then never plant or overwrite one (session fixation, a planted browser id).
 * The names before this prefix (porchlight_session, porchlight_browser) are read by nothing:
 * sessions from before simply ended and their users sign in again.
 */
export const SESSION_COOKIE = '__Host-porchlight_session';
/** A session ends after this long whatever its activity. */
export const SESSION_ABSOLUTE_MS = 30 * 24 * 3600 * 1000;
/** Attributes of every cookie the hub sets or clears: never readable by scripts, never sent cross-site or in plain HTTP; no Domain (as `__Host-` requires). */
export const COOKIE_ATTRIBUTES = { path: '/', httpOnly: true, secure: true, sameSite: 'strict' } as const;

/*
 * The cookie carries a random id; the database keeps only its hash, so a copied
 * database cannot be replayed as a cookie. Each session also has a public handle, used
 * by "sign out this session" without ever exposing another session's cookie value.
 */

export interface Session {
  userId: number;
  idHash: string;
  handle: string;
  /** When it ends whatever its activity (SESSION_ABSOLUTE_MS after sign-in). */
  expiresAt: number;
}

export type { SessionInfo };

export function createSession(
  db: DB,
  userId: number,
  meta: { ip?: string; userAgent?: string },
  now = Date.now(),
): string {
  const id = newToken(32);
  db.prepare(
    `INSERT INTO sessions (id_hash, handle, user_id, created_at, last_seen_at, expires_at, user_agent, ip)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(hashToken(id), newToken(12), userId, now, now, now + SESSION_ABSOLUTE_MS, meta.userAgent?.slice(0, 256) ?? null, meta.ip ?? null);
  return id;
}

/** Looks a session up by its cookie value; expired (idle or absolute) sessions are deleted and refused. */
export function touchSession(db: DB, id: string, idleMs: number, now = Date.now()): Session | null {
  const idHash = hashToken(id);
  const row = db.prepare('SELECT user_id, handle, last_seen_at, expires_at FROM sessions WHERE id_hash = ?').get(idHash) as
    | { user_id: number; handle: string; last_seen_at: number; expires_at: number }
    | undefined;
  if (!row) return null;
  if (now > row.expires_at || now - row.last_seen_at > idleMs) {
    db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
    return null;
  }
  db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?').run(now, idHash);
  return { userId: row.user_id, idHash, handle: row.handle, expiresAt: row.expires_at };
}

/*
 * Ending a session on purpose ends the phone notifications it set up: push devices are
 * registered from a session (push_devices.session_handle), and someone who signs a session out,
 * or signs out everywhere, or whose password is changed or reset, expects no more notices to
 * reach a browser that held it — a stolen session must not leave a subscription behind. A
 * session that merely expires keeps its devices: a phone that has not opened the page for a
 * while must still be told of a person at the door.
 */

export function deleteSession(db: DB, id: string): void {
  db.transaction(() => {
    const row = db.prepare('SELECT user_id, handle FROM sessions WHERE id_hash = ?').get(hashToken(id)) as { user_id: number; handle: string } | undefined;
    if (!row) return;
    db.prepare('DELETE FROM push_devices WHERE user_id = ? AND session_handle = ?').run(row.user_id, row.handle);
    db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(hashToken(id));
  })();
}

export function listSessions(db: DB, userId: number, currentHandle: string | undefined, now = Date.now()): SessionInfo[] {
  const rows = db
    .prepare('SELECT handle, created_at, last_seen_at, expires_at, user_agent, ip FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC')
    .all(userId, now) as Array<{ handle: string; created_at: number; last_seen_at: number; expires_at: number; user_agent: string | null; ip: string | null }>;
  return rows.map((r) => ({
    handle: r.handle,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    userAgent: r.user_agent,
    ip: r.ip,
    current: r.handle === currentHandle,
  }));
}

/** Signs out one of the user's own sessions; false when the handle is not theirs. */
export function deleteSessionByHandle(db: DB, userId: number, handle: string): boolean {
  return db.transaction(() => {
    db.prepare('DELETE FROM push_devices WHERE user_id = ? AND session_handle = ?').run(userId, handle);
    return db.prepare('DELETE FROM sessions WHERE user_id = ? AND handle = ?').run(userId, handle).changes > 0;
  })();
}

/** "Sign out everywhere": every session of the user, the current one included. */
export function deleteUserSessions(db: DB, userId: number): number {
  return db.transaction(() => {
    db.prepare('DELETE FROM push_devices WHERE user_id = ?').run(userId);
    return db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId).changes;
  })();
}

/** After a password change: every other session of the user ends, this one stays. */
export function deleteOtherSessions(db: DB, userId: number, keepHandle: string): number {
  return db.transaction(() => {
    db.prepare('DELETE FROM push_devices WHERE user_id = ? AND session_handle IS NOT ?').run(userId, keepHandle);
    return db.prepare('DELETE FROM sessions WHERE user_id = ? AND handle != ?').run(userId, keepHandle).changes;
  })();
}

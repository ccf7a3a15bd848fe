import type { DB } from '../common/database';
import { hashToken, newToken } from '../common/tokens';

/*
 * A long-lived, random "browser" cookie, remembered per account after a full sign-in.
 * It tells a new device apart (the account holder gets a notice) and exempts browsers
 * that signed in before from the per-account throttle, so guessing from many addresses
 * cannot lock the household out. Only its hash is stored.
 */

export const BROWSER_COOKIE = 'porchlight_browser';
export const BROWSER_COOKIE_MAX_AGE_S = 400 * 24 * 3600;

export function newBrowserId(): string {
  return newToken(24);
}

export function isKnownBrowser(db: DB, userId: number, browserId: string | undefined): boolean {
  if (!browserId) return false;
  return db.prepare('SELECT 1 FROM known_browsers WHERE user_id = ? AND browser_hash = ?').get(userId, hashToken(browserId)) !== undefined;
}

/** Whether the account has signed in from any browser before (its very first sign-in raises no new-device notice). */
export function hasKnownBrowsers(db: DB, userId: number): boolean {
  return db.prepare('SELECT 1 FROM known_browsers WHERE user_id = ?').get(userId) !== undefined;
}

/** Records a successful sign-in from this browser; true when the account had never seen it. */
export function rememberBrowser(db: DB, userId: number, browserId: string, userAgent: string | undefined, now = Date.now()): boolean {
  const hash = hashToken(browserId);
  const inserted = db
    .prepare('INSERT INTO known_browsers (user_id, browser_hash, first_seen_at, last_seen_at, user_agent) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
    .run(userId, hash, now, now, userAgent?.slice(0, 256) ?? null).changes === 1;
  if (!inserted) db.prepare('UPDATE known_browsers SET last_seen_at = ? WHERE user_id = ? AND browser_hash = ?').run(now, userId, hash);
  return inserted;
}

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

/** Records a successful sign-in from this browser; true when the account had never seen it. */
export function rememberBrowser(db: DB, userId: number, browserId: string, userAgent: string | undefined, now = Date.now()): boolean {
  const info = db
    .prepare(
      `INSERT INTO known_browsers (user_id, browser_hash, first_seen_at, last_seen_at, user_agent) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id, browser_hash) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
    )
    .run(userId, hashToken(browserId), now, now, userAgent?.slice(0, 256) ?? null);
  // An upsert that updated reports changes too; a new row is told apart by comparing first_seen_at.
  const row = db.prepare('SELECT first_seen_at FROM known_browsers WHERE user_id = ? AND browser_hash = ?').get(userId, hashToken(browserId)) as {
    first_seen_at: number;
  };
  return info.changes > 0 && row.first_seen_at === now;
}

import type { DB } from '../common/database';
import { hashToken, newToken } from '../common/tokens';
import type { HubSecret } from './hubSecret';

/*
 * A long-lived "browser" cookie, remembered per account after a full sign-in. It tells a new
 * device apart (the account holder gets a notice) and exempts browsers that signed in before
 * from the per-account throttle, so guessing from many addresses cannot lock the household out.
 *
 * Only the hub issues it: a random id and the hub's MAC of it (`HubSecret`), handed out only by
 * a successful sign-in. A value the hub did not sign counts for nothing: never "known", never
 * remembered. Each sign-in replaces the browser's id by a fresh one, and the accounts that knew
 * the old id now know the new one. So a value an attacker planted in the household's browser
 * (made up, or their own hub-issued id) is gone from that browser the moment someone signs in
 * there, and its copy in the attacker's hands is known to no account. The database keeps only
 * the hash of each id, so a copied hub.db yields no cookie; the MAC needs the key file as well.
 */

export const BROWSER_COOKIE = '__Host-porchlight_browser';
export const BROWSER_COOKIE_MAX_AGE_S = 400 * 24 * 3600;

const MAC_PURPOSE = 'browser-id';
const SIGNED_ID = /^([A-Za-z0-9_-]{32})\.([A-Za-z0-9_-]{43})$/;

function issueBrowserId(secret: HubSecret): string {
  const id = newToken(24);
  return `${id}.${secret.mac(MAC_PURPOSE, id)}`;
}

/** The cookie's value when the hub signed it; undefined for a made-up, altered or malformed one. */
export function signedBrowserId(secret: HubSecret, value: string | undefined): string | undefined {
  const m = value === undefined ? null : SIGNED_ID.exec(value);
  return m && secret.checkMac(MAC_PURPOSE, m[1]!, m[2]!) ? value : undefined;
}

export function isKnownBrowser(db: DB, secret: HubSecret, userId: number, cookie: string | undefined): boolean {
  const browserId = signedBrowserId(secret, cookie);
  if (!browserId) return false;
  return db.prepare('SELECT 1 FROM known_browsers WHERE user_id = ? AND browser_hash = ?').get(userId, hashToken(browserId)) !== undefined;
}

/**
 * At a successful sign-in: a fresh browser id for the cookie. When the browser sent one the hub
 * signed, every account that knew it knows the new one instead (and no longer the old).
 */
export function renewBrowserId(db: DB, secret: HubSecret, cookie: string | undefined): string {
  const next = issueBrowserId(secret);
  const previous = signedBrowserId(secret, cookie);
  if (previous) db.prepare('UPDATE known_browsers SET browser_hash = ? WHERE browser_hash = ?').run(hashToken(next), hashToken(previous));
  return next;
}

/** Records a successful sign-in from this browser (an id from `renewBrowserId`); true when the account had never seen it. */
export function rememberBrowser(db: DB, userId: number, browserId: string, userAgent: string | undefined, now = Date.now()): boolean {
  const hash = hashToken(browserId);
  const inserted = db
    .prepare('INSERT INTO known_browsers (user_id, browser_hash, first_seen_at, last_seen_at, user_agent) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
    .run(userId, hash, now, now, userAgent?.slice(0, 256) ?? null).changes === 1;
  if (!inserted) db.prepare('UPDATE known_browsers SET last_seen_at = ? WHERE user_id = ? AND browser_hash = ?').run(now, userId, hash);
  return inserted;
}

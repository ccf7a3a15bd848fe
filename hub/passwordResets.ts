import { randomBytes } from 'node:crypto';
import type { DB } from '../common/database';
import { hashToken } from '../common/tokens';
import { VERIFY_CODE_ALPHABET } from './emailCodes';
import { findUser, getUser, type User } from './users';

/*
 * Password reset codes, mailed to an account's verified address. 10 characters from a
 * 32-letter alphabet (50 bits), valid 30 minutes, single use, stored only as a hash bound to
 * the account (a code made for one account proves nothing for another). At most 3 are made
 * per account per hour, so a stranger typing a name cannot flood its mailbox; each new code
 * replaces the account's earlier unused one.
 */

export const RESET_CODE_LENGTH = 10;
export const RESET_CODE_TTL_MS = 30 * 60_000;
export const RESET_CODES_PER_HOUR = 3;

function resetHash(userId: number, code: string): string {
  return hashToken(`reset:${userId}:${code}`);
}

/** What a person may type: any case, spaces and dashes ignored. */
function clean(code: string): string {
  return code.replace(/[\s-]+/g, '').toUpperCase();
}

/** The account a user name or (case-insensitive) email address names, if any. */
export function accountNamed(db: DB, name: string): User | undefined {
  const trimmed = name.trim();
  const byName = findUser(db, trimmed);
  if (byName) return byName;
  const row = db.prepare('SELECT id FROM users WHERE email = ? COLLATE NOCASE').get(trimmed) as { id: number } | undefined;
  return row ? getUser(db, row.id) : undefined;
}

/** Makes a reset code for `userId`, or null when three were made within the hour. */
export function newResetCode(db: DB, userId: number, now: number): string | null {
  return db.transaction(() => {
    const recent = (db.prepare('SELECT COUNT(*) AS n FROM password_resets WHERE user_id = ? AND created_at > ?').get(userId, now - 3600_000) as { n: number }).n;
    if (recent >= RESET_CODES_PER_HOUR) return null;
    db.prepare('UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL').run(now, userId);
    let code = '';
    for (const b of randomBytes(RESET_CODE_LENGTH)) code += VERIFY_CODE_ALPHABET[b & 31];
    db.prepare('INSERT INTO password_resets (user_id, code_hash, created_at, expires_at) VALUES (?, ?, ?, ?)').run(userId, resetHash(userId, code), now, now + RESET_CODE_TTL_MS);
    return code;
  }).immediate();
}

/** The id of `userId`'s unused, unexpired code `code`, without spending it. */
export function findResetCode(db: DB, userId: number, code: string, now: number): number | undefined {
  const row = db
    .prepare('SELECT id FROM password_resets WHERE code_hash = ? AND user_id = ? AND used_at IS NULL AND expires_at > ?')
    .get(resetHash(userId, clean(code)), userId, now) as { id: number } | undefined;
  return row?.id;
}

/** Spends a code found by `findResetCode`; false if another request spent it first. */
export function spendResetCode(db: DB, id: number, now: number): boolean {
  return db.prepare('UPDATE password_resets SET used_at = ? WHERE id = ? AND used_at IS NULL').run(now, id).changes === 1;
}

/** After a reset by any path: codes still pending for the account stop working. */
export function voidResetCodes(db: DB, userId: number, now: number): void {
  db.prepare('UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL').run(now, userId);
}

import type { PendingCode } from '../common/api/users';
import { randomBytes } from 'node:crypto';
import type { DB } from '../common/database';
import { hashToken, newToken } from '../common/tokens';
import type { HubSecret } from './hubSecret';
import type { Mailer } from '../common/mailer';
import { ROLES, type Role } from './users';

/*
 * Email codes: verifying a user's address and inviting a new user by email.
 *
 * A code is stored twice, never in plain: as a SHA-256 hash (to look it up) and sealed
 * with the hub secret, so that on a hub without mail (LAN only) the owner can still read
 * pending codes in the hub and pass them on. Every code is single use and expires.
 */

export class EmailCodeError extends Error {
  override name = 'EmailCodeError';
}

export type EmailCodePurpose = 'verify' | 'invite';

export const VERIFY_CODE_LENGTH = 8;
/** 32 letters and digits without the look-alikes 0/O, 1/I/l; 32 keeps the draw unbiased. */
export const VERIFY_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const VERIFY_CODE_TTL_MS = 24 * 3600 * 1000;
export const INVITE_CODE_TTL_MS = 7 * 24 * 3600 * 1000;
export const MAX_EMAIL_LENGTH = 254;

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Returns the trimmed address, or throws an EmailCodeError saying what is wrong with it. */
export function normalizeEmail(email: string): string {
  const value = email.trim();
  if (value.length > MAX_EMAIL_LENGTH) throw new EmailCodeError(`the email address must have at most ${MAX_EMAIL_LENGTH} characters`);
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (at < 1 || local.length > 64 || !LOCAL_PART.test(local) || !DOMAIN.test(domain)) {
    throw new EmailCodeError(`"${value}" is not a valid email address`);
  }
  return value;
}

function hubLink(hubUrl: string): URL {
  let url: URL;
  try {
    url = new URL(hubUrl);
  } catch {
    throw new EmailCodeError(`"${hubUrl}" is not a valid hub address`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EmailCodeError(`"${hubUrl}" is not an http(s) address`);
  url.hash = '';
  return url;
}

function newVerifyCode(): string {
  const bytes = randomBytes(VERIFY_CODE_LENGTH);
  let code = '';
  for (const b of bytes) code += VERIFY_CODE_ALPHABET[b & 31];
  return code;
}

/** Verification codes are short, so their hash is bound to the user they were made for. */
function verifyCodeHash(userId: number, code: string): string {
  return hashToken(`verify:${userId}:${code}`);
}

function inviteCodeHash(code: string): string {
  return hashToken(`invite:${code}`);
}

/** What a person may type for a verification code: any case, spaces and dashes ignored. */
function cleanVerifyCode(code: string): string {
  return code.replace(/[\s-]+/g, '').toUpperCase();
}

function emailOwner(db: DB, email: string): number | undefined {
  const row = db.prepare('SELECT id FROM users WHERE email = ? COLLATE NOCASE').get(email) as { id: number } | undefined;
  return row?.id;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

async function trySend(db: DB, mailer: Mailer, id: number, msg: { to: string; subject: string; text: string }, now: number): Promise<boolean> {
  if (!mailer.configured) return false;
  try {
    await mailer.send(msg);
  } catch {
    // The mailer logged why; the code stays pending and the owner can read it in the hub.
    return false;
  }
  db.prepare('UPDATE email_codes SET sent_at = ? WHERE id = ?').run(now, id);
  return true;
}

function duration(ms: number): string {
  const hour = 3600 * 1000;
  return ms >= 48 * hour ? `${Math.round(ms / (24 * hour))} days` : `${Math.round(ms / hour)} hours`;
}

/**
 * Sets `email` as the user's (unverified) address and makes a verification code valid
 * 24 h, replacing any earlier pending one. The code is mailed when mail is configured;
 * `sent: false` means it was not (no mail, or the mail server failed) and the owner can
 * read it among the pending codes.
 */
export async function startEmailVerification(
  db: DB,
  secret: HubSecret,
  mailer: Mailer,
  request: { userId: number; email: string; hubUrl: string },
  now = Date.now(),
): Promise<{ sent: boolean }> {
  const email = normalizeEmail(request.email);
  const link = hubLink(request.hubUrl);
  const { id, username, code } = db.transaction(() => {
    const user = db.prepare('SELECT id, username, email, email_verified_at FROM users WHERE id = ?').get(request.userId) as
      | { id: number; username: string; email: string | null; email_verified_at: number | null }
      | undefined;
    if (!user) throw new EmailCodeError('there is no such user');
    if (user.email?.toLowerCase() === email.toLowerCase() && user.email_verified_at !== null) {
      throw new EmailCodeError('this email address is already verified');
    }
    const owner = emailOwner(db, email);
    if (owner !== undefined && owner !== user.id) throw new EmailCodeError('another user already has this email address');
    const invited = db
      .prepare(`SELECT 1 FROM email_codes WHERE purpose = 'invite' AND used_at IS NULL AND expires_at > ? AND email = ? COLLATE NOCASE`)
      .get(now, email);
    if (invited) throw new EmailCodeError('an invitation to this email address is waiting to be accepted');
    try {
      db.prepare('UPDATE users SET email = ?, email_verified_at = NULL WHERE id = ?').run(email, user.id);
    } catch (err) {
      if (isUniqueViolation(err)) throw new EmailCodeError('another user already has this email address');
      throw err;
    }
    db.prepare(`DELETE FROM email_codes WHERE purpose = 'verify' AND user_id = ? AND used_at IS NULL`).run(user.id);
    // Earlier used codes keep their hashes; a repeat of one of them (2^-40) is simply drawn again.
    let current = newVerifyCode();
    while (db.prepare('SELECT 1 FROM email_codes WHERE code_hash = ?').get(verifyCodeHash(user.id, current))) current = newVerifyCode();
    const info = db
      .prepare(
        `INSERT INTO email_codes (purpose, user_id, email, code_hash, code_sealed, created_by, created_at, expires_at)
         VALUES ('verify', ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(user.id, email, verifyCodeHash(user.id, current), secret.seal(current), user.id, now, now + VERIFY_CODE_TTL_MS);
    return { id: Number(info.lastInsertRowid), username: user.username, code: current };
  }).immediate();
  const sent = await trySend(
    db,
    mailer,
    id,
    {
      to: email,
      subject: 'Confirm your email address for Porchlight',
      text: [
        `Hello ${username},`,
        '',
        `To confirm this email address for your Porchlight account "${username}", enter this code in the hub at ${link.toString()}:`,
        '',
        `    ${code}`,
        '',
        `The code is valid for ${duration(VERIFY_CODE_TTL_MS)}. If you did not ask for it, you can ignore this mail.`,
        '',
      ].join('\n'),
    },
    now,
  );
  return { sent };
}

interface CodeRow {
  id: number;
  purpose: EmailCodePurpose;
  user_id: number | null;
  email: string;
  role: Role | null;
  grants: string | null;
  code_sealed: string;
  expires_at: number;
  sent_at: number | null;
  used_at: number | null;
}

function usable(row: CodeRow | undefined, now: number, what: string): CodeRow {
  if (!row) throw new EmailCodeError(`this ${what} code is not correct`);
  if (row.used_at !== null) throw new EmailCodeError(`this ${what} code was already used`);
  if (row.expires_at <= now) throw new EmailCodeError(`this ${what} code has expired; ask for a new one`);
  return row;
}

/** Marks the user's address verified if `code` is their pending verification code; single use. */
export function confirmEmail(db: DB, userId: number, code: string, now = Date.now()): { email: string } {
  const hash = verifyCodeHash(userId, cleanVerifyCode(code));
  return db.transaction(() => {
    const row = usable(
      db.prepare(`SELECT * FROM email_codes WHERE code_hash = ? AND purpose = 'verify' AND user_id = ?`).get(hash, userId) as CodeRow | undefined,
      now,
      'verification',
    );
    const user = db.prepare('SELECT email FROM users WHERE id = ?').get(userId) as { email: string | null } | undefined;
    if (!user || user.email?.toLowerCase() !== row.email.toLowerCase()) {
      throw new EmailCodeError('this verification code was made for another email address');
    }
    if (db.prepare('UPDATE email_codes SET used_at = ? WHERE id = ? AND used_at IS NULL').run(now, row.id).changes !== 1) {
      throw new EmailCodeError('this verification code was already used');
    }
    db.prepare('UPDATE users SET email_verified_at = ? WHERE id = ?').run(now, userId);
    return { email: row.email };
  }).immediate();
}

export interface Invitation {
  email: string;
  role: Role;
  /** Device ids of the cameras the new user may see. */
  grants: string[];
}

/**
 * Invites `email` to the hub with `role` and camera `grants`: a code of 24 random bytes
 * (base64url), valid 7 days, single use, mailed as `${hubUrl}#invite=${code}` when mail
 * is configured. An earlier pending invitation to the same address is replaced.
 */
export async function createInvitation(
  db: DB,
  secret: HubSecret,
  mailer: Mailer,
  request: { email: string; role: Role; grants: string[]; createdBy: number; hubUrl: string },
  now = Date.now(),
): Promise<{ id: number; code: string; sent: boolean; expiresAt: number }> {
  const email = normalizeEmail(request.email);
  const link = hubLink(request.hubUrl);
  if (!ROLES.includes(request.role)) throw new EmailCodeError(`unknown role "${request.role}" (one of ${ROLES.join(', ')})`);
  const grants = [...new Set(request.grants)];
  const code = newToken(24);
  const expiresAt = now + INVITE_CODE_TTL_MS;
  const { id, inviter } = db.transaction(() => {
    const creator = db.prepare('SELECT username FROM users WHERE id = ?').get(request.createdBy) as { username: string } | undefined;
    if (!creator) throw new EmailCodeError('the inviting user does not exist');
    if (emailOwner(db, email) !== undefined) throw new EmailCodeError('a user with this email address already exists');
    for (const device of grants) {
      if (!db.prepare('SELECT 1 FROM devices WHERE id = ? AND revoked_at IS NULL').get(device)) {
        throw new EmailCodeError(`there is no camera with id "${device}"`);
      }
    }
    db.prepare(`DELETE FROM email_codes WHERE purpose = 'invite' AND used_at IS NULL AND email = ? COLLATE NOCASE`).run(email);
    const info = db
      .prepare(
        `INSERT INTO email_codes (purpose, user_id, email, role, grants, code_hash, code_sealed, created_by, created_at, expires_at)
         VALUES ('invite', NULL, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(email, request.role, JSON.stringify(grants), inviteCodeHash(code), secret.seal(code), request.createdBy, now, expiresAt);
    return { id: Number(info.lastInsertRowid), inviter: creator.username };
  }).immediate();
  const sent = await trySend(
    db,
    mailer,
    id,
    {
      to: email,
      subject: 'You are invited to a Porchlight camera hub',
      text: [
        'Hello,',
        '',
        `${inviter} invited you to the Porchlight camera hub at ${link.toString()} (role: ${request.role}).`,
        '',
        'To accept, open this link and choose a user name and a password:',
        '',
        `${link.toString()}#invite=${code}`,
        '',
        `The invitation works once and is valid for ${duration(INVITE_CODE_TTL_MS)}. If you did not expect it, you can ignore this mail.`,
        '',
      ].join('\n'),
    },
    now,
  );
  return { id, code, sent, expiresAt };
}

function inviteRow(db: DB, code: string, now: number): CodeRow {
  const clean = code.trim().replace(/^.*#invite=/, '');
  return usable(
    db.prepare(`SELECT * FROM email_codes WHERE code_hash = ? AND purpose = 'invite'`).get(inviteCodeHash(clean)) as CodeRow | undefined,
    now,
    'invitation',
  );
}

function refuseTakenAddress(db: DB, row: CodeRow): void {
  if (emailOwner(db, row.email) !== undefined) throw new EmailCodeError('a user with this email address already exists');
}

function toInvitation(row: CodeRow): Invitation {
  return { email: row.email, role: row.role as Role, grants: JSON.parse(row.grants ?? '[]') as string[] };
}

/**
 * What an invitation code offers, without using it (for the sign-up page). Throws an
 * EmailCodeError if the code is wrong, used or expired, or a user already has its address.
 */
export function inspectInvitation(db: DB, code: string, now = Date.now()): Invitation & { id: number; expiresAt: number } {
  const row = inviteRow(db, code, now);
  refuseTakenAddress(db, row);
  return { ...toInvitation(row), id: row.id, expiresAt: row.expires_at };
}

/**
 * Uses an invitation code (single use, atomic) and returns what it grants; the account
 * gets this email address already verified. Check first with `inspectInvitation`, then
 * redeem in the same transaction that stores the account. The address is not checked
 * against existing users here: the unique index on users.email refuses a second account.
 */
export function redeemInvitation(db: DB, code: string, now = Date.now()): Invitation {
  return db.transaction(() => {
    const row = inviteRow(db, code, now);
    if (db.prepare('UPDATE email_codes SET used_at = ? WHERE id = ? AND used_at IS NULL').run(now, row.id).changes !== 1) {
      throw new EmailCodeError('this invitation code was already used');
    }
    return toInvitation(row);
  }).immediate();
}

export type { PendingCode };

/** Unused, unexpired codes, oldest first, for the owner's page (also when no mail is configured). */
export function pendingCodes(db: DB, secret: HubSecret, now = Date.now()): PendingCode[] {
  const rows = db
    .prepare('SELECT * FROM email_codes WHERE used_at IS NULL AND expires_at > ? ORDER BY created_at, id')
    .all(now) as CodeRow[];
  return rows.map((row) => {
    let code: string | null;
    try {
      code = secret.open(row.code_sealed);
    } catch {
      code = null;
    }
    return {
      id: row.id,
      purpose: row.purpose,
      email: row.email,
      userId: row.user_id,
      role: row.role,
      code,
      expiresAt: row.expires_at,
      sent: row.sent_at !== null,
    };
  });
}

/** Withdraws a pending code; returns false if there was no pending code with this id. */
export function revokeCode(db: DB, id: number): boolean {
  return db.prepare('DELETE FROM email_codes WHERE id = ? AND used_at IS NULL').run(id).changes === 1;
}

import type { TotpEnrollment } from '../common/api/account';
import { createHash, randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import type { DB } from '../common/database';
import type { HubSecret } from './hubSecret';

/*
 * TOTP second factor (RFC 6238: SHA-1, 6 digits, 30-s steps, what every authenticator
 * app expects). The seed is kept only sealed with the hub secret, so a copied hub.db
 * yields no seeds. Enrollment is two-phase: the seed is stored pending
 * (totp_enabled_at NULL) until the user proves their app produces the right codes,
 * so a half-finished setup never locks anyone out.
 */

export const ISSUER = 'Porchlight';
export const RECOVERY_CODE_COUNT = 10;

const PERIOD_SECONDS = 30;
/** One step either side: phones whose clocks drift a little still work. */
const DRIFT_STEPS = 1;
/** otplib v13 takes its tolerance in seconds, not steps. */
const EPOCH_TOLERANCE_SECONDS = DRIFT_STEPS * PERIOD_SECONDS;

const RECOVERY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const RECOVERY_CODE_LENGTH = 10;

export class TotpError extends Error {
  override name = 'TotpError';
}

export type { TotpEnrollment };

interface TotpRow {
  totp_secret_sealed: string | null;
  totp_enabled_at: number | null;
  totp_last_step: number | null;
}

function totpRow(db: DB, userId: number): TotpRow | undefined {
  return db.prepare('SELECT totp_secret_sealed, totp_enabled_at, totp_last_step FROM users WHERE id = ?').get(userId) as
    | TotpRow
    | undefined;
}

function openSeed(secret: HubSecret, sealed: string): string {
  try {
    return secret.open(sealed);
  } catch {
    // Deliberately not chaining the cause: nothing about the sealed value belongs in logs.
    throw new Error("a stored two-factor secret cannot be opened with this hub's secret key (was the key file replaced?)");
  }
}

/** Digits only; apps often show the code as "123 456", so inner spaces are forgiven. */
function normaliseTotpCode(code: string): string | undefined {
  const digits = code.replace(/\s+/g, '');
  return /^\d{6}$/.test(digits) ? digits : undefined;
}

/**
 * Returns the time step `code` belongs to, or undefined. Steps at or below `afterStep`
 * are never matched, so a code already used (or older than one used) cannot be replayed.
 */
async function matchStep(seed: string, code: string, afterStep: number | null, now: number): Promise<number | undefined> {
  const token = normaliseTotpCode(code);
  // otplib throws on malformed tokens; a typo is a wrong code, not an error.
  if (token === undefined) return undefined;
  const epoch = Math.floor(now / 1000);
  const newestStep = Math.floor(epoch / PERIOD_SECONDS) + DRIFT_STEPS;
  // otplib throws when afterTimeStep lies beyond the window (e.g. the hub clock went
  // back); nothing can be accepted then anyway.
  if (afterStep !== null && afterStep >= newestStep) return undefined;
  const result = await verify({
    secret: seed,
    token,
    epoch,
    period: PERIOD_SECONDS,
    epochTolerance: EPOCH_TOLERANCE_SECONDS,
    ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
  });
  // The functional API's result type also covers HOTP, whose results carry no timeStep.
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}

export async function beginTotpEnrollment(
  db: DB,
  secret: HubSecret,
  user: { id: number; username: string },
  now = Date.now(),
): Promise<TotpEnrollment> {
  void now; // kept for a uniform signature: starting enrollment has no time-dependent state
  const row = totpRow(db, user.id);
  if (!row) throw new TotpError('this user no longer exists');
  if (row.totp_enabled_at !== null) {
    throw new TotpError('two-factor authentication is already on: turn it off first to set up a new authenticator app');
  }
  const seed = generateSecret(); // 20 bytes, the RFC 4226 recommendation for SHA-1
  const otpauthUri = generateURI({ issuer: ISSUER, label: user.username, secret: seed, period: PERIOD_SECONDS, digits: 6 });
  const svg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  // Conditional on "not enabled" so a concurrent confirmation is never overwritten
  // by a new pending seed (which would silently switch the user's working seed).
  const info = db
    .prepare(
      'UPDATE users SET totp_secret_sealed = ?, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = ? AND totp_enabled_at IS NULL',
    )
    .run(secret.seal(seed), user.id);
  if (info.changes !== 1) {
    throw new TotpError('two-factor authentication is already on: turn it off first to set up a new authenticator app');
  }
  return {
    secret: seed,
    otpauthUri,
    qrSvgDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`,
  };
}

export async function confirmTotpEnrollment(
  db: DB,
  secret: HubSecret,
  userId: number,
  code: string,
  now = Date.now(),
): Promise<{ recoveryCodes: string[] }> {
  const row = totpRow(db, userId);
  if (!row) throw new TotpError('this user no longer exists');
  if (row.totp_enabled_at !== null) throw new TotpError('two-factor authentication is already on');
  const sealed = row.totp_secret_sealed;
  if (sealed === null) throw new TotpError('start setting up two-factor authentication first');
  const step = await matchStep(openSeed(secret, sealed), code, null, now);
  if (step === undefined) {
    throw new TotpError('that code is not right: check that the time on your phone is correct and enter the newest code');
  }
  return db.transaction(() => {
    // Matching on the sealed value catches a restarted enrollment that replaced the
    // seed while this code was being checked: the code proves the old seed, not the new.
    const info = db
      .prepare(
        'UPDATE users SET totp_enabled_at = ?, totp_last_step = ? WHERE id = ? AND totp_enabled_at IS NULL AND totp_secret_sealed = ?',
      )
      .run(now, step, userId, sealed);
    if (info.changes !== 1) {
      throw new TotpError('two-factor setup changed while this code was checked: start again');
    }
    return { recoveryCodes: issueRecoveryCodes(db, userId) };
  })();
}

export async function verifyTotp(db: DB, secret: HubSecret, userId: number, code: string, now = Date.now()): Promise<boolean> {
  const row = totpRow(db, userId);
  if (!row || row.totp_enabled_at === null || row.totp_secret_sealed === null) return false;
  const step = await matchStep(openSeed(secret, row.totp_secret_sealed), code, row.totp_last_step, now);
  if (step === undefined) return false;
  // The check above ran on a snapshot and awaited; only this single conditional write
  // decides, so two requests racing with the same code cannot both succeed.
  const info = db
    .prepare(
      `UPDATE users SET totp_last_step = ?
       WHERE id = ? AND totp_enabled_at IS NOT NULL AND totp_secret_sealed = ?
         AND (totp_last_step IS NULL OR totp_last_step < ?)`,
    )
    .run(step, userId, row.totp_secret_sealed, step);
  return info.changes === 1;
}

export function totpEnabled(db: DB, userId: number): boolean {
  const row = totpRow(db, userId);
  return row !== undefined && row.totp_enabled_at !== null;
}

export function disableTotp(db: DB, userId: number): void {
  db.transaction(() => {
    db.prepare('UPDATE users SET totp_secret_sealed = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = ?').run(userId);
    db.prepare('DELETE FROM recovery_codes WHERE user_id = ?').run(userId);
  })();
}

/* Recovery codes: the way back in when the phone is lost. */

/** Case, dashes and spaces are presentation; what remains must look like a code. */
function normaliseRecoveryCode(code: string): string | undefined {
  const plain = code.replace(/[\s-]+/g, '').toLowerCase();
  if (plain.length !== RECOVERY_CODE_LENGTH) return undefined;
  for (const c of plain) if (!RECOVERY_ALPHABET.includes(c)) return undefined;
  return plain;
}

/** Salted with the user id so equal codes of two users do not share a hash. */
function recoveryCodeHash(userId: number, normalised: string): string {
  return createHash('sha256').update(`${userId}:${normalised}`, 'utf8').digest('hex');
}

function newRecoveryCode(): string {
  let s = '';
  // randomInt is unbiased; 10 of 32 symbols = 50 bits, ample for single-use codes
  // behind the sign-in throttle.
  for (let i = 0; i < RECOVERY_CODE_LENGTH; i++) s += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

/** Must run inside a transaction: old codes must not survive a half-done replacement. */
function issueRecoveryCodes(db: DB, userId: number): string[] {
  db.prepare('DELETE FROM recovery_codes WHERE user_id = ?').run(userId);
  const insert = db.prepare('INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)');
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) codes.add(newRecoveryCode());
  for (const code of codes) insert.run(userId, recoveryCodeHash(userId, normaliseRecoveryCode(code)!));
  return [...codes];
}

/** Replaces every recovery code of the user (used or not) with fresh ones. */
export function regenerateRecoveryCodes(db: DB, userId: number): string[] {
  return db.transaction(() => {
    // Codes without TOTP would be a second factor that guards nothing.
    if (!totpEnabled(db, userId)) throw new TotpError('turn on two-factor authentication before creating recovery codes');
    return issueRecoveryCodes(db, userId);
  })();
}

/** Consumes a recovery code; true at most once per code, even under concurrent use. */
export function useRecoveryCode(db: DB, userId: number, code: string, now = Date.now()): boolean {
  const normalised = normaliseRecoveryCode(code);
  if (normalised === undefined) return false;
  const info = db
    .prepare('UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL')
    .run(now, userId, recoveryCodeHash(userId, normalised));
  return info.changes === 1;
}

export function remainingRecoveryCodes(db: DB, userId: number): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL').get(userId) as { n: number }).n;
}

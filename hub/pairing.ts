import { randomInt, randomUUID } from 'node:crypto';
import type { DB } from '../common/database';
import { hashToken, newToken } from '../common/tokens';
import { opaqueLib, PAIRING_KEY_STRETCHING, PAIRING_OPAQUE_USER } from '../common/pairingBinding';
import { deviceNameProblem, revokeDevice } from './devices';
import { runPasswordJob } from './passwordWorkerPool';

/*
 * Sync-module style pairing: the owner opens a window and gets a short one-time code; the
 * camera proves it holds the code through OPAQUE (RFC 9807) and receives its device id and
 * token. The code never crosses the network: when the window opens the hub plays both
 * registration roles itself and keeps only the OPAQUE record (and the window's own server
 * setup), so a fake hub that the camera talks to learns nothing it can test guesses against,
 * and the camera learns that the hub is real before it trusts anything the hub says.
 *
 * One window is open at a time; it closes when used, when it expires, or after MAX_ATTEMPTS
 * exchanges. Every exchange counts when it starts, not when it fails: OPAQUE tells the client
 * whether its code was right from the hub's first answer alone, so a guesser never needs to
 * send the second message, and an attempt the hub counted only on a failed finish would be a
 * free guess. A camera that proves the code gets its attempt back.
 */

export const MAX_ATTEMPTS = 5;
export const CODE_DIGITS = 8;

export class PairingError extends Error {
  constructor(
    message: string,
    readonly reason: 'no-window' | 'wrong-code' | 'bad-name' | 'bad-message',
    /** True when this attempt was the window's last allowed one and closed it. */
    readonly closedWindow = false,
  ) {
    super(message);
  }
}

export interface PairingWindow {
  code: string;
  expiresAt: number;
}

export interface PairedDevice {
  deviceId: string;
  token: string;
  name: string;
  /** True when the code re-provisioned an existing camera rather than adding one. */
  reprovisioned: boolean;
}

/** A started OPAQUE login against a window's record, held by the hub until the camera finishes it. */
export interface PairingExchange {
  windowId: number;
  serverLoginState: string;
  /** This exchange was the window's last allowed attempt (the window closed to new ones as it started). */
  last: boolean;
}

/**
 * Opens a window. With `deviceId` it re-provisions that camera: its current token is
 * revoked at once and the code gives the same device id a new token.
 *
 * The code's registration record costs an Argon2id run (64 MiB, a few hundred ms on a Pi), so
 * it is made in the password worker: on the event loop it stalled the health check, live view
 * and uploads for as long. Nothing is written until the record exists, so the window (and a
 * re-provisioned camera's revocation) appears at once, in one transaction. PasswordWorkBusy
 * (503) when the worker already has too many jobs waiting.
 */
export async function openPairingWindow(db: DB, windowMs: number, now = Date.now(), deviceId?: string): Promise<PairingWindow> {
  const opaque = opaqueLib();
  const code = String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
  const expiresAt = now + windowMs;
  // Per window, not per hub: the CLI opens windows from its own process without the hub's
  // secrets, and a setup that dies with its window leaves nothing long-lived to steal.
  const serverSetup = opaque.server.createSetup();
  const registrationRecord = (await runPasswordJob({
    op: 'opaqueRegister',
    serverSetup,
    userIdentifier: PAIRING_OPAQUE_USER,
    password: code,
    keyStretching: PAIRING_KEY_STRETCHING,
  })) as string;
  db.transaction(() => {
    db.prepare("UPDATE pairing_windows SET closed_at = ?, closed_reason = 'replaced' WHERE closed_at IS NULL").run(now);
    if (deviceId) revokeDevice(db, deviceId, now);
    // code_hash stays empty: a hash of an 8-digit code is a lookup table away from the code.
    db.prepare("INSERT INTO pairing_windows (code_hash, opened_at, expires_at, device_id, opaque_setup, opaque_record) VALUES ('', ?, ?, ?, ?, ?)").run(
      now,
      expiresAt,
      deviceId ?? null,
      serverSetup,
      registrationRecord,
    );
  })();
  return { code, expiresAt };
}

interface WindowRow {
  id: number;
  expires_at: number;
  attempts: number;
  device_id: string | null;
  opaque_setup: string | null;
  opaque_record: string | null;
  closed_at: number | null;
  closed_reason: string | null;
}

/**
 * Answers a camera's first OPAQUE message (KE1) for the open window and counts the attempt,
 * whichever address sent it; the MAX_ATTEMPTS-th closes the window to further attempts (its
 * own exchange may still finish). Returns the hub's answer (KE2) and the state to finish with.
 */
export function startPairingExchange(db: DB, ke1: string, now = Date.now()): { exchange: PairingExchange; ke2: string; closedWindow: boolean } {
  const opaque = opaqueLib();
  const outcome = db.transaction(() => {
    const open = db
      .prepare('SELECT id, expires_at, attempts, device_id, opaque_setup, opaque_record FROM pairing_windows WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1')
      .get() as WindowRow | undefined;
    if (!open || now > open.expires_at || !open.opaque_setup || !open.opaque_record) {
      // A window opened by an older hub holds only a hash, which no camera can prove against.
      if (open) db.prepare("UPDATE pairing_windows SET closed_at = ?, closed_reason = 'expired' WHERE id = ?").run(now, open.id);
      return new PairingError('no pairing window is open: open one on the hub and try again', 'no-window');
    }
    let answer: { serverLoginState: string; loginResponse: string };
    try {
      answer = opaque.server.startLogin({ serverSetup: open.opaque_setup, registrationRecord: open.opaque_record, startLoginRequest: ke1, userIdentifier: PAIRING_OPAQUE_USER });
    } catch {
      return new PairingError('ke1 is not an OPAQUE login request (RFC 9807 KE1, base64url)', 'bad-message');
    }
    const attempts = open.attempts + 1;
    const last = attempts >= MAX_ATTEMPTS;
    db.prepare('UPDATE pairing_windows SET attempts = ? WHERE id = ?').run(attempts, open.id);
    if (last) db.prepare("UPDATE pairing_windows SET closed_at = ?, closed_reason = 'too-many-attempts' WHERE id = ?").run(now, open.id);
    return { exchange: { windowId: open.id, serverLoginState: answer.serverLoginState, last }, ke2: answer.loginResponse, closedWindow: last };
  })();
  if (outcome instanceof PairingError) throw outcome;
  return outcome;
}

/** The refusal for an exchange whose camera did not prove the code. */
export function wrongCode(exchange: PairingExchange): PairingError {
  return exchange.last
    ? new PairingError(`wrong pairing code; after ${MAX_ATTEMPTS} attempts the window is closed: open a new one on the hub`, 'wrong-code')
    : new PairingError('wrong pairing code', 'wrong-code');
}

/**
 * Checks the camera's last OPAQUE message (KE3): the session key both sides now share when
 * the camera held the code; a wrong-code refusal otherwise (the attempt was counted at start).
 */
export function verifyPairingExchange(exchange: PairingExchange, ke3: string): string {
  const opaque = opaqueLib();
  try {
    return opaque.server.finishLogin({ serverLoginState: exchange.serverLoginState, finishLoginRequest: ke3 }).sessionKey;
  } catch {
    throw wrongCode(exchange);
  }
}

/**
 * Gives the camera that proved the code its device id and token. A refused name leaves the
 * window open for a retry with another name; the proven code gives its attempt back.
 */
export function issuePairedDevice(db: DB, exchange: PairingExchange, name: string, now = Date.now()): PairedDevice {
  const outcome = db.transaction((): PairedDevice | PairingError => {
    const window = db.prepare('SELECT id, attempts, device_id, closed_at, closed_reason FROM pairing_windows WHERE id = ?').get(exchange.windowId) as WindowRow | undefined;
    const usable = window && (window.closed_at === null || (exchange.last && window.closed_reason === 'too-many-attempts'));
    if (!window || !usable) return new PairingError('the pairing window closed during the exchange: open a new one on the hub and try again', 'no-window');
    db.prepare("UPDATE pairing_windows SET attempts = ?, closed_at = NULL, closed_reason = NULL WHERE id = ?").run(Math.max(0, window.attempts - 1), window.id);
    // Checked only after the code, so the pairing route does not tell strangers which names exist.
    const problem = deviceNameProblem(db, name, window.device_id);
    if (problem) return new PairingError(problem, 'bad-name');
    db.prepare("UPDATE pairing_windows SET closed_at = ?, closed_reason = 'used' WHERE id = ?").run(now, window.id);
    const token = newToken(24);
    if (window.device_id) {
      db.prepare('UPDATE devices SET token_hash = ?, token_issued_at = ?, revoked_at = NULL, name = ? WHERE id = ?').run(hashToken(token), now, name, window.device_id);
      return { deviceId: window.device_id, token, name, reprovisioned: true };
    }
    const deviceId = randomUUID();
    db.prepare('INSERT INTO devices (id, name, token_hash, created_at, token_issued_at) VALUES (?, ?, ?, ?, ?)').run(deviceId, name, hashToken(token), now, now);
    return { deviceId, token, name, reprovisioned: false };
  })();
  if (outcome instanceof PairingError) throw outcome;
  return outcome;
}

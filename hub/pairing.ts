import { randomInt, randomUUID } from 'node:crypto';
import type { DB } from '../common/database';
import { hashToken, newToken, safeEqual } from '../common/tokens';
import { DEVICE_NAME_PATTERN, DEVICE_NAME_RULE, deviceNameProblem, revokeDevice } from './devices';

/*
 * Sync-module style pairing: the owner opens a window and gets a short one-time code;
 * the agent presents it and receives its device id and token. One window is open at a
 * time; it closes when used, when it expires, or after MAX_ATTEMPTS wrong codes.
 */

export const MAX_ATTEMPTS = 5;
export const CODE_DIGITS = 8;

export class PairingError extends Error {
  constructor(
    message: string,
    readonly reason: 'no-window' | 'wrong-code' | 'bad-name',
    /** True when this wrong code was the window's last allowed attempt and closed it. */
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

/**
 * Opens a window. With `deviceId` it re-provisions that camera: its current token is
 * revoked at once and the code gives the same device id a new token.
 */
export function openPairingWindow(db: DB, windowMs: number, now = Date.now(), deviceId?: string): PairingWindow {
  const code = String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
  const expiresAt = now + windowMs;
  db.transaction(() => {
    db.prepare("UPDATE pairing_windows SET closed_at = ?, closed_reason = 'replaced' WHERE closed_at IS NULL").run(now);
    if (deviceId) revokeDevice(db, deviceId, now);
    db.prepare('INSERT INTO pairing_windows (code_hash, opened_at, expires_at, device_id) VALUES (?, ?, ?, ?)').run(
      hashToken(code),
      now,
      expiresAt,
      deviceId ?? null,
    );
  })();
  return { code, expiresAt };
}

/**
 * Redeems a pairing code; every wrong code counts against the open window, whichever address
 * sent it, and the MAX_ATTEMPTS-th closes it.
 *
 * A refusal that must be remembered (a wrong code counted, an expired window closed) is
 * committed before it is thrown: throwing inside the transaction would roll the count back,
 * and the window would never close. A bad name after the right code is thrown inside it on
 * purpose, so the window stays open for a retry with another name.
 */
export function redeemPairingCode(db: DB, code: string, name: string, now = Date.now()): PairedDevice {
  if (!DEVICE_NAME_PATTERN.test(name)) {
    throw new PairingError(DEVICE_NAME_RULE, 'bad-name');
  }
  const outcome = db.transaction((): PairedDevice | PairingError => {
    const open = db
      .prepare('SELECT id, code_hash, expires_at, attempts, device_id FROM pairing_windows WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1')
      .get() as { id: number; code_hash: string; expires_at: number; attempts: number; device_id: string | null } | undefined;
    if (!open || now > open.expires_at) {
      if (open) db.prepare("UPDATE pairing_windows SET closed_at = ?, closed_reason = 'expired' WHERE id = ?").run(now, open.id);
      return new PairingError('no pairing window is open: open one on the hub and try again', 'no-window');
    }
    if (!safeEqual(hashToken(code), open.code_hash)) {
      const attempts = open.attempts + 1;
      db.prepare('UPDATE pairing_windows SET attempts = ? WHERE id = ?').run(attempts, open.id);
      if (attempts < MAX_ATTEMPTS) return new PairingError('wrong pairing code', 'wrong-code');
      db.prepare("UPDATE pairing_windows SET closed_at = ?, closed_reason = 'too-many-attempts' WHERE id = ?").run(now, open.id);
      return new PairingError(`wrong pairing code; after ${MAX_ATTEMPTS} wrong codes the window is closed: open a new one on the hub`, 'wrong-code', true);
    }
    db.prepare("UPDATE pairing_windows SET closed_at = ?, closed_reason = 'used' WHERE id = ?").run(now, open.id);
    // Checked only after the code, so the pairing route does not tell strangers which names exist.
    const problem = deviceNameProblem(db, name, open.device_id);
    if (problem) throw new PairingError(problem, 'bad-name');
    const token = newToken(24);
    if (open.device_id) {
      db.prepare('UPDATE devices SET token_hash = ?, token_issued_at = ?, revoked_at = NULL, name = ? WHERE id = ?').run(hashToken(token), now, name, open.device_id);
      return { deviceId: open.device_id, token, name, reprovisioned: true };
    }
    const deviceId = randomUUID();
    db.prepare('INSERT INTO devices (id, name, token_hash, created_at, token_issued_at) VALUES (?, ?, ?, ?, ?)').run(deviceId, name, hashToken(token), now, now);
    return { deviceId, token, name, reprovisioned: false };
  })();
  if (outcome instanceof PairingError) throw outcome;
  return outcome;
}

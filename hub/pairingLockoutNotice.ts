import type { AuditLog } from '../common/auditLog';
import type { Logger } from '../common/logger';
import type { Mailer } from '../common/mailer';
import { notifyOwners } from '../common/notices';
import type { DB } from '../common/database';
import { MAX_ATTEMPTS } from './pairing';

/*
 * A pairing window closed by too many attempts is either a mistyped code or someone on the network
 * guessing one, possibly for a window that takes over an existing camera. The owners are told
 * either way, with the address of the last guess, so a guess they did not make is noticed.
 */

export interface PairingLockoutDeps {
  db: DB;
  audit: AuditLog;
  mailer: Mailer;
  log: Logger;
  now: () => number;
}

export async function noticePairingLockout(deps: PairingLockoutDeps, lastAddress: string): Promise<void> {
  const { db, audit, mailer, log, now } = deps;
  audit.append({ actor: `ip:${lastAddress}`, action: 'pairing.closed', ip: lastAddress, detail: { reason: 'too-many-attempts', attempts: MAX_ATTEMPTS } }, now());
  log.warn({ ip: lastAddress, attempts: MAX_ATTEMPTS }, 'pairing window closed after too many attempts');
  // Sent as the last attempt starts: the hub cannot tell a wrong code from a right one before the
  // camera proves it, and a guesser never has to (hub/pairing.ts).
  const message =
    `A pairing window was closed after ${MAX_ATTEMPTS} attempts to pair with its code (wrong codes, unless the last one paired a camera), the last from address ${lastAddress}. ` +
    'If you were not pairing a camera, someone on your network may have tried to pair one. Open a new window when you are ready.';
  await notifyOwners(db, mailer, log, { kind: 'pairing-locked', subject: 'Porchlight: pairing closed after wrong codes', message }, now());
}

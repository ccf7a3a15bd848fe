import { generateKeyPairSync } from 'node:crypto';
import { readOrCreateSecretFile } from '../../common/atomicFile';

/*
 * The ACME account's key: whoever holds it can order and revoke certificates for the hub's
 * names in the account's name. Made once (P-256, as Let's Encrypt recommends), 0600, and kept:
 * the account it registered stays the hub's across restarts and renewals.
 */
export function loadAccountKey(file: string): Promise<string> {
  return readOrCreateSecretFile(file, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}

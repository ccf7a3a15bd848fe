import webpush from 'web-push';
import { readOrCreateSecretFile } from '../common/atomicFile';

/*
 * The hub's VAPID key pair (RFC 8292): the push services know the hub by its public key, and the
 * browser only accepts pushes signed by the key it subscribed with. Made once with web-push and
 * kept under keys/ (0600, written atomically) like the hub's other secrets: a new pair would
 * silently orphan every device already subscribed. The private key is never logged or served.
 */

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Loads the key pair from `file`, making it on first use. */
export async function loadVapidKeys(file: string): Promise<VapidKeys> {
  const text = await readOrCreateSecretFile(file, () => {
    const keys = webpush.generateVAPIDKeys();
    return JSON.stringify({ publicKey: keys.publicKey, privateKey: keys.privateKey }) + '\n';
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not a Porchlight VAPID key file`);
  }
  const o = parsed as Partial<VapidKeys> | null;
  if (
    !o ||
    typeof o.publicKey !== 'string' ||
    typeof o.privateKey !== 'string' ||
    !B64URL.test(o.publicKey) ||
    !B64URL.test(o.privateKey) ||
    Buffer.from(o.publicKey, 'base64url').length !== 65 ||
    Buffer.from(o.privateKey, 'base64url').length !== 32
  ) {
    throw new Error(`${file} is not a Porchlight VAPID key file`);
  }
  return { publicKey: o.publicKey, privateKey: o.privateKey };
}

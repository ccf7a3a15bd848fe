import * as path from 'node:path';

/**
 * Where each part of the home's state lives under the hub's data dir. The hub owns it; the
 * relay (same Pi) and the CLI read it, so the layout is one shared declaration rather than
 * something each of them imports from the hub's server.
 */
export function hubPaths(dataDir: string) {
  return {
    db: path.join(dataDir, 'hub.db'),
    footageKey: path.join(dataDir, 'keys', 'footage.key'),
    footagePublicKey: path.join(dataDir, 'keys', 'footage.pub'),
    hubSecret: path.join(dataDir, 'keys', 'hub-secret.key'),
    /** The OPAQUE server setup (its OPRF seed and long-term key pair): without it the password records in hub.db test nothing. */
    opaqueSetup: path.join(dataDir, 'keys', 'opaque-setup.key'),
    /** The hub's VAPID key pair (RFC 8292), which signs its Web Push requests: made once, kept like the other keys. */
    vapidKeys: path.join(dataDir, 'keys', 'vapid.json'),
    auditHead: path.join(dataDir, 'audit-head.json'),
    tls: path.join(dataDir, 'tls'),
    /** Certificates from an ACME server (Let's Encrypt), the account key and the renewal state (hub/acme/). */
    acme: path.join(dataDir, 'acme'),
    clips: path.join(dataDir, 'clips'),
    /** Clip thumbnails, sealed to the footage key like the clips. */
    thumbs: path.join(dataDir, 'thumbs'),
    tmp: path.join(dataDir, 'tmp'),
    runtime: path.join(dataDir, 'run', 'hub.json'),
    /** Where `porchlight keys unlock` gives the running hub the footage key's passphrase (0600). */
    unlockSocket: path.join(dataDir, 'run', 'unlock.sock'),
  };
}

export type HubPaths = ReturnType<typeof hubPaths>;

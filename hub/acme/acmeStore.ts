import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsyncDir, writeFileAtomic } from '../../common/atomicFile';

/*
 * What the hub keeps of ACME on disk, under <dataDir>/acme (0700, the hub user's):
 *   account.key                the ACME account's private key (0600, made once)
 *   certs/<id>/fullchain.pem   each issued certificate chain, and beside it privkey.pem (0600)
 *   live -> certs/<id>         the pair in use. It is switched by renaming one symlink, so the
 *                              TLS manager, which reads the two files separately, never pairs
 *                              a new certificate with the old key
 *   state.json                 the last attempt and its outcome, for `porchlight acme status`
 *   renew-request              written by `porchlight acme renew`; the hub renews and removes it
 * The previous pair is kept (one rename back undoes a bad one); older ones are removed.
 */

export function acmePaths(dir: string) {
  return {
    dir,
    accountKey: path.join(dir, 'account.key'),
    certs: path.join(dir, 'certs'),
    live: path.join(dir, 'live'),
    certFile: path.join(dir, 'live', 'fullchain.pem'),
    keyFile: path.join(dir, 'live', 'privkey.pem'),
    state: path.join(dir, 'state.json'),
    renewRequest: path.join(dir, 'renew-request'),
  };
}

export type AcmePaths = ReturnType<typeof acmePaths>;

/** The renewal's record, read by the console; times are ms since the epoch. */
export interface AcmeState {
  domains: string[];
  /** Attempts ever made: the console waits for this to move (times follow the hub's clock, which a test may hold still). */
  attempts: number;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  /** Why the last attempt failed; null after a success. */
  lastError: string | null;
  /** Failed attempts since the last success. */
  failures: number;
  nextAttemptAt: number | null;
  /** When the owners were told of this run of failures (once per run). */
  notifiedAt: number | null;
}

export function emptyState(domains: string[]): AcmeState {
  return { domains, attempts: 0, lastAttemptAt: null, lastSuccessAt: null, lastError: null, failures: 0, nextAttemptAt: null, notifiedAt: null };
}

export async function readState(paths: AcmePaths): Promise<AcmeState | null> {
  try {
    const saved = JSON.parse(await fs.readFile(paths.state, 'utf8')) as Partial<AcmeState>;
    return { ...emptyState(saved.domains ?? []), ...saved };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export async function writeState(paths: AcmePaths, state: AcmeState): Promise<void> {
  await fs.mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(paths.state, JSON.stringify(state, null, 2) + '\n', 0o600);
}

/** The certificate chain in use, or null before the first one was issued. */
export async function readLiveCertificate(paths: AcmePaths): Promise<string | null> {
  try {
    return await fs.readFile(paths.certFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Puts a new pair in place of the live one (see the top of this file), then prunes. */
export async function installCertificate(paths: AcmePaths, certPem: string, keyPem: string, now: number): Promise<void> {
  await fs.mkdir(paths.certs, { recursive: true, mode: 0o700 });
  const id = `${new Date(now).toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const dir = path.join(paths.certs, id);
  await fs.mkdir(dir, { mode: 0o700 });
  await writeFileAtomic(path.join(dir, 'privkey.pem'), keyPem, 0o600);
  await writeFileAtomic(path.join(dir, 'fullchain.pem'), certPem, 0o600);
  const previous = await fs.readlink(paths.live).catch(() => null);
  const tmp = `${paths.live}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.symlink(path.join('certs', id), tmp);
  try {
    await fs.rename(tmp, paths.live);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(paths.dir);
  const keep = new Set([id, previous ? path.basename(previous) : '']);
  for (const old of await fs.readdir(paths.certs)) {
    if (!keep.has(old)) await fs.rm(path.join(paths.certs, old), { recursive: true, force: true });
  }
}

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { cloudCredentialsPath } from '../common/cloud/targetChoice';
import type { HubPaths } from '../common/dataLayout';
import { DEFAULT_INTERFACE } from '../common/api/remote';
import { remoteFiles } from './remoteAccess';

/*
 * The hub's data directory holds password hashes, members' positions, the audit log and the
 * hub's secret keys. Two users may reach it: the hub's own, and the relay's, which is in the
 * hub's group (systemd/porchlight.sysusers) and must be able to upload clips, but not to read
 * a secret key even when something it talks to on the internet takes it over. So:
 *   - the group may enter the directory, read and write the database (the upload queue and
 *     the relay's health row are in it), read the clips, and reach the footage PUBLIC key and
 *     the cloud credentials by their names;
 *   - the secret keys are the owner's alone (0600), in a keys/ folder the group may pass
 *     through but not list (0710);
 *   - everything else (TLS keys, thumbnails, the setup code, the unlock socket, tmp/) is made
 *     0700/0600 by the hub's umask and stays so.
 * Others get nothing. Under systemd the units see to most of it; a hub started by hand, or an
 * older install (0700 everywhere, relay and hub one user), may have other modes: every start
 * puts them right. In a single-user setup (a hand-started demo) the group is that user's own.
 */

/** The modes the data directory's known entries must have: pure, so the policy is read (and tested) apart from the disk. */
export function dataDirModes(dataDir: string, paths: HubPaths): Array<[file: string, mode: number]> {
  return [
    [dataDir, 0o750],
    // SQLite gives the -wal and -shm it makes the database file's mode; older ones are fixed here.
    [paths.db, 0o660],
    [`${paths.db}-wal`, 0o660],
    [`${paths.db}-shm`, 0o660],
    [path.dirname(paths.footageKey), 0o710],
    // The secret keys: the footage key (when not wrapped, it opens every clip), the OPAQUE
    // server setup (with hub.db it tests password guesses), the key of TOTP seeds and browser ids.
    [paths.footageKey, 0o600],
    [paths.opaqueSetup, 0o600],
    [paths.hubSecret, 0o600],
    // The Web Push VAPID private key: with it anyone could push to the household's phones.
    [paths.vapidKeys, 0o600],
    // What the relay needs: the key it seals manifests to, and its own S3 key from the System page.
    [paths.footagePublicKey, 0o640],
    [cloudCredentialsPath(dataDir), 0o640],
    [paths.clips, 0o750],
    // Remote access (docs/remote.md): the hub's WireGuard private key, alone and in its config;
    // the relay has no business in the folder at all.
    [remoteFiles(dataDir, DEFAULT_INTERFACE).dir, 0o700],
    [remoteFiles(dataDir, DEFAULT_INTERFACE).hubKey, 0o600],
    [remoteFiles(dataDir, DEFAULT_INTERFACE).config, 0o600],
    // The ACME account key orders and revokes certificates for the household's names; the
    // certificates' keys sit beside it. Nothing in there is the relay's business.
    [paths.acme, 0o700],
    [path.join(paths.acme, 'account.key'), 0o600],
  ];
}

/** Mode of a stored clip file: the relay reads it to upload it (ciphertext only). */
export const CLIP_FILE_MODE = 0o640;

/** Sets the data directory's modes (dataDirModes) and every clip file's; returns what it had to change. */
export async function repairDataDirModes(dataDir: string, paths: HubPaths): Promise<string[]> {
  const changed: string[] = [];
  const set = async (file: string, mode: number): Promise<number | null> => {
    let current: number;
    try {
      current = (await fs.stat(file)).mode & 0o777;
    } catch {
      return null; // not made yet: it will be, with this mode
    }
    if (current === mode) return null;
    await fs.chmod(file, mode);
    return current;
  };
  for (const [file, mode] of dataDirModes(dataDir, paths)) {
    const was = await set(file, mode);
    if (was !== null) changed.push(`${file} ${was.toString(8)} → ${mode.toString(8)}`);
  }
  // Clips stored before the relay had its own user were 0600: it could no longer upload them.
  const clips = await fs.readdir(paths.clips).catch(() => [] as string[]);
  const wrong = new Map<number, number>();
  for (const name of clips) {
    if (!name.endsWith('.plc')) continue;
    const was = await set(path.join(paths.clips, name), CLIP_FILE_MODE);
    if (was !== null) wrong.set(was, (wrong.get(was) ?? 0) + 1);
  }
  for (const [was, n] of wrong) changed.push(`${path.join(paths.clips, '*.plc')} (${n}) ${was.toString(8)} → ${CLIP_FILE_MODE.toString(8)}`);
  return changed;
}

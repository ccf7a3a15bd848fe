import { promises as fs } from 'node:fs';
import type { HubPaths } from '../common/dataLayout';

/*
 * The hub's data directory holds password hashes, members' positions, the audit log and the
 * footage secret key: only the hub's own user may read it. Under systemd the unit's UMask and
 * StateDirectory see to that; a hub started by hand (or an old install) may have made it 0755
 * with a 0644 database. Every start puts the modes right again.
 */

/**
 * Files of the data directory that must be the owner's alone, beyond what the directory's 0700
 * already hides. The hub secret key opens every TOTP seed and signs browser ids: a key like the others.
 */
function privateFiles(paths: HubPaths): string[] {
  return [paths.db, `${paths.db}-wal`, `${paths.db}-shm`, paths.footageKey, paths.opaqueSetup, paths.hubSecret, paths.vapidKeys];
}

/** Sets the data directory to 0700 and its database and key files to 0600; returns what it had to change. */
export async function repairDataDirModes(dataDir: string, paths: HubPaths): Promise<string[]> {
  const changed: string[] = [];
  const set = async (file: string, mode: number) => {
    let current: number;
    try {
      current = (await fs.stat(file)).mode & 0o777;
    } catch {
      return; // not made yet: it will be, under the hub's umask
    }
    if (current === mode) return;
    await fs.chmod(file, mode);
    changed.push(`${file} ${current.toString(8)} → ${mode.toString(8)}`);
  };
  await set(dataDir, 0o700);
  for (const file of privateFiles(paths)) await set(file, 0o600);
  return changed;
}

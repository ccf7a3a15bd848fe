import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { hubPaths } from '../../common/dataLayout';
import { openHubState } from '../../hub/hub';
import { useTempDir } from '../helpers/tmp';

describe('hub data directory modes: only the hub user reads it, even after a start by hand', () => {
  const tmp = useTempDir();
  const mode = async (file: string) => (await fs.stat(file)).mode & 0o777;

  it('tightens a 0755 directory, a 0644 database and 0644 key files (what a hand start or a careless restore left) to 0700 and 0600, and says what it changed', async () => {
    // As hub/main.ts sets it; put back after, as mocha runs other tests in this process.
    const umask = process.umask(0o077);
    try {
      await check();
    } finally {
      process.umask(umask);
    }
  });

  async function check(): Promise<void> {
    const dir = path.join(tmp.dir, 'hub');
    const paths = hubPaths(dir);
    (await openHubState(dir)).db.close();
    // The attacker's view: another local user reading hub.db (password hashes, positions, the audit log).
    await fs.chmod(dir, 0o755);
    await fs.chmod(paths.db, 0o644);
    // And the key files, as a restore from a backup copied with cp (no -p) would leave them:
    // the footage secret key, the OPAQUE server setup, the key of TOTP seeds and browser ids.
    for (const key of [paths.opaqueSetup, paths.hubSecret]) await fs.writeFile(key, 'restored key\n');
    for (const key of [paths.footageKey, paths.opaqueSetup, paths.hubSecret]) await fs.chmod(key, 0o644);
    const again = await openHubState(dir);
    again.db.close();
    assert.equal(await mode(dir), 0o700);
    for (const file of [paths.db, paths.footageKey, paths.opaqueSetup, paths.hubSecret]) assert.equal(await mode(file), 0o600, file);
    // SQLite gives its -wal and -shm the database file's mode: they were 0644 too.
    assert.deepEqual(again.repaired.map((r) => path.basename(r.split(' ')[0]!)), ['hub', 'hub.db', 'hub.db-wal', 'hub.db-shm', 'footage.key', 'opaque-setup.key', 'hub-secret.key']);
    const third = await openHubState(dir);
    third.db.close();
    assert.deepEqual(third.repaired, [], 'nothing to change the next time');
  }
});

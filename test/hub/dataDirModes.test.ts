import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { hubPaths } from '../../common/dataLayout';
import { cloudCredentialsPath } from '../../common/cloud/targetChoice';
import { openHubState } from '../../hub/hub';
import { useTempDir } from '../helpers/tmp';

/*
 * The data directory as hub/dataDirModes.ts lays it out: the hub's group (the relay's user is
 * in it) reaches the database, the clips and the footage public key; the secret keys are the
 * owner's alone; others get nothing. test/cloud-relay/relayOwnUser.test.ts runs a real relay
 * as another user against it.
 */
describe('hub data directory modes: the relay (the group) gets what it needs, the secret keys stay the hub user alone', () => {
  const tmp = useTempDir();
  const mode = async (file: string) => (await fs.stat(file)).mode & 0o777;

  it('repairs what a hand start, a careless restore or an older install left (0755 dir, 0644 database and keys; 0700 keys and clips, 0600 public key and clips) to 0750, 0660, 0710 + 0600 secret keys, 0640 public key, 0750 + 0640 clips, and says what it changed', async () => {
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
    // What an install from before the relay had its own user left: the relay could read none of it.
    await fs.chmod(path.dirname(paths.footageKey), 0o700);
    await fs.chmod(paths.footagePublicKey, 0o600);
    await fs.writeFile(cloudCredentialsPath(dir), '{}', { mode: 0o600 });
    await fs.mkdir(paths.clips, { mode: 0o700 });
    for (const name of ['a.plc', 'b.plc']) await fs.writeFile(path.join(paths.clips, name), 'sealed', { mode: 0o600 });

    const again = await openHubState(dir);
    again.db.close();
    assert.equal(await mode(dir), 0o750);
    assert.equal(await mode(paths.db), 0o660, 'the relay writes the upload queue and its health row');
    assert.equal(await mode(path.dirname(paths.footageKey)), 0o710, 'keys/: the group reaches a known name, lists nothing');
    for (const file of [paths.footageKey, paths.opaqueSetup, paths.hubSecret]) assert.equal(await mode(file), 0o600, file);
    for (const file of [paths.footagePublicKey, cloudCredentialsPath(dir)]) assert.equal(await mode(file), 0o640, file);
    assert.equal(await mode(paths.clips), 0o750);
    for (const name of ['a.plc', 'b.plc']) assert.equal(await mode(path.join(paths.clips, name)), 0o640, name);
    // SQLite gives its -wal and -shm the database file's mode: they were 0644 too.
    assert.deepEqual(
      again.repaired.map((r) => path.basename(r.split(' ')[0]!)),
      ['hub', 'hub.db', 'hub.db-wal', 'hub.db-shm', 'keys', 'footage.key', 'opaque-setup.key', 'hub-secret.key', 'footage.pub', 'cloud-credentials.json', 'clips', '*.plc'],
    );
    assert.ok(again.repaired.includes(`${path.join(paths.clips, '*.plc')} (2) 600 → 640`), again.repaired.join('\n'));
    const third = await openHubState(dir);
    third.db.close();
    assert.deepEqual(third.repaired, [], 'nothing to change the next time');
    await assertNothingForOthers(dir);
  }

  it("makes a new data directory with these modes from the start, under the hub's umask", async () => {
    const umask = process.umask(0o077);
    try {
      const dir = path.join(tmp.dir, 'hub');
      const paths = hubPaths(dir);
      const state = await openHubState(dir);
      state.db.close();
      assert.equal(await mode(dir), 0o750);
      assert.equal(await mode(paths.db), 0o660);
      assert.equal(await mode(path.dirname(paths.footageKey)), 0o710);
      assert.equal(await mode(paths.footageKey), 0o600);
      assert.equal(await mode(paths.footagePublicKey), 0o640);
      await assertNothingForOthers(dir);
    } finally {
      process.umask(umask);
    }
  });

  /** No file or folder of the data directory gives others anything, and no secret key gives the group anything. */
  async function assertNothingForOthers(dir: string): Promise<void> {
    const paths = hubPaths(dir);
    const walk = async (d: string): Promise<string[]> => {
      const out = [d];
      for (const e of await fs.readdir(d, { withFileTypes: true })) out.push(...(e.isDirectory() ? await walk(path.join(d, e.name)) : [path.join(d, e.name)]));
      return out;
    };
    for (const f of await walk(dir)) assert.equal((await mode(f)) & 0o007, 0, `${f} gives others nothing`);
    for (const f of [paths.footageKey, paths.opaqueSetup, paths.hubSecret]) {
      const m = await mode(f).catch(() => null);
      if (m !== null) assert.equal(m & 0o077, 0, `${f} is the owner's alone`);
    }
  }
});

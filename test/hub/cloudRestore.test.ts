import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { parseConfig } from '../../common/config';
import { exportWrappedKey } from '../../common/footageKeys';
import { createTarget } from '../../common/cloud/targets';
import { makeClipHub } from '../helpers/clipFactory';
import { makeRelay } from '../helpers/relay';
import { call } from '../helpers/https';
import { addTestUser, PASSWORDS, signIn, startTestHub } from '../helpers/hub';
import { startS3, type S3Peer } from '../helpers/s3';
import { useTempDir } from '../helpers/tmp';

const run = promisify(execFile);
const CLI = path.join(__dirname, '..', '..', '..', 'bin', 'porchlight.js');

describe('porchlight cloud restore: a new hub rebuilds its clip index from the bucket alone', function () {
  this.timeout(120_000);
  const tmp = useTempDir();
  let s3: S3Peer;

  beforeEach(async () => {
    s3 = await startS3(path.join(tmp.dir, 's3'));
  });
  afterEach(async () => s3.close());

  it('restores every clip with its camera and time, and plays one from the cloud', async () => {
    // The old hub: three clips uploaded by its relay.
    const old = await makeClipHub(path.join(tmp.dir, 'old-hub'));
    const clips = [await old.addClip(), await old.addClip({ plainBytes: 300_000 }), await old.addClip()];
    const relaySection = { target: { type: 's3', endpoint: s3.endpoint, bucket: s3.bucket, prefix: 'clips/', credentialsFile: s3.credentialsFile } };
    const oldCfg = parseConfig({ dataDir: old.dir, relay: relaySection });
    const target = createTarget(oldCfg);
    const { relay } = makeRelay(old, oldCfg.relay, target);
    await relay.pass();
    target.close();
    assert.equal(relay.uploaded, 3);
    const recovery = path.join(tmp.dir, 'recovery.json');
    const passphrase = path.join(tmp.dir, 'passphrase');
    writeFileSync(passphrase, 'a recovery passphrase\n');
    await exportWrappedKey(recovery, old.keys, 'a recovery passphrase');
    old.close();

    // The new hub: an empty data dir, the same config, the recovery file.
    const fresh = path.join(tmp.dir, 'new-hub');
    const config = path.join(tmp.dir, 'new.yaml');
    writeFileSync(config, YAML.stringify({ dataDir: fresh, relay: relaySection }));
    const withoutKey = await run(process.execPath, [CLI, 'cloud', 'restore', '-c', config]);
    assert.match(withoutKey.stdout, /restored 0 clips/);
    assert.match(withoutKey.stdout, /3 manifests could not be opened with this footage key/, "another hub's key opens nothing, and says so");
    const restored = await run(process.execPath, [CLI, 'cloud', 'restore', '-c', config, '--key', recovery, '--passphrase-file', passphrase]);
    assert.match(restored.stdout, /restored 3 clips .*cameras: porch/);
    const again = await run(process.execPath, [CLI, 'cloud', 'restore', '-c', config, '--key', recovery, '--passphrase-file', passphrase]);
    assert.match(again.stdout, /restored 0 clips.*; 3 already indexed/, 'running it twice changes nothing');

    const hub = await startTestHub(fresh, {}, undefined, { relay: relaySection });
    try {
      await addTestUser(hub.db, 'owner');
      const owner = await signIn(hub.base, 'owner', PASSWORDS.owner);
      const list = (await call(hub.base, 'GET', '/api/clips', { headers: owner.headers })).json() as { clips: Array<{ id: string; deviceName: string; local: boolean; startedAt: number }> };
      assert.deepEqual(list.clips.map((c) => c.id).sort(), clips.map((c) => c.clipId).sort());
      assert.ok(list.clips.every((c) => c.deviceName === 'porch' && !c.local));
      const video = await call(hub.base, 'GET', `/api/clips/${clips[1]!.clipId}/video`, { headers: owner.headers });
      assert.equal(video.status, 200);
      assert.ok(video.body.equals(clips[1]!.plain), 'the clip plays, decrypted, straight from the bucket');
      const device = hub.db.prepare('SELECT revoked_at FROM devices WHERE name = ?').get('porch') as { revoked_at: number | null };
      assert.notEqual(device.revoked_at, null, 'the restored camera must pair again');
    } finally {
      await hub.stop();
    }
  });
});

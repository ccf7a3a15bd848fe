import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { HubSecret } from '../../hub/hubSecret';
import { loadOpaqueSetup } from '../../hub/opaqueSetup';
import { cliLauncherArgs } from '../helpers/cli';
import { makeClipHub, type ClipHub } from '../helpers/clipFactory';
import { startS3, type S3Peer } from '../helpers/s3';
import { skipBecause } from '../helpers/skip';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/*
 * The relay talks to the internet (S3); a malicious answer that takes it over must not get
 * the hub's secret keys. Installed, it runs as its own user in the hub's group
 * (systemd/porchlight-relay.service, porchlight.sysusers), and the hub's data directory gives
 * the group only what the relay needs (hub/dataDirModes.ts). Here the real relay process runs
 * as another uid (65534, nobody), with the data directory's group as its group as the install
 * arranges it, against a data directory the hub's own code made (under the hub's umask):
 * it must upload a clip to a real S3 server, while from inside it (test/helpers/keyReadProbe.ts,
 * preloaded) the secret keys cannot be read and the footage public key can.
 */

const PROBE = path.join(__dirname, '..', 'helpers', 'keyReadProbe.js');
const RELAY_UID = 65534;

describe('the relay as its own user: uploads, and cannot read the hub secret keys', function () {
  this.timeout(120_000);
  let clips: ClipHub | null = null;
  let s3: S3Peer | null = null;
  let kill: (() => void) | null = null;
  // Registered before the temp dir's hook, so the processes stop before their files go.
  afterEach(async () => {
    kill?.();
    clips?.close();
    await s3?.close();
    kill = null;
    clips = null;
    s3 = null;
  });
  const tmp = useTempDir();

  before(function () {
    if (process.getuid?.() !== 0) skipBecause(this, 'running the relay as another user needs root (CI runs as root); not root here');
  });

  it('uploads a clip to S3 while running as another uid in the hub group, and reading keys/footage.key, opaque-setup.key and hub-secret.key from inside it fails with EACCES; keys/footage.pub reads', async () => {
    // The temp dir stands in for /var/lib/porchlight: the relay's user may pass through it.
    chmodSync(tmp.dir, 0o755);
    const hubDir = path.join(tmp.dir, 'hub');
    // As hub/main.ts (and the hub's unit) sets it: the modes below are the hub's own doing.
    const umask = process.umask(0o077);
    let paths: ClipHub['paths'];
    try {
      clips = await makeClipHub(hubDir);
      paths = clips.paths;
      await HubSecret.load(paths.hubSecret);
      await loadOpaqueSetup(paths.opaqueSetup);
      await clips.addClip();
    } finally {
      process.umask(umask);
    }
    const hubGid = statSync(hubDir).gid;

    s3 = await startS3(path.join(tmp.dir, 's3'));
    // The S3 key as docs/install.md says to leave it: 0640 in a 0710 secrets folder.
    const secrets = path.join(tmp.dir, 'secrets');
    mkdirSync(secrets, { mode: 0o710 });
    chmodSync(secrets, 0o710);
    const credentialsFile = path.join(secrets, 's3.yaml');
    copyFileSync(s3.credentialsFile, credentialsFile);
    chmodSync(credentialsFile, 0o640);
    const configFile = path.join(tmp.dir, 'porchlight.yaml');
    writeFileSync(
      configFile,
      YAML.stringify({
        dataDir: hubDir,
        log: { level: 'info' },
        relay: { target: { type: 's3', endpoint: s3.endpoint, bucket: s3.bucket, prefix: 'clips/', credentialsFile }, pollSeconds: 0.05, probeSeconds: 0.2 },
      }),
      { mode: 0o640 },
    );

    const secretKeys = [paths.footageKey, paths.opaqueSetup, paths.hubSecret];
    const env: NodeJS.ProcessEnv = { ...process.env, PORCHLIGHT_TEST_READ_FILES: JSON.stringify([...secretKeys, paths.footagePublicKey]) };
    delete env.JOURNAL_STREAM;
    delete env.PORCHLIGHT_DATA_DIR;
    delete env.PORCHLIGHT_CONFIG;
    const child = spawn(process.execPath, ['--require', PROBE, ...cliLauncherArgs(['relay', '--config', configFile])], {
      env,
      uid: RELAY_UID,
      gid: hubGid,
      cwd: tmp.dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let running = true;
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => ((running = false), resolve(code))));
    kill = () => {
      if (running) child.kill('SIGKILL');
    };

    const peer = s3;
    const db = clips.db;
    // The queue row is marked once both objects are verified: it is the relay's write into hub.db.
    const uploaded = () => (db.prepare('SELECT state FROM upload_queue').all() as Array<{ state: string }>).map((r) => r.state).join() === 'uploaded';
    await until(
      'the relay (another uid) to upload the clip and its manifest to S3 and mark it uploaded in the hub database',
      async () => {
        assert.ok(running, `the relay exited:\n${stderr.slice(-3000)}`);
        return uploaded() || null;
      },
      60_000,
      100,
    );
    assert.equal((await peer.listObjects()).length, 2, 'the clip and its manifest are in the bucket');

    // The attacker's move, from inside the running relay.
    child.kill('SIGUSR2');
    const line = await until('the probe line', () => stderr.split('\n').find((l) => l.startsWith('KEY-READ-PROBE ')) ?? null, 10_000);
    const probe = JSON.parse(line.slice('KEY-READ-PROBE '.length)) as { uid: number; gid: number; results: Record<string, string> };
    assert.equal(probe.uid, RELAY_UID, 'the probe ran as the relay user');
    assert.equal(probe.gid, hubGid);
    for (const key of secretKeys) assert.equal(probe.results[key], 'EACCES', `${path.basename(key)} must not be readable by the relay`);
    assert.equal(probe.results[paths.footagePublicKey], 'read', 'the footage public key is readable by the relay');

    child.kill('SIGTERM');
    assert.equal(await exited, 0, `a clean stop:\n${stderr.slice(-2000)}`);
  });
});

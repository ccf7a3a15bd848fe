import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import type { CloudHealth } from '../../common/api/system';
import { cliLauncherArgs } from '../helpers/cli';
import { makeClipHub, type ClipHub } from '../helpers/clipFactory';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { startS3, type S3Peer } from '../helpers/s3';
import { useTempDir } from '../helpers/tmp';
import { sleep, until } from '../helpers/wait';

/*
 * A relay whose S3 settings cannot be used at start (its credentials file missing or not a
 * readable file) used to crash before its loop ran, and under systemd stop for good after
 * five quick restarts, with clips piling up and the System page saying only "not running".
 * Here a real relay process, started as its unit starts it, runs beside a real hub and a
 * real S3 server (s3rver): it must stay up, show `misconfigured` with the reason through the
 * hub's System API, keep every clip queued, and upload them all once the settings are fixed.
 */

const PREFIX = 'clips/';

interface RelayProcess {
  stderr: () => string;
  running: () => boolean;
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnRelay(configFile: string): RelayProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.JOURNAL_STREAM;
  delete env.PORCHLIGHT_DATA_DIR;
  delete env.PORCHLIGHT_CONFIG;
  const child = spawn(process.execPath, cliLauncherArgs(['relay', '--config', configFile]), { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  let running = true;
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });
  return {
    stderr: () => err,
    running: () => running,
    stop: async (signal = 'SIGTERM') => {
      if (running) child.kill(signal);
      return exited;
    },
  };
}

describe('a relay whose S3 settings cannot be used stays up, says why on the System page, and uploads once they are fixed', function () {
  this.timeout(120_000);
  let relay: RelayProcess | null = null;
  let t: TestHub | null = null;
  let clips: ClipHub | null = null;
  let s3: S3Peer | null = null;
  // Registered before the temp dir's hook, so the processes stop before their files go.
  afterEach(async () => {
    await relay?.stop('SIGKILL');
    clips?.close();
    await t?.stop();
    await s3?.close();
    relay = null;
    t = null;
    clips = null;
    s3 = null;
  });
  const tmp = useTempDir();

  let installer: SignedIn;
  let owner: SignedIn;

  async function setUp(credentialsFile: string): Promise<{ s3: S3Peer; t: TestHub; clips: ClipHub; configFile: string }> {
    s3 = await startS3(path.join(tmp.dir, 's3'));
    const hubDir = path.join(tmp.dir, 'hub');
    t = await startTestHub(hubDir);
    await addTestUser(t.db, 'installer');
    await addTestUser(t.db, 'owner');
    installer = await signIn(t.base, 'installer', PASSWORDS.installer);
    owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    // Clips through the hub's own ingest path, into the running hub's store.
    clips = await makeClipHub(hubDir);
    const configFile = path.join(tmp.dir, 'porchlight.yaml');
    writeFileSync(
      configFile,
      YAML.stringify({
        dataDir: hubDir,
        log: { level: 'info' },
        relay: {
          target: { type: 's3', endpoint: s3.endpoint, bucket: s3.bucket, prefix: PREFIX, credentialsFile },
          pollSeconds: 0.05,
          probeSeconds: 0.2,
          retryBaseSeconds: 0.2,
          retryMaxSeconds: 1,
        },
      }),
    );
    return { s3, t, clips, configFile };
  }

  /** The relay as the System page shows it (GET /api/system, as the installer). */
  async function cloud(hub: TestHub): Promise<CloudHealth> {
    const res = await call(hub.base, 'GET', '/api/system', { headers: installer.headers });
    assert.equal(res.status, 200, res.body.toString());
    return res.json().cloud as CloudHealth;
  }

  /** Polls the System API while asserting, every time, that the relay process is still running. */
  async function untilCloud(hub: TestHub, proc: RelayProcess, what: string, ok: (c: CloudHealth) => boolean, ms = 60_000): Promise<CloudHealth> {
    let last: CloudHealth | null = null;
    return until(
      what,
      async () => {
        assert.ok(proc.running(), `the relay process exited on its own:\n${proc.stderr().slice(-3000)}`);
        last = await cloud(hub);
        return ok(last) ? last : null;
      },
      ms,
      100,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the System API last said ${JSON.stringify(last)}`, { cause: err });
    });
  }

  it('a credentials file that does not exist, then one with a key the server refuses: misconfigured, naming each problem and the fix; clips kept; all uploaded once the right key is written', async () => {
    const credentialsFile = path.join(tmp.dir, 'keys', 's3.yaml');
    const { s3, t, clips, configFile } = await setUp(credentialsFile);
    await clips.addClip();
    await clips.addClip();
    const proc = (relay = spawnRelay(configFile));

    const bad = await untilCloud(t, proc, 'the System API to show the relay misconfigured', (c) => c.state === 'misconfigured');
    assert.ok(bad.lastError?.includes(credentialsFile), `the reason names the file: ${bad.lastError}`);
    assert.match(bad.lastError ?? '', /does not exist/);
    assert.match(bad.lastError ?? '', /System page/, 'the reason says where to fix it');
    assert.equal(bad.target, `s3://${s3.bucket}/${PREFIX} at ${s3.endpoint}`, 'the page names the target as configured');
    assert.equal(bad.pending, 2);
    const health = await call(t.base, 'GET', '/api/health');
    assert.equal(health.json().cloud.state, 'misconfigured', 'the public health answer (the banner) says so too');

    // Several probe rounds later it is still up, and a clip that arrives meanwhile is queued.
    await sleep(1000);
    assert.ok(proc.running(), `the relay process exited on its own:\n${proc.stderr().slice(-3000)}`);
    await clips.addClip();
    assert.equal((await untilCloud(t, proc, 'the new clip to be counted', (c) => c.pending === 3)).state, 'misconfigured');
    assert.deepEqual(await s3.listObjects(), [], 'nothing was sent anywhere');

    // Half a fix: the file is there, with a key the server does not know (it answers 403).
    mkdirSync(path.dirname(credentialsFile), { recursive: true });
    writeFileSync(credentialsFile, 'accessKeyId: NOBODY\nsecretAccessKey: wrong-secret\n', { mode: 0o600 });
    // Well before the next heartbeat (30 s): a changed reason is written at once.
    const refused = await untilCloud(t, proc, 'the System API to show the new reason', (c) => c.lastError !== bad.lastError, 15_000);
    assert.equal(refused.state, 'misconfigured');
    assert.match(refused.lastError ?? '', /S3 refused .*(access key is not known|refused these credentials)/);
    assert.equal(refused.lastError?.includes('wrong-secret'), false, 'the secret is not shown');
    assert.deepEqual(await s3.listObjects(), []);

    copyFileSync(s3.credentialsFile, credentialsFile);
    const good = await untilCloud(t, proc, 'every clip to upload once the file is there', (c) => c.state === 'online' && c.pending === 0);
    assert.equal(good.lastError, null);
    const objects = await s3.listObjects();
    assert.equal(objects.length, 6, `a clip and a manifest for each of the 3 clips: ${objects.map((o) => o.key).join(', ')}`);
    assert.equal(proc.stderr().split('\n').filter((l) => l.includes('"msg":"the upload target cannot be used as configured')).length, 1, 'the problem is logged once, not once per probe');
    assert.deepEqual(await proc.stop(), { code: 0, signal: null }, `a clean stop:\n${proc.stderr().slice(-2000)}`);
  });

  it('a credentials path that cannot be read as a file: misconfigured; the owner enters the key on the System page and the relay uploads without a restart', async () => {
    const credentialsFile = path.join(tmp.dir, 'not-a-file');
    mkdirSync(credentialsFile);
    const { s3, t, clips, configFile } = await setUp(credentialsFile);
    await clips.addClip();
    const proc = (relay = spawnRelay(configFile));

    const bad = await untilCloud(t, proc, 'the System API to show the relay misconfigured', (c) => c.state === 'misconfigured');
    assert.ok(bad.lastError?.includes(credentialsFile), `the reason names the file: ${bad.lastError}`);
    assert.match(bad.lastError ?? '', /is a folder, not a file/);

    // The Cloud backup panel of the System page: the same bucket, with its key pair.
    const put = await call(t.base, 'PUT', '/api/cloud/target', {
      headers: { ...owner.headers, ...JSON_HEADERS },
      body: JSON.stringify({ type: 's3', endpoint: s3.endpoint, region: 'us-east-1', bucket: s3.bucket, prefix: PREFIX, forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }),
    });
    assert.equal(put.status, 200, put.body.toString());
    await untilCloud(t, proc, 'the clip to upload once the owner saved the key', (c) => c.state === 'online' && c.pending === 0);
    assert.equal((await s3.listObjects()).length, 2);
    assert.deepEqual(await proc.stop(), { code: 0, signal: null }, `a clean stop:\n${proc.stderr().slice(-2000)}`);
  });
});

import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { openManifest } from '../../common/clipManifest';
import { parseConfig } from '../../common/config';
import { createTarget } from '../../common/cloud/targets';
import { LocalRetention } from '../../hub/localRetention';
import { makeRelay } from '../helpers/relay';
import { captureLog } from '../helpers/logCapture';
import { makeClipHub, type ClipHub } from '../helpers/clipFactory';
import { startCuttingProxy } from '../helpers/cuttingProxy';
import { startS3, type S3Peer } from '../helpers/s3';
import { sleep, until } from '../helpers/wait';

// The CLI of the same build as this file (dist/ under `npm test`, any --outDir otherwise):
// bin/porchlight.js always loads dist/, which may be another engineer's build.
const CLI_MAIN = path.join(__dirname, '..', '..', 'cli', 'main.js');
// What bin/porchlight.js does, pointed at CLI_MAIN. With -e, argv[1] is the first argument.
const LAUNCH = `require(process.argv[1]).main(['node', 'porchlight', ...process.argv.slice(2)]).catch((err) => {
  process.stderr.write('porchlight: ' + (err && err.message ? err.message : String(err)) + '\\n');
  process.exit(1);
});`;

const PREFIX = 'clips/';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const between = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));


/** A clip as it was when made: what the bucket must end up holding for it. */
interface LocalClip {
  clipId: string;
  objectName: string;
  bytes: number;
  sha256: string;
}

interface QueueRow {
  clipId: string;
  objectName: string;
  state: string;
  sha256: string | null;
  localDeletedAt: number | null;
}

async function addClips(hub: ClipHub, count: number, plainBytes?: number): Promise<Map<string, LocalClip>> {
  const clips = new Map<string, LocalClip>();
  for (let i = 0; i < count; i++) {
    const { clipId } = await hub.addClip(plainBytes === undefined ? {} : { plainBytes });
    const data = readFileSync(path.join(hub.paths.clips, `${clipId}.plc`));
    const row = hub.db.prepare('SELECT object_name FROM upload_queue WHERE clip_id = ?').get(clipId) as { object_name: string } | undefined;
    assert.ok(row, `clip ${clipId} was queued`);
    clips.set(clipId, { clipId, objectName: row.object_name, bytes: data.length, sha256: sha(data) });
  }
  return clips;
}

function queueRows(hub: ClipHub): QueueRow[] {
  return hub.db
    .prepare(
      `SELECT q.clip_id AS clipId, q.object_name AS objectName, q.state, q.sha256, c.local_deleted_at AS localDeletedAt
       FROM upload_queue q JOIN clips c ON c.id = q.clip_id`,
    )
    .all() as QueueRow[];
}

function pendingCount(hub: ClipHub): number {
  return (hub.db.prepare("SELECT COUNT(*) AS n FROM upload_queue WHERE state = 'pending'").get() as { n: number }).n;
}

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

/**
 * Reads the bucket back with curl straight from s3rver (never through a proxy or the SDK):
 * each clip's object and manifest exactly once, nothing else, and the object's bytes are the
 * clip's as made, as the index recorded and (while it exists) as the hub still holds.
 */
async function assertBucketHoldsEachClipOnce(s3: S3Peer, hub: ClipHub, clips: ReadonlyMap<string, LocalClip>): Promise<void> {
  const rows = queueRows(hub);
  assert.equal(rows.length, clips.size, 'one queue row per clip');
  const objects = await s3.listObjects();
  const expected = rows.flatMap((r) => [`${PREFIX}${r.objectName}.plc`, `${PREFIX}${r.objectName}.plm`]).sort();
  assert.equal(objects.length, 2 * clips.size, `a clip object and a manifest per clip, nothing else (found ${objects.length})`);
  assert.deepEqual(objects.map((o) => o.key).sort(), expected, 'no stray or missing objects');
  const sizes = new Map(objects.map((o) => [o.key, o.size]));
  await inBatches(rows, 8, async (row) => {
    const clip = clips.get(row.clipId);
    assert.ok(clip, `queue row for an unknown clip ${row.clipId}`);
    assert.equal(row.state, 'uploaded', `clip ${row.clipId}`);
    assert.equal(row.sha256, clip.sha256, `clip ${row.clipId}: the index's SHA-256 is the clip's`);
    const key = `${PREFIX}${row.objectName}.plc`;
    assert.equal(sizes.get(key), clip.bytes, `${key}: size`);
    assert.equal(await s3.objectSha256(key), clip.sha256, `${key}: bytes`);
    const local = path.join(hub.paths.clips, `${row.clipId}.plc`);
    if (existsSync(local)) assert.equal(sha(readFileSync(local)), clip.sha256, `clip ${row.clipId}: the local copy is unchanged`);
    // A manifest that names another clip, or an older upload, would restore the wrong footage.
    const manifest = await openManifest(await s3.getObject(`${PREFIX}${row.objectName}.plm`), hub.keys);
    assert.equal(manifest.clipId, row.clipId);
    assert.equal(manifest.sha256, clip.sha256);
  });
}

/** An in-process relay on the real clock, as relay.test.ts drives it, against `endpoint`. */
function startInProcessRelay(hub: ClipHub, s3: S3Peer, endpoint: string) {
  const cfg = parseConfig({
    dataDir: hub.dir,
    relay: {
      target: { type: 's3', endpoint, bucket: s3.bucket, prefix: PREFIX, credentialsFile: s3.credentialsFile },
      pollSeconds: 0.05,
      probeSeconds: 0.2,
      retryBaseSeconds: 0.2,
      retryMaxSeconds: 2,
    },
  });
  const target = createTarget(cfg);
  const { relay, lost, retention } = makeRelay(hub, cfg.relay, target);
  const states: string[] = [];
  relay.on('state', (s: string) => states.push(s));
  relay.start();
  // The hub's half of retention runs beside the relay, as on a Pi.
  retention.start();
  return {
    relay,
    states,
    lost,
    stop: async () => {
      await relay.stop();
      await retention.stop();
      target.close();
    },
  };
}

interface RelayProcess {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly running: boolean;
}

function spawnRelay(configFile: string): RelayProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, PORCHLIGHT_LOG_LEVEL: 'info' };
  delete env.PORCHLIGHT_DATA_DIR;
  const child = spawn(process.execPath, ['-e', LAUNCH, CLI_MAIN, 'relay', '--config', configFile], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  let running = true;
  child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
    child.on('error', () => {
      running = false;
      resolve({ code: null, signal: null });
    });
  });
  return {
    child,
    stderr: () => err,
    exited,
    get running() {
      return running;
    },
  };
}

/**
 * Polls the hub's clip folder and, the moment a clip file is gone, reads s3rver's own file
 * for that object: the local copy may only go once the bucket holds every byte of it.
 */
function watchLocalDeletions(clipsDir: string, s3: S3Peer, clips: ReadonlyMap<string, LocalClip>) {
  const present = new Set([...clips.keys()].filter((id) => existsSync(path.join(clipsDir, `${id}.plc`))));
  const violations: string[] = [];
  let deletions = 0;
  const tick = () => {
    const now = new Set(readdirSync(clipsDir));
    for (const id of present) {
      if (now.has(`${id}.plc`)) continue;
      present.delete(id);
      deletions++;
      const clip = clips.get(id);
      if (!clip) continue;
      // s3rver's filesystem store: <dir>/<bucket>/<key>._S3rver_object.
      const stored = path.join(s3.dir, s3.bucket, ...`${PREFIX}${clip.objectName}.plc`.split('/')) + '._S3rver_object';
      let data: Buffer;
      try {
        data = readFileSync(stored);
      } catch (err) {
        violations.push(`${id}: local copy deleted while the bucket has no object (${(err as NodeJS.ErrnoException).code})`);
        continue;
      }
      if (data.length !== clip.bytes) violations.push(`${id}: local copy deleted while the bucket holds ${data.length} of ${clip.bytes} bytes`);
      else if (sha(data) !== clip.sha256) violations.push(`${id}: local copy deleted while the bucket holds other bytes`);
    }
  };
  const timer = setInterval(tick, 20);
  return {
    violations,
    deletions: () => deletions,
    /** A clip that arrived after the watch began; its file must exist now. */
    add: (id: string) => void present.add(id),
    stop: () => {
      clearInterval(timer);
      tick();
    },
  };
}

describe('cloud relay under faults', function () {
  this.timeout(300_000);
  let dir = '';
  // Run in reverse in afterEach, before the temp dir goes: whatever a test started.
  let cleanups: Array<() => unknown> = [];
  const onCleanup = (fn: () => unknown) => void cleanups.push(fn);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'porchlight-faults-'));
    cleanups = [];
  });

  afterEach(async () => {
    const errors: unknown[] = [];
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    }
    cleanups = [];
    if (!process.env.PORCHLIGHT_KEEP_TMP && dir) rmSync(dir, { recursive: true, force: true });
    if (errors.length > 0) throw errors[0];
  });

  async function setUp(): Promise<{ s3: S3Peer; hub: ClipHub }> {
    const s3 = await startS3(path.join(dir, 's3'));
    onCleanup(() => s3.close());
    const hub = await makeClipHub(path.join(dir, 'hub'));
    onCleanup(() => hub.close());
    return { s3, hub };
  }

  it('the S3 server stopped and restarted at random moments during a backlog of 200 clips', async () => {
    const { s3, hub } = await setUp();
    const clips = await addClips(hub, 200);
    const run = startInProcessRelay(hub, s3, s3.endpoint);
    onCleanup(run.stop);

    let outagesDuringBacklog = 0;
    for (let i = 0; i < 15; i++) {
      await sleep(between(50, 500));
      if (run.relay.queue.counts().pending > 0) outagesDuringBacklog++;
      await s3.stop();
      await sleep(between(50, 500));
      await s3.start();
    }
    await until('the backlog to drain', () => run.relay.queue.counts().pending === 0, 180_000);
    await run.stop();

    // Otherwise the faults missed the backlog and the test proved nothing.
    assert.ok(outagesDuringBacklog > 0, 'some outages hit while clips were pending');
    assert.ok(run.states.includes('offline'), `the relay noticed an outage (states: ${run.states.join(', ')})`);
    assert.equal(run.relay.status.state, 'online');
    assert.deepEqual(run.lost, []);
    await assertBucketHoldsEachClipOnce(s3, hub, clips);
  });

  it('a proxy that cuts connections mid-upload', async () => {
    const { s3, hub } = await setUp();
    // The SDK keeps connections alive: one that is never cut would carry every later request
    // and the faults would stop after the first few. So the other half is cut too, only later
    // (after a few clips' worth): every connection meets a cut sooner or later.
    const proxy = await startCuttingProxy(s3.port, { cutAfterBytes: () => (Math.random() < 0.5 ? between(200, 60_000) : between(200_000, 1_500_000)) });
    onCleanup(() => proxy.close());
    const clips = await addClips(hub, 40, 200_000);
    const run = startInProcessRelay(hub, s3, `http://127.0.0.1:${proxy.port}`);
    onCleanup(run.stop);

    await until('the backlog to drain', () => run.relay.queue.counts().pending === 0, 180_000);
    await run.stop();

    assert.ok(proxy.cuts > 0, `the proxy cut connections (${proxy.cuts} of ${proxy.connections})`);
    assert.deepEqual(run.lost, []);
    await assertBucketHoldsEachClipOnce(s3, hub, clips);
  });

  it('the relay killed with SIGKILL at 50 random moments', async () => {
    const { s3, hub } = await setUp();
    const KILLS = 50;
    // Local copies go by the hub's retention (run here, in the test's process, as the hub runs
    // it beside the relay), and only once uploaded, so with all 120 clips queued up front every
    // local deletion would come in one burst after the backlog. Clips that keep arriving during
    // the kills, as from a recording camera, interleave uploads and retention.
    const UP_FRONT = 40;
    const ARRIVING = 80;
    const QUOTA = 1024 * 1024;
    // minFreeBytes 0: the disk the test runs on must not decide which clips are lost.
    const RETENTION = { localQuotaBytes: QUOTA, minFreeBytes: 0, checkSeconds: 0.1 };
    const clips = await addClips(hub, UP_FRONT, 60_000);
    const configFile = path.join(dir, 'relay.yaml');
    writeFileSync(
      configFile,
      YAML.stringify({
        dataDir: hub.dir,
        relay: {
          target: { type: 's3', endpoint: s3.endpoint, bucket: s3.bucket, prefix: PREFIX, credentialsFile: s3.credentialsFile },
          pollSeconds: 0.05,
          probeSeconds: 0.2,
          retryBaseSeconds: 0.2,
          retryMaxSeconds: 1,
          bandwidthBytesPerSecond: 2_000_000,
          retention: RETENTION,
        },
      }),
    );

    let current: RelayProcess | null = null;
    onCleanup(async () => {
      if (current?.running) {
        current.child.kill('SIGKILL');
        await current.exited;
      }
    });
    const watcher = watchLocalDeletions(hub.paths.clips, s3, clips);
    onCleanup(watcher.stop);
    // The hub's half of retention runs all along, as the hub does whatever becomes of the relay:
    // the local copies it deletes are the ones the watcher checks against the bucket.
    const hubLost: string[] = [];
    const hubRetention = new LocalRetention({
      db: hub.db,
      clipsDir: hub.paths.clips,
      policy: parseConfig({ relay: { retention: RETENTION } }).relay.retention,
      log: captureLog().log,
      now: Date.now,
      freeBytes: async () => 100 * 1024 ** 3,
      onLost: async (id) => void hubLost.push(id),
    });
    hubRetention.start();
    onCleanup(() => hubRetention.stop());
    const arrive = async () => {
      for (const [id, clip] of await addClips(hub, 1, 60_000)) {
        clips.set(id, clip);
        watcher.add(id);
      }
    };

    const kills = { pending: 0, idle: 0 };
    for (let i = 0; i < KILLS; i++) {
      const proc = spawnRelay(configFile);
      current = proc;
      // Counted from when the relay is up: loading its modules takes about a second here, and
      // kills during that second would not meet an upload or a retention pass.
      await until(`run ${i + 1} to start`, () => {
        assert.ok(proc.running, `run ${i + 1}: the relay exited on its own:\n${proc.stderr().slice(-2000)}`);
        return proc.stderr().includes('"msg":"relay started"');
      }, 30_000);
      const killAt = Date.now() + between(300, 1500);
      const arrivals = Math.round((ARRIVING * (i + 1)) / KILLS) - (clips.size - UP_FRONT);
      const arrivalTimes = Array.from({ length: arrivals }, () => between(Date.now(), killAt));
      // One clip lands just before the kill, so that many kills meet its upload or the
      // retention pass that follows it rather than an idle relay.
      if (arrivalTimes.length > 0) arrivalTimes[0] = killAt - between(0, 200);
      arrivalTimes.sort((a, b) => a - b);
      for (const at of arrivalTimes) {
        await sleep(at - Date.now());
        await arrive();
      }
      await sleep(killAt - Date.now());
      assert.ok(proc.running, `run ${i + 1}: the relay exited on its own:\n${proc.stderr().slice(-2000)}`);
      if (pendingCount(hub) > 0) kills.pending++;
      else kills.idle++;
      proc.child.kill('SIGKILL');
      const { signal } = await proc.exited;
      assert.equal(signal, 'SIGKILL', `run ${i + 1}`);
    }
    assert.equal(clips.size, UP_FRONT + ARRIVING);
    const deletedDuringKills = watcher.deletions();

    const last = spawnRelay(configFile);
    current = last;
    const indexedLocalBytes = () =>
      (hub.db.prepare('SELECT COALESCE(SUM(cipher_bytes), 0) AS n FROM clips WHERE local_deleted_at IS NULL').get() as { n: number }).n;
    // Retention too must have caught up, not only the uploads: the checks below are about both.
    // The kills may have left nothing to do, so the relay must at least be up (and have its
    // SIGTERM handler) before it is told to stop.
    await until('the backlog to drain and retention to catch up after the kills', () => {
      assert.ok(last.running, `the last relay exited on its own:\n${last.stderr().slice(-2000)}`);
      return last.stderr().includes('"msg":"relay started"') && pendingCount(hub) === 0 && indexedLocalBytes() <= QUOTA;
    }, 120_000);
    last.child.kill('SIGTERM');
    const ended = await Promise.race([last.exited, sleep(20_000).then(() => null)]);
    assert.ok(ended, `the relay did not exit within 20 s of SIGTERM:\n${last.stderr().slice(-2000)}`);
    assert.deepEqual(ended, { code: 0, signal: null }, `SIGTERM is a clean stop:\n${last.stderr().slice(-2000)}`);
    await hubRetention.stop();
    watcher.stop();

    console.log(
      `      kills: ${kills.pending} with uploads pending, ${kills.idle} with the queue empty; ` +
        `retention deleted ${watcher.deletions()} local copies, ${deletedDuringKills} of them while the relay was being killed`,
    );
    assert.deepEqual(watcher.violations, [], 'no local copy deleted before the bucket held all of it');
    assert.deepEqual(hubLost, [], 'no clip lost: there was room on the disk');
    // Otherwise the watcher had nothing to watch while the kills went on.
    assert.ok(deletedDuringKills > 0, 'retention deleted local copies while the relay was being killed');
    await assertBucketHoldsEachClipOnce(s3, hub, clips);
    for (const row of queueRows(hub)) {
      const local = existsSync(path.join(hub.paths.clips, `${row.clipId}.plc`));
      if (!local) {
        assert.notEqual(row.localDeletedAt, null, `clip ${row.clipId}: its file is gone, so the index must say so`);
        assert.equal(row.state, 'uploaded', `clip ${row.clipId}`);
      } else {
        assert.equal(row.localDeletedAt, null, `clip ${row.clipId}: the index says deleted, the file is still there`);
      }
    }
  });
});

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { openRelay } from '../../cloud-relay/relayService';
import { ClipEncryptor } from '../../common/clipEnvelope';
import { ManualClock } from '../../common/clock';
import { DirectoryTarget } from '../../common/cloud/directoryTarget';
import { parseConfig } from '../../common/config';
import { generateFootageKeyPair } from '../../common/footageKeys';
import { openDatabase, type DB } from '../../common/database';
import { hubPaths } from '../../common/dataLayout';
import { createLogger } from '../../common/logger';
import { Hub } from '../../hub/hub';
import { openPairingWindow } from '../../hub/pairing';
import { makeClipHub, type ClipHub } from '../helpers/clipFactory';
import { addTestUser, FakeClock } from '../helpers/hub';
import { captureLog } from '../helpers/logCapture';
import { makeRelay } from '../helpers/relay';
import { makeTestMp4 } from '../helpers/media';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/*
 * The hub protects its own disk. The fault: the relay process is gone — killed with SIGKILL
 * after it backed up one clip — and the cameras keep recording onto a disk that would fill.
 * The disk is a pretend one (its free space is a fixed size minus the clips on it, the way the
 * relay tests pass freeBytes), so the test runs anywhere; real full disks are diskFaults'.
 */

// The CLI of the same build as this file, launched as bin/porchlight.js does (see relayFaults).
const CLI_MAIN = path.join(__dirname, '..', '..', 'cli', 'main.js');
const LAUNCH = `require(process.argv[1]).main(['node', 'porchlight', ...process.argv.slice(2)]).catch((err) => {
  process.stderr.write('porchlight: ' + (err && err.message ? err.message : String(err)) + '\\n');
  process.exit(1);
});`;

describe("the hub's own disk protection (local retention) without the relay", function () {
  this.timeout(120_000);
  const stops: Array<() => unknown> = [];
  // Registered before useTempDir's hook: the hub and the relay stop before their folder goes.
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  const tmp = useTempDir();

  it('relay killed, disk filling: the hub deletes the backed-up copy first, then the oldest clips not backed up — each audited as clip.lost, every owner told — and the cameras keep recording', async () => {
    const hubDir = path.join(tmp.dir, 'hub');
    const cloudDir = path.join(tmp.dir, 'cloud');
    const work = path.join(tmp.dir, 'work');
    mkdirSync(work, { recursive: true });
    const mp4 = makeTestMp4(work, 2);
    const plain = Buffer.concat([mp4, Buffer.alloc(Math.max(0, 150_000 - mp4.length), 7)]);
    const paths = hubPaths(hubDir);

    const seal = async (publicKey: Uint8Array, clipId: string, deviceId: string) => {
      const enc = await ClipEncryptor.create({ publicKey }, { clipId, deviceId });
      return Buffer.concat([enc.header, ...enc.push(plain), enc.final()]);
    };
    // Every clip has the same plaintext, so the same size whatever the key: the pretend disk
    // has room for three clips above minFreeBytes, so without retention a sixth would not fit.
    const clipBytes = (await seal((await generateFootageKeyPair()).publicKey, randomUUID(), randomUUID())).length;
    const minFree = Math.round(2.25 * clipBytes);
    const capacity = minFree + Math.round(3.5 * clipBytes);
    assert.ok(capacity < 6 * clipBytes);
    const onDisk = () => readdirSync(paths.clips).filter((n) => n.endsWith('.plc'));
    const used = () => onDisk().reduce((sum, n) => sum + statSync(path.join(paths.clips, n)).size, 0);
    const free = () => capacity - used();

    const relaySection = {
      target: { type: 'directory', path: cloudDir },
      pollSeconds: 0.05,
      probeSeconds: 0.2,
      retention: { minFreeBytes: minFree, checkSeconds: 0.1 },
    };
    const config = parseConfig({ dataDir: hubDir, hub: { host: '127.0.0.1', httpsPort: 0, httpPort: 0 }, relay: relaySection });
    const hub = new Hub(config, createLogger('hub-test', 'error'), new FakeClock().now, async () => free());
    const runtime = await hub.start();
    stops.push(() => hub.stop());
    const base = `https://127.0.0.1:${runtime.httpsPort}`;
    const db: DB = openDatabase(paths.db);
    stops.push(() => db.close());
    await addTestUser(db, 'owner');
    await addTestUser(db, 'owner', 'second-owner');

    const pairing = await pairWithHub(base, (await openPairingWindow(db, 60_000)).code, 'porch');
    const camera = new HubClient({ ...pairing, name: 'porch', hubUrl: base });
    stops.push(() => camera.close());
    const publicKey = new Uint8Array(Buffer.from(pairing.footagePublicKey, 'base64'));
    const record = async (startedAt: number): Promise<string> => {
      const clipId = randomUUID();
      const file = path.join(work, `${clipId}.plc`);
      writeFileSync(file, await seal(publicKey, clipId, pairing.deviceId));
      // Resolves only when the hub stored and acknowledged the clip.
      await camera.uploadClip({ clipId, startedAt, endedAt: startedAt + 2000, mediaStart: 0, mediaEnd: 2, trigger: 'motion' }, file);
      return clipId;
    };
    const queueState = (clipId: string) => (db.prepare('SELECT state FROM upload_queue WHERE clip_id = ?').get(clipId) as { state: string } | undefined)?.state;
    const T = Date.now() - 3_600_000;
    const minute = 60_000;

    // The relay runs, backs up one clip — the newest of the first three — and is killed.
    const configFile = path.join(tmp.dir, 'relay.yaml');
    writeFileSync(configFile, YAML.stringify({ dataDir: hubDir, relay: relaySection }));
    const env: NodeJS.ProcessEnv = { ...process.env, PORCHLIGHT_LOG_LEVEL: 'info' };
    delete env.PORCHLIGHT_DATA_DIR;
    const relayProc = spawn(process.execPath, ['-e', LAUNCH, CLI_MAIN, 'relay', '--config', configFile], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => relayProc.on('exit', (_code, signal) => resolve(signal)));
    stops.push(async () => {
      if (relayProc.exitCode === null && relayProc.signalCode === null) relayProc.kill('SIGKILL');
      await exited;
    });
    const backedUp = await record(T + 3 * minute);
    assert.equal(statSync(path.join(paths.clips, `${backedUp}.plc`)).size, clipBytes);
    await until('the relay to back up the first clip', () => queueState(backedUp) === 'uploaded', 30_000);
    relayProc.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    const older1 = await record(T + 1 * minute);
    const older2 = await record(T + 2 * minute);
    const recorded = [older1, older2, backedUp];
    // Twelve more clips, one after another, on a disk that holds six: every one is accepted.
    for (let i = 0; i < 12; i++) {
      assert.ok(free() >= clipBytes, `clip ${i + 1}: the disk has room for it (${free()} bytes free)`);
      recorded.push(await record(T + (4 + i) * minute));
      await until(`the hub to make room after clip ${i + 1}`, () => free() >= minFree, 10_000);
    }
    // Passes run one at a time: once this one is done, the one that made the room has audited and told.
    await hub.retention!.pass();

    // What went, in order: the backed-up copy first although two clips were older, then the
    // oldest clips that were not backed up.
    const audited = db.prepare("SELECT target, actor, detail FROM audit_log WHERE action = 'clip.lost' ORDER BY seq").all() as Array<{ target: string; actor: string; detail: string }>;
    const lost = audited.map((a) => a.target);
    const stillHere = new Set(onDisk().map((n) => n.replace(/\.plc$/, '')));
    const gone = recorded.filter((id) => !stillHere.has(id));
    assert.ok(!lost.includes(backedUp), 'the backed-up clip is not lost: it is in the cloud');
    assert.deepEqual(gone.filter((id) => id !== backedUp), lost, 'every clip deleted without a backup is audited as clip.lost, oldest first');
    assert.deepEqual(lost.slice(0, 2), [older1, older2]);
    assert.ok(lost.length >= 9, `the disk stayed protected through the recording (${lost.length} lost)`);
    for (const a of audited) assert.match(a.detail, /disk-full/);
    const backedUpRow = db.prepare('SELECT c.local_deleted_at AS localDeletedAt, q.state FROM clips c JOIN upload_queue q ON q.clip_id = c.id WHERE c.id = ?').get(backedUp) as { localDeletedAt: number | null; state: string };
    assert.notEqual(backedUpRow.localDeletedAt, null, 'the backed-up clip lost only its local copy');
    assert.equal(backedUpRow.state, 'uploaded');
    const newest = recorded.slice(-3);
    for (const id of newest) assert.ok(stillHere.has(id), 'the newest clips are on the hub');

    // Every owner told, once per lost clip.
    const owners = db.prepare("SELECT id FROM users WHERE role = 'owner'").all() as Array<{ id: number }>;
    assert.equal(owners.length, 2);
    for (const o of owners) {
      const notices = db.prepare("SELECT message FROM notifications WHERE user_id = ? AND kind = 'clip-lost'").all(o.id) as Array<{ message: string }>;
      assert.equal(notices.length, lost.length);
      assert.match(notices[0]!.message, /disk was full/);
    }

    // The queue says what happened: a relay started again uploads only the clips still on the
    // hub, forgets the lost ones (no copy anywhere) and keeps the backed-up one (cloud only).
    const logs = captureLog();
    const service = await openRelay(parseConfig({ dataDir: hubDir, relay: relaySection }), hubDir, logs.log);
    stops.push(() => service.close());
    await service.relay.pass();
    for (const id of lost) assert.equal(queueState(id), undefined, `lost clip ${id} is forgotten`);
    assert.equal(queueState(backedUp), 'uploaded');
    for (const id of stillHere) assert.equal(queueState(id), 'uploaded', `clip ${id} still on the hub is backed up`);
    assert.equal(service.relay.uploaded, stillHere.size, 'nothing else was uploaded');
    assert.deepEqual(logs.lines.filter((l) => l.level >= 50), [], 'no errors');
  });
});

describe('the two halves of retention, hub and relay, in either order', function () {
  this.timeout(60_000);
  const DAY = 86_400_000;
  let hub: ClipHub | null = null;
  afterEach(() => {
    hub?.close();
    hub = null;
  });
  const tmp = useTempDir();

  async function setUp() {
    hub = await makeClipHub(path.join(tmp.dir, 'hub'));
    const clock = new ManualClock(Date.now());
    // The defaults: localDays and cloudDays both 30, so both halves want the same clip on the same day.
    const cfg = parseConfig({ dataDir: hub.dir, relay: { target: { type: 'directory', path: path.join(tmp.dir, 'cloud') }, retention: { checkSeconds: 60 } } });
    const target = new DirectoryTarget(path.join(tmp.dir, 'cloud'));
    const { relay, retention, lost } = makeRelay(hub, cfg.relay, target, clock);
    const h = hub;
    const copies = (clipId: string) => {
      const row = h.db.prepare('SELECT c.local_deleted_at AS l, q.state, q.cloud_deleted_at AS c FROM clips c JOIN upload_queue q ON q.clip_id = c.id WHERE c.id = ?').get(clipId) as { l: number | null; state: string; c: number | null } | undefined;
      if (!row) return 'forgotten';
      return `${row.l === null ? 'local' : 'no local'}, ${row.state === 'uploaded' && row.c === null ? 'in cloud' : 'not in cloud'}`;
    };
    const relayPass = async () => {
      clock.advance(61_000);
      await relay.pass();
    };
    return { hub: h, clock, relay, retention, lost, copies, relayPass, onHub: (id: string) => existsSync(path.join(h.paths.clips, `${id}.plc`)) };
  }

  it('the relay removes the cloud copy first: the hub still removes its copy, as retention rather than a lost clip, and only then does the relay forget the clip', async () => {
    const t = await setUp();
    const { clipId } = await t.hub.addClip({ startedAt: t.clock.now() - 31 * DAY });
    await t.relayPass(); // uploads it, then cloud retention removes the cloud copy at once
    assert.equal(t.copies(clipId), 'local, not in cloud');
    await t.relayPass();
    assert.equal(t.copies(clipId), 'local, not in cloud', 'the relay does not forget a clip whose file the hub still holds');
    assert.ok(t.onHub(clipId), 'the relay deletes no clip file');
    const result = await t.retention.pass();
    assert.deepEqual(result.plan.deleteLocal.map((d) => [d.id, d.reason]), [[clipId, 'age']]);
    assert.ok(!t.onHub(clipId));
    assert.deepEqual(t.lost, [], 'its backup lived out cloudDays: not lost');
    await t.relayPass();
    assert.equal(t.copies(clipId), 'forgotten');
  });

  it('the hub removes its copy first: the relay then removes the cloud copy and forgets the clip in one pass', async () => {
    const t = await setUp();
    const { clipId } = await t.hub.addClip({ startedAt: t.clock.now() - DAY });
    await t.relayPass();
    assert.equal(t.copies(clipId), 'local, in cloud');
    t.clock.advance(30 * DAY);
    await t.retention.pass();
    assert.equal(t.copies(clipId), 'no local, in cloud');
    assert.deepEqual(t.lost, []);
    await t.relayPass();
    assert.equal(t.copies(clipId), 'forgotten');
  });

  it('a clip not backed up keeps its copy on the hub whatever its age or the quota, and the relay never forgets it', async () => {
    const t = await setUp();
    const { clipId } = await t.hub.addClip({ startedAt: t.clock.now() - 400 * DAY });
    await t.retention.pass();
    t.relay.queue.markFailed(clipId, 'offline', t.clock.now() + 365 * DAY);
    await t.relayPass();
    assert.equal(t.copies(clipId), 'local, not in cloud');
    assert.ok(t.onHub(clipId));
    assert.deepEqual(t.lost, []);
  });
});

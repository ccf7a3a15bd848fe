import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../common/config';
import { systemClock } from '../../common/clock';
import { Readable } from 'node:stream';
import { ClipStore } from '../../hub/clipStore';
import type { ClipStoreError } from '../../hub/clipStoreError';
import { DirectoryTarget } from '../../common/cloud/directoryTarget';
import { Relay } from '../../cloud-relay/relay';
import { openRelay } from '../../cloud-relay/relayService';
import { AuditLog } from '../../common/auditLog';
import { diskFreeBytes } from '../../common/diskSpace';
import { createMailer } from '../../common/mailer';
import { LocalRetention, reportLostClip } from '../../hub/localRetention';
import { makeClipHub, type ClipHub } from '../helpers/clipFactory';
import { addTestUser } from '../helpers/hub';
import { captureLog } from '../helpers/logCapture';
import { skipBecause } from '../helpers/skip';
import { useTempDir } from '../helpers/tmp';

/*
 * Real full and read-only filesystems: small tmpfs mounts. They need root (CI runs as root);
 * elsewhere the tests are skipped, saying why.
 */
function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    // not mounted
  }
}

describe('full and read-only disks', function () {
  this.timeout(60_000);
  const mounts: string[] = [];
  let hub: ClipHub | null = null;
  // Registered before useTempDir's hook so the mounts are gone before the temp dir is removed.
  afterEach(() => {
    hub?.close();
    hub = null;
    for (const m of mounts.splice(0)) unmount(m);
  });
  const tmp = useTempDir();

  function disk(name: string, size: string, ctx: Mocha.Context): string {
    const dir = path.join(tmp.dir, name);
    if (!mountTmpfs(dir, size)) skipBecause(ctx, 'cannot mount a tmpfs (that needs root)');
    mounts.push(dir);
    return dir;
  }

  it("the hub refuses a clip with 507 when its disk is full or read-only, and keeps no partial file", async function () {
    const dir = disk('hub', '4m', this);
    hub = await makeClipHub(dir);
    await hub.addClip();
    const before = readdirSync(hub.paths.clips).length;
    await assert.rejects(hub.addClip({ plainBytes: 6 * 1024 * 1024 }), (err: ClipStoreError) => err.statusCode === 507 && err.code === 'HUB_DISK_FULL' && /disk is full/.test(err.message));
    assert.equal(readdirSync(hub.paths.clips).length, before, 'no partial clip');
    assert.deepEqual(readdirSync(hub.paths.tmp), [], 'no temp file left');
    assert.equal((hub.db.prepare('SELECT COUNT(*) AS n FROM clips').get() as { n: number }).n, 1);

    // Read-only: the clip folders on a filesystem remounted read-only (an SD card failing).
    const ro = disk('ro', '1m', this);
    mkdirSync(path.join(ro, 'clips'));
    mkdirSync(path.join(ro, 'tmp'));
    execFileSync('mount', ['-o', 'remount,ro', ro]);
    const store = new ClipStore(hub.db, path.join(ro, 'clips'), path.join(ro, 'tmp'), hub.keys, 1e9);
    await assert.rejects(
      store.ingest(hub.deviceId, { clipId: '00000000-0000-4000-8000-000000000000', startedAt: 1, endedAt: 2, mediaStart: 0, mediaEnd: 1, trigger: 'motion' }, Readable.from([Buffer.alloc(10)])),
      (err: ClipStoreError) => err.statusCode === 507 && err.code === 'HUB_DISK_READ_ONLY',
    );
    assert.equal((hub.db.prepare('SELECT COUNT(*) AS n FROM clips').get() as { n: number }).n, 1);
  });

  it('a full target folder (a NAS share) is reported as such; the clip stays on the hub and nothing partial is left there', async function () {
    const nas = disk('nas', '1m', this);
    hub = await makeClipHub(path.join(tmp.dir, 'hub'));
    const { clipId } = await hub.addClip({ plainBytes: 2 * 1024 * 1024 });
    const cfg = parseConfig({ dataDir: hub.dir, relay: { target: { type: 'directory', path: nas } } });
    const logs = captureLog();
    const relay = new Relay({
      db: hub.db, clipsDir: hub.paths.clips, target: new DirectoryTarget(nas), publicKey: hub.keys.publicKey, clock: systemClock,
      log: logs.log, config: cfg.relay,
    });
    await relay.pass();
    assert.equal(relay.status.state, 'offline');
    assert.match(relay.status.lastError ?? '', /is full \(ENOSPC\)/);
    assert.deepEqual(readdirSync(nas), [], 'no partial object');
    assert.ok(readdirSync(hub.paths.clips).includes(`${clipId}.plc`));
    assert.equal(relay.queue.counts().pending, 1);
  });

  it('when the disk would fill while the cloud is down, the hub deletes the oldest clip not yet uploaded — audited, and every owner told', async function () {
    const dir = disk('hub', '6m', this);
    hub = await makeClipHub(dir);
    await addTestUser(hub.db, 'owner');
    const clips = [];
    for (let i = 0; i < 4; i++) clips.push((await hub.addClip({ plainBytes: 1024 * 1024 })).clipId);
    // The cloud is unreachable (nothing listens on port 9), so nothing can be uploaded.
    const cfg = parseConfig({
      dataDir: dir,
      relay: {
        target: { type: 's3', endpoint: 'http://127.0.0.1:9', bucket: 'footage', credentialsFile: path.join(tmp.dir, 'none.yaml') },
        retention: { minFreeBytes: 2 * 1024 * 1024, localQuotaBytes: 1024 * 1024 },
      },
    });
    writeFileSync(path.join(tmp.dir, 'none.yaml'), 'accessKeyId: a\nsecretAccessKey: b\n');
    const logs = captureLog();
    const service = await openRelay(cfg, dir, logs.log);
    try {
      await service.relay.pass();
    } finally {
      await service.close();
    }
    assert.equal(readdirSync(hub.paths.clips).length, 4, 'the relay deletes no clip file: local copies are the hub\'s');
    // The hub's retention, wired as the hub wires it: the real disk's free space, the real audit log and notices.
    const retention = new LocalRetention({
      db: hub.db,
      clipsDir: hub.paths.clips,
      policy: cfg.relay.retention,
      log: logs.log,
      now: Date.now,
      freeBytes: () => diskFreeBytes(hub!.paths.clips),
      onLost: reportLostClip({ db: hub.db, audit: new AuditLog(hub.db, hub.paths.auditHead), mailer: await createMailer(undefined, logs.log), log: logs.log, now: Date.now }),
    });
    await retention.pass();
    const left = readdirSync(hub.paths.clips);
    assert.ok(!left.includes(`${clips[0]}.plc`), 'the oldest went');
    assert.ok(left.includes(`${clips[3]}.plc`), 'the newest stayed');
    const lost = hub.db.prepare("SELECT target FROM audit_log WHERE action = 'clip.lost'").all() as Array<{ target: string }>;
    assert.ok(lost.length >= 1 && lost[0]!.target === clips[0]);
    const notices = hub.db.prepare("SELECT message FROM notifications WHERE kind = 'clip-lost'").all() as Array<{ message: string }>;
    assert.equal(notices.length, lost.length);
    assert.match(notices[0]!.message, /disk was full/);
    assert.equal(relay_pending(hub), 4 - lost.length);
  });
});

function relay_pending(hub: ClipHub): number {
  return (hub.db.prepare("SELECT COUNT(*) AS n FROM upload_queue q JOIN clips c ON c.id = q.clip_id WHERE q.state = 'pending' AND c.local_deleted_at IS NULL").get() as { n: number }).n;
}

import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { parseConfig } from '../../common/config';
import { ManualClock } from '../../common/clock';
import { openManifest } from '../../common/clipManifest';
import { readCloudHealth } from '../../common/cloud/cloudHealth';
import { createTarget } from '../../common/cloud/targets';
import type { UploadTarget } from '../../common/cloud/uploadTarget';
import { makeClipHub, type ClipHub } from '../helpers/clipFactory';
import { makeRelay } from '../helpers/relay';
import { startS3, type S3Peer } from '../helpers/s3';
import { useTempDir } from '../helpers/tmp';
import { sleep, until } from '../helpers/wait';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');


export function s3Relay(s3: S3Peer, dataDir: string, relay: Record<string, unknown> = {}, target: Record<string, unknown> = {}) {
  return parseConfig({
    dataDir,
    relay: {
      target: { type: 's3', endpoint: s3.endpoint, bucket: s3.bucket, prefix: 'clips/', credentialsFile: s3.credentialsFile, ...target },
      pollSeconds: 0.05,
      probeSeconds: 0.2,
      retryBaseSeconds: 30,
      retryMaxSeconds: 300,
      ...relay,
    },
  });
}

describe('cloud relay against a real S3 server (s3rver on loopback)', function () {
  this.timeout(120_000);
  const tmp = useTempDir();
  let s3: S3Peer;
  let hub: ClipHub;
  let target: UploadTarget | null = null;

  beforeEach(async () => {
    s3 = await startS3(path.join(tmp.dir, 's3'));
    hub = await makeClipHub(path.join(tmp.dir, 'hub'));
  });
  afterEach(async () => {
    target?.close();
    target = null;
    hub.close();
    await s3.close();
  });

  it('uploads each clip and its sealed manifest, small ones in one PUT and large ones in parts, verified by an independent client', async () => {
    const small = await hub.addClip({ plainBytes: 200_000 });
    const large = await hub.addClip({ plainBytes: 11 * 1024 * 1024 });
    const cfg = s3Relay(s3, hub.dir, { multipartThresholdBytes: 5 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 });
    target = createTarget(cfg);
    const { relay } = makeRelay(hub, cfg.relay, target);
    await relay.pass();
    assert.equal(relay.uploaded, 2);

    const objects = await s3.listObjects();
    assert.equal(objects.length, 4, 'a clip object and a manifest per clip, nothing else');
    for (const { clipId, plain } of [small, large]) {
      const row = hub.db.prepare('SELECT object_name, sha256, state FROM upload_queue WHERE clip_id = ?').get(clipId) as { object_name: string; sha256: string; state: string };
      assert.equal(row.state, 'uploaded');
      const local = readFileSync(path.join(hub.paths.clips, `${clipId}.plc`));
      // curl, not the AWS SDK, reads the objects back.
      assert.equal(await s3.objectSha256(`clips/${row.object_name}.plc`), sha(local));
      assert.equal(row.sha256, sha(local));
      assert.ok(!objects.some((o) => o.key.includes(clipId)), 'object names are opaque: no clip id in them');
      const manifest = await openManifest(await s3.getObject(`clips/${row.object_name}.plm`), hub.keys);
      assert.equal(manifest.clipId, clipId);
      assert.equal(manifest.deviceName, 'porch');
      assert.equal(manifest.plainBytes, plain.length);
      assert.ok(!(await s3.getObject(`clips/${row.object_name}.plm`)).includes(Buffer.from('porch')), 'the manifest is sealed, not readable');
    }
  });

  it('keeps to the bandwidth cap across a backlog of clips, not per clip', async () => {
    for (let i = 0; i < 6; i++) await hub.addClip({ plainBytes: 50_000 });
    const bytes = (hub.db.prepare('SELECT SUM(cipher_bytes) AS n FROM clips').get() as { n: number }).n;
    const cfg = s3Relay(s3, hub.dir, { bandwidthBytesPerSecond: 100_000 });
    target = createTarget(cfg);
    const { relay } = makeRelay(hub, cfg.relay, target);
    const t0 = Date.now();
    await relay.pass();
    assert.equal(relay.uploaded, 6);
    // About 300 KB at 100 KB/s, less one quarter-second burst for the whole backlog.
    const least = ((bytes - 25_000) / 100_000) * 1000;
    assert.ok(Date.now() - t0 >= least, `took ${Date.now() - t0} ms for ${bytes} bytes`);
  });

  it('offline: says so once (log and hub health), keeps clips local, and drains oldest first as soon as the target is back', async () => {
    const clips = [];
    for (let i = 0; i < 5; i++) clips.push((await hub.addClip()).clipId);
    await s3.stop();
    const cfg = s3Relay(s3, hub.dir);
    target = createTarget(cfg);
    const { relay, logs } = makeRelay(hub, cfg.relay, target);
    const order: string[] = [];
    relay.on('uploaded', (id: string) => order.push(id));
    relay.start();
    try {
      await until('offline', () => relay.status.state === 'offline');
      await sleep(1500); // several probes (every 0.2 s) and passes
      assert.equal(logs.messages('warn').filter((m) => m.includes('offline')).length, 1, 'offline is logged once, not per attempt');
      const health = readCloudHealth(hub.db, Date.now());
      assert.equal(health.state, 'offline');
      assert.equal(health.pending, 5);
      for (const id of clips) assert.ok(existsSync(path.join(hub.paths.clips, `${id}.plc`)));
      // The clips' own backoff is 30 s and more; the probe must not wait for it.
      const back = Date.now();
      await s3.start();
      await until('backlog drained', () => relay.queue.counts().pending === 0, 10_000);
      assert.ok(Date.now() - back < 10_000);
      assert.deepEqual(order, clips, 'oldest first');
      assert.equal(readCloudHealth(hub.db, Date.now()).state, 'online');
      assert.equal(logs.messages('info').filter((m) => m.includes('reachable again')).length, 1);
    } finally {
      await relay.stop();
    }
  });

  it('an hour-long outage on a fake clock: nothing dropped while the clips fit the quota, then the backlog drains', async () => {
    const clock = new ManualClock(Date.now());
    const cfg = s3Relay(s3, hub.dir, { probeSeconds: 10, retryBaseSeconds: 2, retryMaxSeconds: 300, retention: { localQuotaBytes: 1024 ** 3, checkSeconds: 60 } });
    target = createTarget(cfg);
    const { relay, lost, retention } = makeRelay(hub, cfg.relay, target, clock);
    await s3.stop();
    const made: string[] = [];
    // A clip every 30 s for an hour, the relay passing every 5 s of fake time, and the hub's
    // local retention every 60 s of it.
    for (let t = 0; t < 3600; t += 5) {
      if (t % 30 === 0) made.push((await hub.addClip({ startedAt: clock.now() })).clipId);
      clock.advance(5000);
      await relay.pass();
      if (t % 60 === 0) await retention.pass();
    }
    assert.equal(made.length, 120);
    assert.equal(relay.status.state, 'offline');
    assert.equal(relay.queue.counts().pending, 120);
    assert.deepEqual(lost, []);
    for (const id of made) assert.ok(existsSync(path.join(hub.paths.clips, `${id}.plc`)), 'every clip still on the hub');

    await s3.start();
    // Within one probe interval (10 s of fake time) the whole backlog goes, not after the 300 s backoff.
    for (let t = 0; t < 10 && relay.queue.counts().pending > 0; t += 5) {
      clock.advance(5000);
      await relay.pass();
    }
    assert.equal(relay.queue.counts().pending, 0);
    assert.equal((await s3.listObjects()).length, 240);
  });

  it('bad configuration says what is wrong and keeps the clips safe locally', async () => {
    const { clipId } = await hub.addClip();
    const cases: Array<[string, Record<string, unknown>, RegExp, string]> = [
      ['unknown bucket', { bucket: 'no-such-bucket' }, /bucket does not exist/, 'misconfigured'],
      ['wrong credentials', { credentialsFile: path.join(tmp.dir, 'bad.yaml') }, /refused these credentials|access key is not known/, 'misconfigured'],
      ['unreachable endpoint', { endpoint: 'http://127.0.0.1:9' }, /refused the connection/, 'offline'],
    ];
    writeFileSync(path.join(tmp.dir, 'bad.yaml'), 'accessKeyId: NOBODY\nsecretAccessKey: wrong\n');
    for (const [name, override, message, state] of cases) {
      const cfg = s3Relay(s3, hub.dir, {}, override);
      const t = createTarget(cfg);
      const { relay, logs } = makeRelay(hub, cfg.relay, t);
      relay.start();
      await until(name, () => relay.status.state !== 'online');
      await relay.stop();
      t.close();
      assert.equal(relay.status.state, state, name);
      assert.match(relay.status.lastError ?? '', message, name);
      assert.equal(logs.lines.filter((l) => l.level >= 40).length, 1, `${name}: one clear log line`);
      assert.ok(existsSync(path.join(hub.paths.clips, `${clipId}.plc`)));
      assert.equal(relay.queue.counts().pending, 1);
    }
  });
});

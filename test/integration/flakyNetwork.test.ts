import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Delivery } from '../../camera-agent/delivery';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { Spool } from '../../camera-agent/spool';
import { ClipEncryptor } from '../../common/clipEnvelope';
import { hubPaths } from '../../common/dataLayout';
import type { ClipUploadMeta } from '../../common/protocol';
import { openPairingWindow } from '../../hub/pairing';
import { startNetworkProxy, type NetworkProxy } from '../../simulator/networkProxy';
import { addTestUser, startTestHub, type TestHub } from '../helpers/hub';
import { captureLog } from '../helpers/logCapture';
import { makeTestMp4 } from '../helpers/media';
import { skipBecause } from '../helpers/skip';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/*
 * A real hub, the agent's real HTTPS client and delivery, and the simulator's flaky network
 * between them: long outages, uploads cut half-way, a hub whose disk is full.
 */
describe('delivery over a flaky network: every clip arrives once, whole, oldest first', function () {
  this.timeout(120_000);
  const mounts: string[] = [];
  let hub: TestHub | null = null;
  let proxy: NetworkProxy | null = null;
  let delivery: Delivery | null = null;
  let client: HubClient | null = null;
  afterEach(async () => {
    await delivery?.stop(false);
    client?.close();
    await proxy?.close();
    await hub?.stop();
    for (const m of mounts.splice(0)) execFileSync('umount', [m], { stdio: 'ignore' });
    delivery = client = proxy = hub = null;
  });
  const tmp = useTempDir();
  let mp4: Buffer;
  before(() => {
    mkdirSync('/tmp/porchlight-flaky', { recursive: true });
    mp4 = makeTestMp4('/tmp/porchlight-flaky', 1);
  });

  async function setUp(maxBytes?: number) {
    hub = await startTestHub(path.join(tmp.dir, 'hub'));
    await addTestUser(hub.db, 'owner');
    const paired = await pairWithHub(hub.base, (await openPairingWindow(hub.db, 60_000)).code, 'porch');
    proxy = await startNetworkProxy({ targetPort: hub.httpsPort });
    client = new HubClient({ ...paired, name: 'porch', hubUrl: `https://127.0.0.1:${proxy.port}` });
    const { log, lines } = captureLog();
    const spool = new Spool(path.join(tmp.dir, 'agent', 'spool'), { maxBytes, log });
    await spool.init();
    delivery = new Delivery(spool, client, log, { baseDelayMs: 50, maxDelayMs: 300, budgetCheckMs: 0 });
    const publicKey = new Uint8Array(Buffer.from(paired.footagePublicKey, 'base64'));
    let startedAt = Date.now() - 3_600_000;
    /** A real encrypted clip, written into the spool the way the recorder does (metadata first). */
    const record = async (padBytes: number) => {
      const clipId = randomUUID();
      const enc = await ClipEncryptor.create({ publicKey }, { clipId, deviceId: paired.deviceId });
      const sealed = Buffer.concat([enc.header, ...enc.push(Buffer.concat([mp4, randomBytes(padBytes)])), enc.final()]);
      const meta: ClipUploadMeta = { clipId, startedAt: (startedAt += 10_000), endedAt: startedAt + 5000, mediaStart: 0, mediaEnd: 5, trigger: 'motion' };
      writeFileSync(path.join(spool.dir, `${clipId}.json`), JSON.stringify(meta));
      writeFileSync(path.join(spool.dir, `${clipId}.plc`), sealed);
      delivery!.kick();
      return { clipId, sealed };
    };
    const stored = () => (hub!.db.prepare('SELECT id FROM clips ORDER BY rowid').all() as Array<{ id: string }>).map((r) => r.id);
    const hubFile = (id: string) => readFileSync(path.join(hubPaths(path.join(tmp.dir, 'hub')).clips, `${id}.plc`));
    return { spool, record, stored, hubFile, lines, deviceId: paired.deviceId };
  }

  it('hub unreachable for a long backlog: every clip delivered afterwards, byte-identical, oldest first', async () => {
    const { spool, record, stored, hubFile } = await setUp();
    proxy!.down();
    const sent = [];
    for (let i = 0; i < 12; i++) sent.push(await record(100_000 + i * 1000));
    await until('tries against the dead network', () => proxy!.cuts >= 12);
    assert.deepEqual(stored(), []);
    proxy!.up();
    await until('backlog delivered', () => delivery!.delivered === 12, 60_000);
    assert.deepEqual(stored(), sent.map((c) => c.clipId), 'stored in the order recorded');
    for (const c of sent) assert.ok(hubFile(c.clipId).equals(c.sealed), `${c.clipId} arrived byte-identical`);
    assert.deepEqual(readdirSync(spool.dir).filter((n) => n !== 'rejected'), [], 'the camera spool is empty');
  });

  it('over its disk budget during the outage: the newest clips kept, the rest dropped, and owners told with an audit entry', async () => {
    // Four clips fit, not five.
    const { record, stored, lines, deviceId } = await setUp(Math.round(4.5 * (mp4.length + 100_000)));
    proxy!.down();
    const sent = [];
    for (let i = 0; i < 7; i++) {
      sent.push(await record(100_000));
      await delivery!.enforceBudget();
    }
    assert.equal(delivery!.dropped, 3);
    assert.equal(lines.filter((l) => /oldest clip waiting for the hub was dropped/.test(l.msg)).length, 3, 'each drop logged');
    proxy!.up();
    delivery!.kick();
    await until('backlog delivered', () => delivery!.delivered === 4, 60_000);
    // The newest four; or, when the budget ran while an older clip was mid-upload (kept, never
    // dropped under an upload), that one in place of the fourth-newest. Always oldest first.
    const order: string[] = sent.map((c) => c.clipId);
    const got = stored();
    assert.equal(got.length, 4);
    assert.deepEqual(got.slice(1), order.slice(4), 'the newest three');
    assert.ok(order.indexOf(got[0]!) < 4, 'then one older clip, delivered first');
    const audit = await until('audited', () => hub!.db.prepare("SELECT actor, detail FROM audit_log WHERE action = 'device.clips_dropped'").get() as { actor: string; detail: string } | undefined);
    assert.equal(audit.actor, `device:${deviceId}`);
    const detail = JSON.parse(audit.detail) as { clips: number; bytes: number; since: number; until: number; reason: string };
    assert.equal(detail.clips, 3);
    assert.equal(detail.reason, 'unreachable');
    assert.ok(detail.until > detail.since);
    const notice = hub!.db.prepare("SELECT message FROM notifications WHERE kind = 'clips-dropped'").get() as { message: string };
    assert.match(notice.message, /^porch dropped 3 clips, \d+ kB, while the hub was unreachable for \d+ s\./);
  });

  it('cut mid-upload, and cut after the hub stored the clip but before the agent heard: no duplicate, no partial clip', async () => {
    const { spool, record, stored, hubFile } = await setUp();
    let n = 0;
    // The first two connections are cut after 150 kB of a ~1 MB upload.
    proxy!.setCut(() => (n++ < 2 ? 150_000 : null));
    const first = await record(1_000_000);
    await until('delivered after the cuts', () => delivery!.delivered === 1, 30_000);
    assert.equal(proxy!.cuts, 2);
    assert.deepEqual(stored(), [first.clipId]);
    assert.ok(hubFile(first.clipId).equals(first.sealed));
    assert.deepEqual(readdirSync(hubPaths(path.join(tmp.dir, 'hub')).tmp), [], 'no partial upload left at the hub');

    // The answer is held back; the connection is cut once the hub has indexed the clip.
    proxy!.setDelay(400);
    const second = await record(20_000);
    await until('stored at the hub', () => stored().includes(second.clipId), 30_000, 5);
    proxy!.cutAll();
    proxy!.setDelay(0);
    await until('acknowledged on a retry', () => delivery!.delivered === 2, 30_000);
    assert.deepEqual(stored(), [first.clipId, second.clipId], 'stored once');
    assert.deepEqual(readdirSync(spool.dir).filter((n) => n !== 'rejected'), []);
  });

  it("a hub answering 507 (its disk full): the clip stays on the camera and arrives once there is room", async function () {
    const { spool, record, stored, hubFile, lines } = await setUp();
    const hubTmp = hubPaths(path.join(tmp.dir, 'hub')).tmp;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', hubTmp], { stdio: 'ignore' });
    } catch {
      skipBecause(this, 'cannot mount a tmpfs (that needs root)');
    }
    mounts.push(hubTmp);
    const clip = await record(300_000);
    await until('507 seen', () => lines.some((l) => /the hub's disk cannot take clips; clip kept in spool/.test(l.msg)), 20_000);
    assert.ok(readdirSync(spool.dir).includes(`${clip.clipId}.plc`), 'still in the spool');
    assert.deepEqual(readdirSync(path.join(spool.dir, 'rejected')), [], 'not set aside as refused');
    assert.deepEqual(stored(), []);
    execFileSync('umount', [hubTmp], { stdio: 'ignore' });
    mounts.pop();
    delivery!.kick();
    // At once, not after the camera's 30 s request timeout: a refused upload once left the
    // hub's connection half-read, and the next upload, sent on it, was never answered.
    await until('delivered once there is room, well within the 30 s request timeout', () => delivery!.delivered === 1, 10_000).catch((err: Error) => {
      throw new Error(`${err.message}; last lines: ${JSON.stringify(lines.map((l) => [l.time, l.msg, l.err]))}`);
    });
    assert.ok(hubFile(clip.clipId).equals(clip.sealed));
  });
});

import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Delivery, type ClipUploader } from '../../camera-agent/delivery';
import { HubRequestError } from '../../camera-agent/hubClient';
import { Spool } from '../../camera-agent/spool';
import type { ClipUploadMeta } from '../../common/protocol';
import type { SpoolDropReport } from '../../common/api/spoolDrops';
import { captureLog } from '../helpers/logCapture';
import { RecordingClock } from '../helpers/recordingClock';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/** A hub that fails each upload with the next error in `failures`, then takes them. */
function fakeHub(failures: Error[]): ClipUploader & { tries: string[]; reports: SpoolDropReport[] } {
  const tries: string[] = [];
  const reports: SpoolDropReport[] = [];
  return {
    tries,
    reports,
    uploadClip: async (meta: ClipUploadMeta) => {
      tries.push(meta.clipId);
      const err = failures.shift();
      if (err) throw err;
    },
    reportSpoolDrops: async (report) => {
      reports.push(report);
    },
  };
}

describe('clip delivery: the spool waits for the hub, retrying with the shared backoff', () => {
  const tmp = useTempDir();
  const pinned = () => 0.5;
  let spool: Spool;
  beforeEach(async () => {
    spool = new Spool(path.join(tmp.dir, 'spool'));
    await spool.init();
  });
  const addClip = (startedAt: number): string => {
    const clipId = randomUUID();
    const meta: ClipUploadMeta = { clipId, startedAt, endedAt: startedAt + 1000, mediaStart: 0, mediaEnd: 1, trigger: 'motion' };
    writeFileSync(path.join(spool.dir, `${clipId}.json`), JSON.stringify(meta));
    writeFileSync(path.join(spool.dir, `${clipId}.plc`), 'ciphertext');
    return clipId;
  };
  const down = () => new Error('connect ECONNREFUSED');

  it('waits 1 s, 2 s, 4 s … up to 60 s while the hub is down, delivers when it answers, and starts from 1 s again', async () => {
    const clip = addClip(1);
    const hub = fakeHub(Array.from({ length: 8 }, down));
    const clock = new RecordingClock();
    const delivery = new Delivery(spool, hub, captureLog().log, { clock, random: pinned });
    delivery.kick();
    for (let n = 1; n <= 8; n++) {
      await until(`wait ${n}`, () => clock.waits.length === n);
      clock.advance(clock.waits[n - 1]!);
    }
    assert.deepEqual(clock.waits, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    await until('delivered', () => delivery.delivered === 1);
    assert.equal(hub.tries.length, 9);
    assert.ok(!existsSync(path.join(spool.dir, `${clip}.plc`)), 'deleted once the hub acknowledged it');

    // The next outage starts from the first delay again.
    addClip(2);
    hub.uploadClip = async () => {
      throw down();
    };
    delivery.kick();
    await until('wait after the next failure', () => clock.waits.length === 9);
    assert.equal(clock.waits[8], 1000);
    await delivery.stop(false);
  });

  it('tries at once when a new clip is ready, without waiting out the backoff', async () => {
    addClip(1);
    const hub = fakeHub([down(), down()]);
    const clock = new RecordingClock();
    const delivery = new Delivery(spool, hub, captureLog().log, { clock, random: pinned });
    delivery.kick();
    await until('first wait', () => clock.waits.length === 1);
    delivery.kick();
    await until('second wait', () => clock.waits.length === 2);
    assert.deepEqual(clock.waits, [1000, 2000]);
    assert.equal(hub.tries.length, 2, 'tried again without the clock moving');
    addClip(2);
    delivery.kick();
    await until('both delivered', () => delivery.delivered === 2);
    assert.equal(hub.tries.length, 4);
    await delivery.stop(false);
  });

  it('after a 507, a kick (room was made) tries again at once, without waiting out the backoff', async () => {
    addClip(1);
    const hub = fakeHub([new HubRequestError(507, 'HUB_DISK_FULL', 'full')]);
    const clock = new RecordingClock();
    const delivery = new Delivery(spool, hub, captureLog().log, { clock, random: pinned, budgetCheckMs: 0 });
    delivery.kick();
    await until('507', () => clock.waits.length === 1);
    assert.equal(clock.waits[0], 1000, 'a backoff wait was set');
    delivery.kick();
    await until('delivered', () => delivery.delivered === 1);
    assert.equal(hub.tries.length, 2, 'tried again without the clock moving');
    assert.equal(clock.waits.length, 1, 'no further wait');
    await delivery.stop(false);
  });

  it('sends a clip that became ready while another was on its way, in the same go', async () => {
    addClip(1);
    let release = () => {};
    const sent: string[] = [];
    const hub: ClipUploader = {
      uploadClip: async (meta) => {
        if (sent.length === 0) await new Promise<void>((r) => (release = r));
        sent.push(meta.clipId);
      },
      reportSpoolDrops: async () => assert.fail('nothing was dropped'),
    };
    const clock = new RecordingClock();
    const delivery = new Delivery(spool, hub, captureLog().log, { clock, random: pinned });
    delivery.kick();
    await new Promise((r) => setTimeout(r, 50));
    addClip(2);
    delivery.kick();
    release();
    await until('both delivered', () => delivery.delivered === 2);
    assert.deepEqual(clock.waits, []);
    await delivery.stop(false);
  });

  it('sets a clip the hub refuses for good aside without waiting, and stops retrying when stopped', async () => {
    const refused = addClip(1);
    addClip(2);
    const hub = fakeHub([new HubRequestError(400, 'BAD_CLIP', 'not a clip'), down()]);
    const clock = new RecordingClock();
    const delivery = new Delivery(spool, hub, captureLog().log, { clock, random: pinned });
    delivery.kick();
    await until('waiting for the hub', () => clock.waits.length === 1);
    assert.deepEqual(readdirSync(path.join(spool.dir, 'rejected')).sort(), [`${refused}.json`, `${refused}.plc`]);
    assert.deepEqual(clock.waits, [1000], 'the refusal did not count as the hub being down');
    await delivery.stop(false);
    clock.advance(60_000);
    await new Promise((r) => setImmediate(r));
    assert.equal(hub.tries.length, 2);
  });
});

describe('clip delivery: the spool stays within its disk budget and the hub is told what was dropped', () => {
  const tmp = useTempDir();
  const pinned = () => 0.5;
  const down = () => new Error('connect ECONNREFUSED');
  const addClip = (spool: Spool, startedAt: number, bytes: number): string => {
    const clipId = randomUUID();
    const meta: ClipUploadMeta = { clipId, startedAt, endedAt: startedAt + 1000, mediaStart: 0, mediaEnd: 1, trigger: 'motion' };
    writeFileSync(path.join(spool.dir, `${clipId}.json`), JSON.stringify(meta));
    writeFileSync(path.join(spool.dir, `${clipId}.plc`), Buffer.alloc(bytes, 7));
    return clipId;
  };
  const clipsIn = (spool: Spool) => readdirSync(spool.dir).filter((n) => n.endsWith('.plc')).length;

  it('keeps the newest clips within maxSpoolBytes while the hub is down, then delivers the rest oldest first and reports the drops once', async () => {
    const { log, lines } = captureLog();
    const spool = new Spool(path.join(tmp.dir, 'spool'), { maxBytes: 3000, log });
    await spool.init();
    const hub = fakeHub(Array.from({ length: 5 }, down));
    const clock = new RecordingClock(1_000_000);
    const delivery = new Delivery(spool, hub, log, { clock, random: pinned, budgetCheckMs: 0 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(addClip(spool, 100 + i, 1000));
      delivery.kick();
      await until(`try ${i + 1}`, () => clock.waits.length === i + 1);
      clock.advance(60_000);
    }
    assert.equal(clipsIn(spool), 3, 'three clips of 1000 bytes fit in 3000');
    assert.equal(delivery.dropped, 2);
    const dropLines = lines.filter((l) => /oldest clip waiting for the hub was dropped/.test(l.msg));
    assert.deepEqual(dropLines.map((l) => l.clipId), ids.slice(0, 2), 'each drop logged, oldest first');
    const ledger = JSON.parse(readFileSync(path.join(spool.dir, 'outage.json'), 'utf8')) as { since: number; droppedClips: number };
    assert.equal(ledger.since, 1_000_000, 'the outage counts from the first failed delivery');
    assert.equal(ledger.droppedClips, 2);

    // The hub is back (the fake's failures are used up).
    delivery.kick();
    await until('backlog delivered', () => delivery.delivered === 3);
    await until('report sent', () => hub.reports.length === 1);
    assert.deepEqual(hub.tries.slice(-3), ids.slice(2), 'the backlog goes oldest first');
    const report = hub.reports[0]!;
    assert.deepEqual({ clips: report.droppedClips, bytes: report.droppedBytes, since: report.since, until: report.until, reason: report.reason }, { clips: 2, bytes: 2000, since: 1_000_000, until: clock.now(), reason: 'unreachable' });
    await until('ledger cleared', () => !existsSync(path.join(spool.dir, 'outage.json')));
    addClip(spool, 200, 10);
    delivery.kick();
    await until('next clip', () => delivery.delivered === 4);
    assert.equal(hub.reports.length, 1, 'reported once');
    await delivery.stop(false);
  });

  it('counts the clip being written, and never drops the clip that is being uploaded', async () => {
    const spool = new Spool(path.join(tmp.dir, 'spool'), { maxBytes: 2500 });
    await spool.init();
    const first = addClip(spool, 1, 1000);
    const second = addClip(spool, 2, 1000);
    let release = () => {};
    const uploading = new Promise<void>((r) => (release = r));
    let started = false;
    const hub: ClipUploader = {
      uploadClip: async (meta) => {
        started = true;
        if (meta.clipId === first) await uploading;
      },
      reportSpoolDrops: async () => undefined,
    };
    const delivery = new Delivery(spool, hub, captureLog().log, { random: pinned, budgetCheckMs: 0 });
    delivery.kick();
    await until('upload started', () => started);
    // A recording grows to 1000 bytes: 3000 > 2500, and the oldest clip is on its way.
    writeFileSync(path.join(spool.dir, `${randomUUID()}.tmp`), Buffer.alloc(1000));
    await delivery.enforceBudget();
    assert.ok(existsSync(path.join(spool.dir, `${first}.plc`)), 'the clip being uploaded stays');
    assert.ok(!existsSync(path.join(spool.dir, `${second}.plc`)), 'the next-oldest went instead');
    release();
    await until('first delivered', () => delivery.delivered === 1);
    await delivery.stop(false);
    assert.equal(delivery.delivered, 1, 'the dropped clip was not sent');
  });

  it('keeps the report across a restart when the hub cannot take it yet', async () => {
    const dir = path.join(tmp.dir, 'spool');
    const spool = new Spool(dir, { maxBytes: 1000 });
    await spool.init();
    const hub = fakeHub([down()]);
    const clock = new RecordingClock(5000);
    const delivery = new Delivery(spool, hub, captureLog().log, { clock, random: pinned, budgetCheckMs: 0 });
    addClip(spool, 1, 1000);
    delivery.kick();
    await until('first failure', () => clock.waits.length === 1);
    addClip(spool, 2, 1000);
    await delivery.enforceBudget();
    await delivery.stop(false);

    // Restarted: the report is still owed; the first try to send it fails, the next goes.
    const again = new Spool(dir, { maxBytes: 1000 });
    await again.init();
    let reportTries = 0;
    const sent: SpoolDropReport[] = [];
    const hub2: ClipUploader = {
      uploadClip: async () => undefined,
      reportSpoolDrops: async (r) => {
        if (reportTries++ === 0) throw down();
        sent.push(r);
      },
    };
    const clock2 = new RecordingClock(90_000);
    const d2 = new Delivery(again, hub2, captureLog().log, { clock: clock2, random: pinned, budgetCheckMs: 0 });
    d2.kick();
    await until('retry scheduled', () => clock2.waits.length === 1);
    clock2.advance(clock2.waits[0]!);
    await until('report sent', () => sent.length === 1);
    assert.deepEqual({ since: sent[0]!.since, until: sent[0]!.until, clips: sent[0]!.droppedClips, bytes: sent[0]!.droppedBytes }, { since: 5000, until: 90_000, clips: 1, bytes: 1000 });
    await d2.stop(false);
  });

  it('a hub answering 507 keeps the clip on the camera and is reported as the hub being full', async () => {
    const spool = new Spool(path.join(tmp.dir, 'spool'), { maxBytes: 1500 });
    await spool.init();
    const hub = fakeHub([new HubRequestError(507, 'HUB_DISK_FULL', 'full'), new HubRequestError(507, 'HUB_DISK_FULL', 'full')]);
    const clock = new RecordingClock(0);
    const delivery = new Delivery(spool, hub, captureLog().log, { clock, random: pinned, budgetCheckMs: 0 });
    const kept = addClip(spool, 1, 1000);
    delivery.kick();
    await until('507', () => clock.waits.length === 1);
    assert.ok(existsSync(path.join(spool.dir, `${kept}.plc`)), 'not rejected: 507 is not a refusal for good');
    addClip(spool, 2, 1000);
    delivery.kick();
    await until('507 again', () => clock.waits.length === 2);
    clock.advance(10_000);
    await until('delivered', () => delivery.delivered === 1);
    await until('reported', () => hub.reports.length === 1);
    assert.equal(hub.reports[0]!.reason, 'hub-full');
    await delivery.stop(false);
  });
});

describe('spool: what a crash or SIGKILL leaves behind', () => {
  const tmp = useTempDir();
  it('discards a clip cut mid-recording with a log line, and finishes a removal cut half-way', async () => {
    const dir = path.join(tmp.dir, 'spool');
    mkdirSync(dir, { recursive: true });
    const cut = randomUUID();
    writeFileSync(path.join(dir, `${cut}.tmp`), Buffer.alloc(5000));
    const lastStep = randomUUID();
    writeFileSync(path.join(dir, `${lastStep}.tmp`), Buffer.alloc(10));
    writeFileSync(path.join(dir, `${lastStep}.json`), '{}');
    const halfRemoved = randomUUID();
    writeFileSync(path.join(dir, `${halfRemoved}.plc`), 'x');
    const metaOnly = randomUUID();
    writeFileSync(path.join(dir, `${metaOnly}.json`), '{}');
    writeFileSync(path.join(dir, `.${metaOnly}.json.abc.tmp`), '{');
    writeFileSync(path.join(dir, 'outage.json'), '{}');
    const { log, lines } = captureLog();
    await new Spool(dir, { log }).init();
    assert.deepEqual(readdirSync(dir).sort(), ['outage.json', 'rejected'], 'only the ledger (checked by its own reader) and the rejected folder remain');
    const discarded = lines.filter((l) => l.level >= 40).map((l) => l.clipId);
    assert.deepEqual(discarded.sort(), [cut, lastStep, metaOnly].sort());
    assert.equal(lines.find((l) => l.clipId === cut)?.bytes, 5000);
    assert.match(lines.find((l) => l.clipId === cut)!.msg, /cut short by a crash or kill was discarded/);
  });

  it('refuses a budget that is not a positive number of bytes', () => {
    assert.throws(() => new Spool(tmp.dir, { maxBytes: 0 }), /maxSpoolBytes must be a positive number of bytes, not 0/);
  });
});

import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Delivery, type ClipUploader } from '../../camera-agent/delivery';
import { HubRequestError } from '../../camera-agent/hubClient';
import { Spool } from '../../camera-agent/spool';
import type { ClipUploadMeta } from '../../common/protocol';
import { captureLog } from '../helpers/logCapture';
import { RecordingClock } from '../helpers/recordingClock';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/** A hub that fails each upload with the next error in `failures`, then takes them. */
function fakeHub(failures: Error[]): ClipUploader & { tries: string[] } {
  const tries: string[] = [];
  return {
    tries,
    uploadClip: async (meta: ClipUploadMeta) => {
      tries.push(meta.clipId);
      const err = failures.shift();
      if (err) throw err;
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

  it('sends a clip that became ready while another was on its way, in the same go', async () => {
    addClip(1);
    let release = () => {};
    const sent: string[] = [];
    const hub: ClipUploader = {
      uploadClip: async (meta) => {
        if (sent.length === 0) await new Promise<void>((r) => (release = r));
        sent.push(meta.clipId);
      },
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

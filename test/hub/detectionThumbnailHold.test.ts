import { strict as assert } from 'node:assert';
import type { DetectedObject, DetectionFrame } from '../../common/detection';
import { defaultDetectionSettings } from '../../common/detectionSettings';
import { createLogger } from '../../common/logger';
import { getSodium } from '../../common/sodium';
import { openThumbnail } from '../../hub/clipThumbnails';
import { DetectionThumbnails, type ReadyPicture } from '../../hub/detectionThumbnails';
import { sleep, until } from '../helpers/wait';

/*
 * When the hub draws an event's picture, and which one: the DetectionThumbnails service with a
 * render that only notes what it was given (the real ffmpeg drawing is tested in
 * detectionThumbnails.test.ts), and real sealing. Timings shortened to tens of milliseconds.
 */

const person = (score: number): DetectedObject => ({ label: 'person', cocoClass: 'person', score, box: [0.1, 0.2, 0.1, 0.4] });
const frame = (fill: number): DetectionFrame => ({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 1.5).fill(fill) });

describe('hub: one detection picture per event, drawn once when its answers are over', function () {
  this.timeout(10_000);
  let service: DetectionThumbnails | undefined;
  afterEach(() => service?.stop());

  async function make(timing = { endGraceMs: 50, maxHoldMs: 5_000 }) {
    const sodium = await getSodium();
    const keys = sodium.crypto_box_keypair();
    const rendered: Array<{ fill: number; scores: number[] }> = [];
    const ready: ReadyPicture[] = [];
    service = new DetectionThumbnails({
      footagePublicKey: keys.publicKey,
      rules: () => ({ detection: defaultDetectionSettings(), zones: [] }),
      render: async (f, objects) => {
        rendered.push({ fill: f.data[0]!, scores: objects.map((o) => o.score) });
        return Buffer.from([0xff, 0xd8, f.data[0]!]);
      },
      log: createLogger('test', 'silent'),
      onReady: (p) => ready.push(p),
      timing,
    });
    const open = (p: ReadyPicture) => openThumbnail(p.sealed, { publicKey: keys.publicKey, secretKey: keys.privateKey });
    return { s: service, rendered, ready, open };
  }
  const answer = (s: DetectionThumbnails, eventAt: number, f: DetectionFrame, objects: DetectedObject[], deviceId = 'cam') => {
    const look = s.look(deviceId, eventAt);
    look.offer(f, eventAt + 100, objects);
    look.done();
  };

  it('keeps only the best picture while the event lasts, draws it once after the end, wipes the plaintext, and ignores later answers', async () => {
    const { s, rendered, ready, open } = await make();
    s.motion({ deviceId: 'cam', kind: 'start', at: 1000 });
    const first = frame(1);
    const best = frame(2);
    const worse = frame(3);
    answer(s, 1000, first, [person(0.6)]);
    answer(s, 1000, best, [person(0.9), person(0.2)]);
    answer(s, 1000, worse, [person(0.7)]);
    answer(s, 1000, frame(4), []);
    assert.equal(s.heldCount(), 1, 'one picture per event');
    assert.ok(first.data.every((b) => b === 0), 'a picture no longer best is wiped at once');
    assert.equal(worse.data[0], 3, 'a worse picture is not kept, so not touched either');
    await sleep(150);
    assert.equal(rendered.length, 0, 'nothing is drawn while the event lasts');
    assert.equal(s.settling({ deviceId: 'cam', startedAt: 0, endedAt: 2000 }), true);
    s.motion({ deviceId: 'cam', kind: 'end', at: 3000 });
    await until('the picture to be drawn', () => ready.length === 1);
    assert.deepEqual(rendered, [{ fill: 2, scores: [0.9] }], 'the best picture, only its counted objects');
    assert.deepEqual(await open(ready[0]!), Buffer.from([0xff, 0xd8, 2]), 'sealed to the footage key');
    assert.ok(best.data.every((b) => b === 0), 'the picture is wiped once drawn');
    assert.equal(s.heldCount(), 0);
    assert.equal(s.settling({ deviceId: 'cam', startedAt: 0, endedAt: 2000 }), false);
    assert.equal(s.pictureFor({ deviceId: 'cam', startedAt: 0, endedAt: 2000 })?.eventAt, 1000);
    assert.equal(s.pictureFor({ deviceId: 'cam', startedAt: 1001, endedAt: 2000 }), null, 'a clip that does not hold the start');
    assert.equal(s.pictureFor({ deviceId: 'other', startedAt: 0, endedAt: 2000 }), null, "another camera's clip");

    answer(s, 1000, frame(5), [person(0.99)]);
    await sleep(150);
    assert.equal(rendered.length, 1, 'one encode per event: a later, better answer is not drawn again');
  });

  it('waits for a picture still with the detector when motion ends, and counts its answer', async () => {
    const { s, rendered, ready } = await make();
    s.motion({ deviceId: 'cam', kind: 'start', at: 1000 });
    answer(s, 1000, frame(1), [person(0.6)]);
    const slow = s.look('cam', 1000);
    s.motion({ deviceId: 'cam', kind: 'end', at: 2000 });
    await sleep(400);
    assert.equal(rendered.length, 0, 'not drawn while a picture of the event is with the detector');
    slow.offer(frame(2), 1900, [person(0.8)]);
    slow.done();
    await until('the picture to be drawn', () => ready.length === 1);
    assert.equal(rendered[0]!.fill, 2, 'the late answer was the best');
  });

  it('draws an event that goes on past the cap, so the first clip gets its picture', async () => {
    const { s, ready } = await make({ endGraceMs: 50, maxHoldMs: 200 });
    s.motion({ deviceId: 'cam', kind: 'start', at: 1000 });
    answer(s, 1000, frame(1), [person(0.6)]);
    await until('the capped picture', () => ready.length === 1, 2_000);
    assert.equal(s.heldCount(), 0);
  });

  it('holds nothing for a picture with nothing counted, and nothing after stop', async () => {
    const { s, rendered } = await make();
    s.motion({ deviceId: 'cam', kind: 'start', at: 1000 });
    answer(s, 1000, frame(1), [person(0.1)]);
    assert.equal(s.heldCount(), 0);
    const kept = frame(2);
    answer(s, 1000, kept, [person(0.9)]);
    s.stop();
    assert.equal(s.heldCount(), 0);
    assert.ok(kept.data.every((b) => b === 0), 'stopping wipes what was held');
    s.motion({ deviceId: 'cam', kind: 'end', at: 2000 });
    await sleep(150);
    assert.equal(rendered.length, 0);
  });
});

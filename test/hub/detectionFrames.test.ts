import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { useTempDir } from '../helpers/tmp';
import { call } from '../helpers/https';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type TestHub } from '../helpers/hub';
import { DETECTION_META_HEADER, yuv420pBytes, type DetectedObject } from '../../common/detection';
import { FixedAnswerDetectorDouble } from '../helpers/objectDetectorDouble';
import type { PairResponse } from '../../common/protocol';
import { pairWithHub } from '../../camera-agent/hubClient';
import { openPairingWindow } from '../../hub/pairing';
import type { ObjectsNotice } from '../../hub/motionLabels';

const person = (score: number, x = 0.1): DetectedObject => ({ label: 'person', cocoClass: 'person', score, box: [x, 0.2, 0.1, 0.4] });
const car = (score: number): DetectedObject => ({ label: 'vehicle', cocoClass: 'car', score, box: [0.5, 0.5, 0.3, 0.2] });

describe('hub: detection pictures from cameras', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub | undefined;
  let cam: PairResponse;
  let detector: FixedAnswerDetectorDouble;

  const hub = () => t!;
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const motion = (token: string, kind: 'start' | 'end', at: number) =>
    call(hub().base, 'POST', '/api/device/events', { body: JSON.stringify({ kind, mediaTime: 1, at }), headers: { ...auth(token), 'content-type': 'application/json' } });
  const upload = (meta: unknown, body: Buffer, extra: Record<string, string> = {}, token = cam.token) =>
    call(hub().base, 'POST', '/api/device/detection-frames', {
      body,
      headers: { ...auth(token), 'content-type': 'application/octet-stream', [DETECTION_META_HEADER]: typeof meta === 'string' ? meta : JSON.stringify(meta), ...extra },
    });
  const picture = (width: number, height: number, fill = 0x80) => Buffer.alloc(yuv420pBytes(width, height), fill);

  async function start(withDetector: boolean, hubOverrides: Record<string, unknown> = {}): Promise<void> {
    detector = new FixedAnswerDetectorDouble();
    t = await startTestHub(tmp.dir, hubOverrides, undefined, {}, withDetector ? detector : null);
    cam = await pairWithHub(hub().base, (await openPairingWindow(hub().db, 60_000)).code, 'porch');
  }
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('hands the picture to the detector, keeps the best detection per class per event, and says what it saw', async () => {
    await start(true);
    const notices: ObjectsNotice[] = [];
    hub().hub.events.on('objects', (n: ObjectsNotice) => notices.push(n));
    assert.equal((await motion(cam.token, 'start', 50_000)).status, 200);
    detector.answers.push([person(0.6), person(0.8, 0.4), car(0.7)], [person(0.9, 0.6)], [person(0.5), car(0.75)], []);
    const first = await upload({ eventAt: 50_000, frameAt: 50_100, width: 640, height: 360 }, picture(640, 360, 7));
    assert.equal(first.status, 200, first.body.toString());
    assert.deepEqual(first.json().objects, [person(0.6), person(0.8, 0.4), car(0.7)]);
    assert.deepEqual(first.json().labels, [
      { label: 'person', cocoClass: 'person', score: 0.8, box: [0.4, 0.2, 0.1, 0.4], frameAt: 50_100 },
      { label: 'vehicle', cocoClass: 'car', score: 0.7, box: [0.5, 0.5, 0.3, 0.2], frameAt: 50_100 },
    ]);
    assert.deepEqual(detector.seen.map(({ at: _, ...rest }) => rest), [{ width: 640, height: 360, bytes: yuv420pBytes(640, 360), firstByte: 7 }], 'the picture reached the detector whole');
    assert.equal((await upload({ eventAt: 50_000, frameAt: 51_100, width: 640, height: 360 }, picture(640, 360))).status, 200);
    const third = await upload({ eventAt: 50_000, frameAt: 52_100, width: 640, height: 360 }, picture(640, 360));
    assert.deepEqual(third.json().labels, [
      { label: 'person', cocoClass: 'person', score: 0.9, box: [0.6, 0.2, 0.1, 0.4], frameAt: 51_100 },
      { label: 'vehicle', cocoClass: 'car', score: 0.75, box: [0.5, 0.5, 0.3, 0.2], frameAt: 52_100 },
    ]);
    const nothing = await upload({ eventAt: 50_000, frameAt: 53_100, width: 640, height: 360 }, picture(640, 360));
    assert.deepEqual(nothing.json().objects, []);
    const rows = hub().db.prepare('SELECT device_id, event_at, coco_class, label, score, frame_at, box_x, box_y, box_w, box_h FROM motion_labels ORDER BY coco_class').all();
    assert.deepEqual(rows, [
      { device_id: cam.deviceId, event_at: 50_000, coco_class: 'car', label: 'vehicle', score: 0.75, frame_at: 52_100, box_x: 0.5, box_y: 0.5, box_w: 0.3, box_h: 0.2 },
      { device_id: cam.deviceId, event_at: 50_000, coco_class: 'person', label: 'person', score: 0.9, frame_at: 51_100, box_x: 0.6, box_y: 0.2, box_w: 0.1, box_h: 0.4 },
    ]);
    assert.deepEqual(
      notices.map((n) => [n.deviceId, n.deviceName, n.eventAt, n.frameAt, n.objects.length]),
      [
        [cam.deviceId, 'porch', 50_000, 50_100, 3],
        [cam.deviceId, 'porch', 50_000, 51_100, 1],
        [cam.deviceId, 'porch', 50_000, 52_100, 2],
        [cam.deviceId, 'porch', 50_000, 53_100, 0],
      ],
      "an 'objects' event for every answer, an empty one too",
    );
    // A picture is never written to the hub's disk.
    const files = await fs.readdir(tmp.dir, { recursive: true });
    for (const f of files) {
      const stat = await fs.stat(path.join(tmp.dir, f));
      if (stat.isFile()) assert.notEqual(stat.size, yuv420pBytes(640, 360), `${f} is the size of a picture`);
    }
  });

  it('refuses a wrong content type, bad metadata, a body of the wrong length, events the camera never reported, and pictures in privacy mode', async () => {
    await start(true);
    await motion(cam.token, 'start', 50_000);
    const good = { eventAt: 50_000, frameAt: 50_100, width: 320, height: 180 };
    const refusals: Array<[string, Promise<{ status: number; json: () => { error: { code: string; message: string } } }>, number, string, RegExp?]> = [
      ['not octet-stream', upload(good, picture(320, 180), { 'content-type': 'image/jpeg' }), 415, 'BAD_CONTENT_TYPE'],
      ['meta not JSON', upload('{eventAt', picture(320, 180)), 400, 'BAD_DETECTION_META'],
      ['meta missing a field', upload({ eventAt: 50_000, width: 320, height: 180 }, picture(320, 180)), 400, 'BAD_DETECTION_META', /frameAt/],
      ['odd width', upload({ ...good, width: 321 }, picture(320, 180)), 400, 'BAD_DETECTION_META', /width/],
      ['too large a picture size', upload({ ...good, width: 3840, height: 2160 }, picture(320, 180)), 400, 'BAD_DETECTION_META', /width/],
      ['an extra field', upload({ ...good, jpeg: true }, picture(320, 180)), 400, 'BAD_DETECTION_META'],
      ['longer than its size', upload(good, picture(640, 360)), 413, 'PICTURE_TOO_LARGE', /345600 bytes; a 320x180 yuv420p picture is 86400/],
      ['shorter than its size', upload(good, picture(320, 180).subarray(1)), 400, 'PICTURE_SIZE', /86400/],
      ['an event never reported', upload({ ...good, eventAt: 49_999 }, picture(320, 180)), 404, 'NO_SUCH_EVENT'],
      ['a picture before its event', upload({ ...good, frameAt: 49_000 }, picture(320, 180)), 409, 'PICTURE_BEFORE_EVENT'],
    ];
    for (const [what, sent, status, code, message] of refusals) {
      const res = await sent;
      assert.equal(res.status, status, `${what}: ${JSON.stringify(res.json())}`);
      assert.equal(res.json().error.code, code, what);
      if (message) assert.match(res.json().error.message, message, what);
    }
    assert.equal(detector.seen.length, 0, 'nothing refused reached the detector');
    assert.equal((await upload(good, picture(320, 180))).status, 200, 'and the camera is served after all that');

    await addTestUser(hub().db, 'owner');
    const owner = await signIn(hub().base, 'owner', PASSWORDS.owner);
    const privacy = await call(hub().base, 'PUT', '/api/arming/mode', { body: JSON.stringify({ mode: 'privacy' }), headers: { ...owner.headers, ...JSON_HEADERS } });
    assert.equal(privacy.status, 200, privacy.body.toString());
    const refused = await upload({ ...good, frameAt: 50_200 }, picture(320, 180));
    assert.equal(refused.status, 409);
    assert.equal(refused.json().error.code, 'PRIVACY_MODE');
    assert.equal(detector.seen.length, 1, 'a picture sent in privacy mode is not looked at');
  });

  it("one camera's picture cannot be filed under another camera's event, nor filed without a valid token", async () => {
    await start(true);
    const other = await pairWithHub(hub().base, (await openPairingWindow(hub().db, 60_000)).code, 'garden');
    await motion(other.token, 'start', 70_000);
    const res = await upload({ eventAt: 70_000, frameAt: 70_100, width: 320, height: 180 }, picture(320, 180));
    assert.equal(res.status, 404, 'the porch never reported motion at 70 000');
    assert.equal((await upload({ eventAt: 70_000, frameAt: 70_100, width: 320, height: 180 }, picture(320, 180), {}, 'x'.repeat(32))).status, 401);
    assert.deepEqual(hub().db.prepare('SELECT COUNT(*) AS n FROM motion_labels').get(), { n: 0 });
  });

  it('answers 503 "object detection is off" when the hub runs no detector', async () => {
    await start(false);
    await motion(cam.token, 'start', 50_000);
    const res = await upload({ eventAt: 50_000, frameAt: 50_100, width: 320, height: 180 }, picture(320, 180));
    assert.equal(res.status, 503);
    assert.equal(res.json().error.code, 'DETECTION_OFF');
    assert.match(res.json().error.message, /object detection is off/);
  });

  it('keeps a picture off the disk: after it was looked at, no file under the hub\'s data directory holds any of it', async () => {
    await start(true);
    await motion(cam.token, 'start', 50_000);
    // A picture no file could hold by chance: random bytes, searched for in 64-byte slices.
    const secret = randomBytes(yuv420pBytes(320, 180));
    // A person in it: the hub holds it as the event's thumbnail candidate until the hub stops.
    // (The drawn, sealed thumbnail is searched for in detectionThumbnails.test.ts.)
    detector.answers.push([person(0.9)]);
    const res = await upload({ eventAt: 50_000, frameAt: 50_100, width: 320, height: 180 }, secret);
    assert.equal(res.status, 200);
    assert.equal(detector.seen.length, 1, 'the picture was looked at');
    assert.equal(hub().hub.detectionThumbnails?.heldCount(), 1, 'held in memory as the best picture of its event');
    await hub().stop();
    t = undefined;
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await fs.readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) files.push(p);
      }
    };
    await walk(tmp.dir);
    assert.ok(files.some((f) => f.endsWith('.db') || f.endsWith('.sqlite')), `the hub's database is among the files searched: ${files.map((f) => path.basename(f)).join(', ')}`);
    for (const file of files) {
      const content = await fs.readFile(file);
      for (let at = 0; at + 64 <= secret.length; at += 4096) {
        assert.equal(content.indexOf(secret.subarray(at, at + 64)), -1, `${path.relative(tmp.dir, file)} holds bytes of the picture (from offset ${at})`);
      }
    }
  });

  it('answers 503 and looks at nothing for a camera set to detect no class', async () => {
    await start(true, { detection: { classes: [], alertOn: [] } });
    await motion(cam.token, 'start', 50_000);
    const res = await upload({ eventAt: 50_000, frameAt: 50_100, width: 320, height: 180 }, picture(320, 180));
    assert.equal(res.status, 503);
    assert.match(res.json().error.message, /off for this camera/);
    assert.equal(detector.seen.length, 0, 'the picture was not looked at');
  });

  it('closes its detector when it stops', async () => {
    await start(true);
    await t!.stop();
    t = undefined;
    assert.equal(detector.closed, true);
  });
});

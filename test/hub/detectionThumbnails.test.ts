import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { ClipEncryptor } from '../../common/clipEnvelope';
import { hubPaths } from '../../common/dataLayout';
import { DETECTION_META_HEADER, yuv420pBytes, type DetectedObject } from '../../common/detection';
import { loadFootageKeyPair } from '../../common/footageKeys';
import { openThumbnail } from '../../hub/clipThumbnails';
import { BOX_COLOURS } from '../../hub/detectionPictureJpeg';
import { openPairingWindow } from '../../hub/pairing';
import { OPENCV_SAMPLES_DIR } from '../../bench/labelledFootage';
import { MIN_SCORE_BOUND } from '../../common/detectionSettings';
import { WorkerDetector } from '../../hub/objectDetection/workerDetector';
import { pixelBox } from '../../hub/detectionThumbnailPolicy';
import { BOX_THICKNESS } from '../../hub/detectionPictureJpeg';
import { skipBecause } from '../helpers/skip';
import { addTestUser, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { makeTestMp4 } from '../helpers/media';
import { FixedAnswerDetectorDouble } from '../helpers/objectDetectorDouble';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/*
 * A clip's thumbnail is the detector's best picture of its motion with the boxes drawn: a real
 * hub, real ffmpeg drawing and decoding, real sealing. The object detector is the fixed-answer
 * double (test/helpers/objectDetectorDouble.ts): these tests are about which picture is kept,
 * drawn, stored and deleted, not about recognising anyone, and the real model takes seconds a
 * picture. The clip frames come from ffmpeg's colourful testsrc2; the detection picture is a
 * plain grey with faint noise, so which of the two a thumbnail shows is plain to see. The last
 * test runs the real model once, on real footage, to show the same path end to end.
 */

const W = 640;
const H = 360;
const THUMB_W = 320;
const THUMB_H = 180;

/** A grey picture (luma 120–135, neutral chroma) with noise no file could hold by chance. */
function greyPicture(): Buffer {
  const data = Buffer.alloc(yuv420pBytes(W, H), 128);
  for (let i = 0; i < W * H; i++) data[i] = 120 + Math.floor(Math.random() * 16);
  return data;
}

/** The JPEG decoded by ffmpeg to RGB, and a pixel reader. */
function decode(jpeg: Buffer, height = THUMB_H): { width: number; rgb: (x: number, y: number) => [number, number, number] } {
  const raw = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { input: jpeg });
  assert.equal(raw.length, THUMB_W * height * 3, `a ${THUMB_W} × ${height} picture`);
  return {
    width: THUMB_W,
    rgb: (x, y) => {
      const at = (y * THUMB_W + x) * 3;
      return [raw[at]!, raw[at + 1]!, raw[at + 2]!];
    },
  };
}

const near = (got: number[], want: number[], tolerance: number) => got.every((c, i) => Math.abs(c - want[i]!) <= tolerance);

/** Grey (the detection picture) at a few points away from any box, or not (a frame of the clip). */
function looksGrey(jpeg: Buffer): boolean {
  const img = decode(jpeg);
  return [
    [10, 10],
    [300, 20],
    [20, 170],
    [300, 170],
    [240, 100],
  ].every(([x, y]) => near(img.rgb(x!, y!), [130, 130, 130], 20));
}

describe('hub: a clip whose motion held a detection shows that picture, boxes drawn', function () {
  this.timeout(120_000);
  const tmp = useTempDir();
  let t: TestHub | undefined;
  let owner: SignedIn;
  let detector: FixedAnswerDetectorDouble;
  let camera: { deviceId: string; token: string; client: HubClient; publicKey: Uint8Array };
  let mp4: Buffer;

  const hub = () => t!;
  const dataDir = () => path.join(tmp.dir, 'hub');
  const device = (url: string, body: Buffer | string, headers: Record<string, string>) =>
    call(hub().base, 'POST', url, { body, headers: { authorization: `Bearer ${camera.token}`, ...headers } });
  const motion = (kind: 'start' | 'end', at: number) =>
    device('/api/device/events', JSON.stringify({ kind, mediaTime: 1, at }), { 'content-type': 'application/json' }).then((r) => assert.equal(r.status, 200, r.body.toString()));
  async function picture(eventAt: number, frameAt: number, data: Buffer, answer: DetectedObject[]): Promise<void> {
    detector.answers.push(answer);
    const res = await device('/api/device/detection-frames', data, {
      'content-type': 'application/octet-stream',
      [DETECTION_META_HEADER]: JSON.stringify({ eventAt, frameAt, width: W, height: H }),
    });
    assert.equal(res.status, 200, res.body.toString());
  }
  async function clip(startedAt: number, endedAt: number): Promise<string> {
    const clipId = randomUUID();
    const enc = await ClipEncryptor.create({ publicKey: camera.publicKey }, { clipId, deviceId: camera.deviceId });
    const file = path.join(tmp.dir, 'work', `${clipId}.plc`);
    writeFileSync(file, Buffer.concat([enc.header, ...enc.push(mp4), enc.final()]));
    await camera.client.uploadClip({ clipId, startedAt, endedAt, mediaStart: 0, mediaEnd: 3, trigger: 'motion' }, file);
    return clipId;
  }
  const thumbnail = (clipId: string) => call(hub().base, 'GET', `/api/clips/${clipId}/thumbnail`, { headers: owner.headers });
  const thumbFile = (clipId: string) => path.join(hubPaths(dataDir()).thumbs, clipId);
  /** The event's picture was encoded and sealed (nothing of it is held any more). */
  const encoded = () => until('the detection picture to be encoded', () => hub().hub.detectionThumbnails!.heldCount() === 0 && !hub().hub.detectionThumbnails!.settling({ deviceId: camera.deviceId, startedAt: 0, endedAt: Number.MAX_SAFE_INTEGER }));

  beforeEach(async () => {
    mkdirSync(path.join(tmp.dir, 'work'), { recursive: true });
    mp4 = makeTestMp4(path.join(tmp.dir, 'work'), 3);
    detector = new FixedAnswerDetectorDouble();
    t = await startTestHub(dataDir(), {}, undefined, {}, detector);
    await addTestUser(hub().db, 'owner');
    owner = await signIn(hub().base, 'owner', PASSWORDS.owner);
    const pairing = await pairWithHub(hub().base, (await openPairingWindow(hub().db, 60_000)).code, 'porch');
    const client = new HubClient({ ...pairing, name: 'porch', hubUrl: hub().base });
    camera = { deviceId: pairing.deviceId, token: pairing.token, client, publicKey: new Uint8Array(Buffer.from(pairing.footagePublicKey, 'base64')) };
  });
  afterEach(async () => {
    camera?.client.close();
    await t?.stop();
    t = undefined;
  });

  it('draws the best box on the best picture, seals it as the clip thumbnail before anyone asks, keeps no plaintext on disk, and deletes it with the clip', async () => {
    const start = 1_780_000_000_000;
    await motion('start', start);
    const weak = greyPicture();
    const best = greyPicture();
    const later = greyPicture();
    await picture(start, start + 500, weak, [{ label: 'person', cocoClass: 'person', score: 0.6, box: [0.6, 0.1, 0.2, 0.5] }]);
    await picture(start, start + 1500, best, [
      { label: 'person', cocoClass: 'person', score: 0.9, box: [0.25, 0.25, 0.25, 0.5] },
      { label: 'person', cocoClass: 'person', score: 0.2, box: [0.7, 0.6, 0.1, 0.3] }, // below the minimum: no box
    ]);
    await picture(start, start + 2500, later, [{ label: 'person', cocoClass: 'person', score: 0.7, box: [0.1, 0.1, 0.1, 0.1] }]);
    await motion('end', start + 3000);
    await encoded();

    // The clip arrives after its event's picture: it takes it at once, nobody has asked yet.
    const clipId = await clip(start - 3000, start + 6000);
    assert.ok(existsSync(thumbFile(clipId)), 'the detection thumbnail was stored with the clip');

    const res = await thumbnail(clipId);
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers['content-type'], 'image/jpeg');
    assert.equal(res.headers['cache-control'], 'private, max-age=86400', 'settled: the browser may keep it');
    const jpeg = res.body;
    assert.ok(looksGrey(jpeg), 'the detection picture, not a frame of the clip');
    const img = decode(jpeg);
    // The best box, [0.25, 0.25, 0.25, 0.5] → x 80, y 46, 80 × 90 px, outlined 4 px in the person colour.
    const person = BOX_COLOURS.person;
    for (const [x, y, edge] of [
      [81, 91, 'left'],
      [158, 91, 'right'],
      [120, 47, 'top'],
      [120, 134, 'bottom'],
    ] as const) {
      assert.ok(near(img.rgb(x, y), person, 45), `the ${edge} edge at (${x}, ${y}) is drawn: ${img.rgb(x, y).join(',')}`);
    }
    assert.ok(near(img.rgb(120, 91), [130, 130, 130], 20), 'the box is an outline: inside it the picture shows');
    assert.ok(near(img.rgb(225, 130), [130, 130, 130], 20), 'no box for an object below the minimum score');
    assert.ok(near(img.rgb(200, 19), [130, 130, 130], 20), "no box from the weaker picture's person");

    // Sealed at rest, like every thumbnail: the footage key opens exactly what was served.
    const keys = await loadFootageKeyPair(hubPaths(dataDir()).footageKey);
    const sealed = readFileSync(thumbFile(clipId));
    assert.deepEqual(await openThumbnail(sealed, keys), jpeg);
    assert.equal(sealed.indexOf(jpeg.subarray(0, 64)), -1);

    // The attacker's move: read every file under the data directory. Neither the camera's
    // picture nor the drawn JPEG is in any of them.
    await hub().stop();
    t = undefined;
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await fs.readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(path.join(dir, e.name));
        else if (e.isFile()) files.push(path.join(dir, e.name));
      }
    };
    await walk(dataDir());
    assert.ok(files.includes(thumbFile(clipId)) && files.some((f) => f.endsWith('.db')), 'the thumbnail and the database are among the files searched');
    for (const file of files) {
      const content = await fs.readFile(file);
      for (let at = 0; at + 64 <= W * H; at += 4096) {
        assert.equal(content.indexOf(best.subarray(at, at + 64)), -1, `${path.relative(dataDir(), file)} holds bytes of the picture`);
      }
      for (let at = 0; at + 32 <= jpeg.length; at += 256) {
        assert.equal(content.indexOf(jpeg.subarray(at, at + 32)), -1, `${path.relative(dataDir(), file)} holds bytes of the plain JPEG (offset ${at})`);
      }
    }

    // Deleting the clip deletes its detection thumbnail.
    t = await startTestHub(dataDir(), {}, undefined, {}, detector);
    owner = await signIn(hub().base, 'owner', PASSWORDS.owner);
    assert.deepEqual((await thumbnail(clipId)).body, jpeg, 'served from the sealed file after a restart');
    assert.equal((await call(hub().base, 'DELETE', `/api/clips/${clipId}`, { headers: owner.headers })).status, 200);
    assert.ok(!existsSync(thumbFile(clipId)), 'gone with the clip');
    assert.equal((await thumbnail(clipId)).status, 404);
  });

  it('replaces a picture made from the clip before the detection was ready, and asks the browser not to keep that one', async () => {
    const start = 1_780_000_100_000;
    await motion('start', start);
    // Motion longer than the clip: the clip holding its start arrives while it still goes on.
    const clipId = await clip(start - 3000, start + 27_000);
    const early = await thumbnail(clipId);
    assert.equal(early.status, 200);
    assert.ok(!looksGrey(early.body), 'a frame of the clip while nothing is detected yet');
    assert.equal(early.headers['cache-control'], 'private, no-cache', 'its motion is not over: the picture may still change');
    assert.ok(existsSync(thumbFile(clipId)), 'the clip frame is cached');

    await picture(start, start + 4000, greyPicture(), [{ label: 'vehicle', cocoClass: 'car', score: 0.8, box: [0.5, 0.5, 0.3, 0.3] }]);
    await motion('end', start + 40_000);
    await encoded();
    const keys = await loadFootageKeyPair(hubPaths(dataDir()).footageKey);
    const stored = await until('the detection picture to replace the cached clip frame', async () => {
      const jpeg = await openThumbnail(readFileSync(thumbFile(clipId)), keys);
      return jpeg && looksGrey(jpeg) ? jpeg : null;
    });
    const res = await thumbnail(clipId);
    assert.deepEqual(res.body, stored);
    assert.equal(res.headers['cache-control'], 'private, max-age=86400');
    // The car's box [0.5, 0.5, 0.3, 0.3] → x 160, y 90, 96 × 54 px: its left edge in the vehicle colour.
    assert.ok(near(decode(res.body).rgb(161, 117), BOX_COLOURS.vehicle, 45), `vehicle colour: ${decode(res.body).rgb(161, 117).join(',')}`);
  });

  it('keeps the clip frame for a clip whose motion had no counted object, and picks the alerting event of a clip with two', async () => {
    const quiet = 1_780_000_200_000;
    await motion('start', quiet);
    await picture(quiet, quiet + 500, greyPicture(), [{ label: 'person', cocoClass: 'person', score: 0.2, box: [0.2, 0.2, 0.2, 0.2] }]);
    await picture(quiet, quiet + 1500, greyPicture(), []);
    await motion('end', quiet + 2000);
    const plainId = await clip(quiet - 3000, quiet + 5000);
    const plain = await thumbnail(plainId);
    assert.equal(plain.status, 200);
    assert.ok(!looksGrey(plain.body), 'a frame of the clip: nothing counted (a person below the minimum score is no detection)');
    assert.equal(plain.headers['cache-control'], 'private, max-age=86400');
    const noMotionId = await clip(quiet + 100_000, quiet + 103_000);
    assert.ok(!looksGrey((await thumbnail(noMotionId)).body), 'a clip without motion events: a frame of the clip, as before');

    // One clip, two events: a cat scored 0.95 (counted, not alerted on by default) and a person
    // at 0.5 (alerted on). The person's picture is the one the household wants first.
    const a = 1_780_000_300_000;
    await motion('start', a);
    await picture(a, a + 500, greyPicture(), [{ label: 'animal', cocoClass: 'cat', score: 0.95, box: [0.1, 0.1, 0.2, 0.2] }]);
    await motion('end', a + 1000);
    await motion('start', a + 2000);
    await picture(a + 2000, a + 2500, greyPicture(), [{ label: 'person', cocoClass: 'person', score: 0.5, box: [0.5, 0.2, 0.2, 0.6] }]);
    await motion('end', a + 3000);
    await encoded();
    const bothId = await clip(a - 3000, a + 6000);
    const both = decode((await thumbnail(bothId)).body);
    // The person's box [0.5, 0.2, 0.2, 0.6] → x 160, y 36, 64 × 108: left edge at x 161.
    assert.ok(near(both.rgb(161, 90), BOX_COLOURS.person, 45), `the person's picture: ${both.rgb(161, 90).join(',')}`);
    assert.ok(near(both.rgb(33, 28), [130, 130, 130], 20), "not the cat's picture");
  });
});

describe('hub: the thumbnail of a real detection (CenterNet on a vtest.avi frame)', function () {
  this.timeout(120_000);
  const tmp = useTempDir();
  let t: TestHub | undefined;
  let client: HubClient | undefined;
  const VTEST = path.join(OPENCV_SAMPLES_DIR, 'vtest.avi');

  before(function () {
    if (!existsSync(VTEST)) skipBecause(this, 'opencv-doc is not installed (scripts/test-setup.sh installs it)');
  });
  afterEach(async () => {
    client?.close();
    await t?.stop();
    t = undefined;
  });

  it('draws the person the model found on the picture the camera sent, and stores it as the clip thumbnail', async () => {
    // Real footage and the real model: a camera's picture of people on a campus, 768 × 576.
    const frame = execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', VTEST, '-vf', 'select=eq(n\\,40)', '-fps_mode', 'passthrough', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'], { maxBuffer: 1 << 22 });
    assert.equal(frame.length, yuv420pBytes(768, 576));
    mkdirSync(path.join(tmp.dir, 'work'), { recursive: true });
    const mp4 = makeTestMp4(path.join(tmp.dir, 'work'), 3);
    t = await startTestHub(path.join(tmp.dir, 'hub'), {}, undefined, {}, new WorkerDetector({ minScore: MIN_SCORE_BOUND.min }));
    await addTestUser(t.db, 'owner');
    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const pairing = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'campus');
    client = new HubClient({ ...pairing, name: 'campus', hubUrl: t.base });
    const auth = { authorization: `Bearer ${pairing.token}` };
    const start = 1_780_000_400_000;
    const motion = (kind: 'start' | 'end', at: number) => call(t!.base, 'POST', '/api/device/events', { body: JSON.stringify({ kind, mediaTime: 1, at }), headers: { ...auth, 'content-type': 'application/json' } });
    assert.equal((await motion('start', start)).status, 200);
    const res = await call(t.base, 'POST', '/api/device/detection-frames', {
      body: frame,
      headers: { ...auth, 'content-type': 'application/octet-stream', [DETECTION_META_HEADER]: JSON.stringify({ eventAt: start, frameAt: start + 500, width: 768, height: 576 }) },
    });
    assert.equal(res.status, 200, res.body.toString());
    const objects = res.json().objects as DetectedObject[];
    const best = objects.filter((o) => o.label === 'person' && o.score >= 0.37).sort((a, b) => b.score - a.score)[0];
    assert.ok(best, `the model found a person: ${JSON.stringify(objects)}`);
    assert.equal((await motion('end', start + 1000)).status, 200);
    await until('the picture to be drawn', () => t!.hub.detectionThumbnails!.heldCount() === 0, 30_000);

    const clipId = randomUUID();
    const enc = await ClipEncryptor.create({ publicKey: new Uint8Array(Buffer.from(pairing.footagePublicKey, 'base64')) }, { clipId, deviceId: pairing.deviceId });
    const file = path.join(tmp.dir, 'work', `${clipId}.plc`);
    writeFileSync(file, Buffer.concat([enc.header, ...enc.push(mp4), enc.final()]));
    await client.uploadClip({ clipId, startedAt: start - 3000, endedAt: start + 4000, mediaStart: 0, mediaEnd: 3, trigger: 'motion' }, file);
    const thumb = await until('the thumbnail file', () => existsSync(path.join(hubPaths(path.join(tmp.dir, 'hub')).thumbs, clipId)));
    assert.ok(thumb);
    const got = await call(t.base, 'GET', `/api/clips/${clipId}/thumbnail`, { headers: owner.headers });
    assert.equal(got.status, 200);
    const img = decode(got.body, 240);
    // The best person's box is drawn last, on top: the middle of each side is amber.
    const b = pixelBox(best.box, THUMB_W, 240, BOX_THICKNESS);
    const mid = BOX_THICKNESS / 2 - 1;
    const sides: Array<[number, number]> = [
      [b.x + mid, b.y + b.h / 2],
      [b.x + b.w - 1 - mid, b.y + b.h / 2],
      [b.x + b.w / 2, b.y + mid],
      [b.x + b.w / 2, b.y + b.h - 1 - mid],
    ];
    for (const [x, y] of sides) assert.ok(near(img.rgb(Math.round(x), Math.round(y)), BOX_COLOURS.person, 60), `box side at (${x}, ${y}): ${img.rgb(Math.round(x), Math.round(y)).join(',')}`);
    // Away from the boxes the thumbnail is the camera's picture (ffmpeg's own scaling of it), not the clip.
    const plain = execFileSync('ffmpeg', ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', '768x576', '-i', 'pipe:0', '-vf', `scale=${THUMB_W}:240`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { input: frame });
    const boxes = objects.map((o) => pixelBox(o.box, THUMB_W, 240, BOX_THICKNESS));
    let diff = 0;
    let n = 0;
    for (let y = 4; y < 240; y += 8) {
      for (let x = 4; x < THUMB_W; x += 8) {
        if (boxes.some((q) => x >= q.x - 6 && x <= q.x + q.w + 6 && y >= q.y - 6 && y <= q.y + q.h + 6)) continue;
        const at = (y * THUMB_W + x) * 3;
        diff += img.rgb(x, y).reduce((sum, c, i) => sum + Math.abs(c - plain[at + i]!), 0) / 3;
        n += 1;
      }
    }
    assert.ok(n > 200, `${n} points away from the boxes`);
    assert.ok(diff / n < 12, `the camera's picture: mean difference ${(diff / n).toFixed(1)} grey levels from ffmpeg's scaling of it`);
  });
});

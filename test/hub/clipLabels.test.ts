import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { ClipEncryptor } from '../../common/clipEnvelope';
import { hubPaths } from '../../common/dataLayout';
import { yuv420pBytes, type DetectedObject } from '../../common/detection';
import { recordLabels } from '../../hub/motionLabels';
import { openPairingWindow } from '../../hub/pairing';
import { addTestUser, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { makeTestMp4 } from '../helpers/media';
import { FixedAnswerDetectorDouble } from '../helpers/objectDetectorDouble';
import { useTempDir } from '../helpers/tmp';

/*
 * A clip's labels and the timeline's label filter, and ingest dropping a motion clip whose
 * events the detector looked at and found nothing counted in, against a real hub: clips
 * uploaded by a paired camera, motion reported through the device API, what the detector saw
 * recorded through the real detection-frames route (test double detector) or recordLabels.
 */

const T = Date.parse('2026-03-08T15:00:00Z');
const CLIP_MS = 3000;

const seen = (label: DetectedObject['label'], cocoClass: string, score: number, box: DetectedObject['box'] = [0.4, 0.2, 0.2, 0.5]): DetectedObject => ({ label, cocoClass, score, box });

describe('clip labels: what the detector counted in each clip, the label filter, and clips not kept', function () {
  this.timeout(120_000);
  const tmp = useTempDir();
  let t: TestHub | undefined;
  let owner: SignedIn;
  let camera: { deviceId: string; client: HubClient; publicKey: Uint8Array };
  let detector: FixedAnswerDetectorDouble;
  let mp4: Buffer;

  const hub = () => t!;

  async function start(hubOverrides: Record<string, unknown> = {}): Promise<void> {
    mkdirSync(path.join(tmp.dir, 'work'), { recursive: true });
    mp4 = makeTestMp4(path.join(tmp.dir, 'work'), 3);
    detector = new FixedAnswerDetectorDouble();
    t = await startTestHub(path.join(tmp.dir, 'hub'), hubOverrides, undefined, {}, detector);
    await addTestUser(hub().db, 'owner');
    owner = await signIn(hub().base, 'owner', PASSWORDS.owner);
    const pairing = await pairWithHub(hub().base, (await openPairingWindow(hub().db, 60_000)).code, 'porch');
    camera = {
      deviceId: pairing.deviceId,
      client: new HubClient({ ...pairing, name: 'porch', hubUrl: hub().base }),
      publicKey: new Uint8Array(Buffer.from(pairing.footagePublicKey, 'base64')),
    };
  }

  afterEach(async () => {
    camera?.client.close();
    await t?.stop();
    t = undefined;
  });

  async function upload(startedAt: number): Promise<string> {
    const clipId = randomUUID();
    const enc = await ClipEncryptor.create({ publicKey: camera.publicKey }, { clipId, deviceId: camera.deviceId });
    const file = path.join(tmp.dir, 'work', `${clipId}.plc`);
    writeFileSync(file, Buffer.concat([enc.header, ...enc.push(mp4), enc.final()]));
    // Resolves only on a 200/201: the hub acknowledged the clip, so a camera deletes its copy.
    await camera.client.uploadClip({ clipId, startedAt, endedAt: startedAt + CLIP_MS, mediaStart: 0, mediaEnd: 3, trigger: 'motion' }, file);
    return clipId;
  }

  /** Motion as the camera reports it; `end` undefined: still going. */
  async function motion(at: number, end?: number): Promise<void> {
    await camera.client.sendEvent({ kind: 'start', mediaTime: 1, at });
    if (end !== undefined) await camera.client.sendEvent({ kind: 'end', mediaTime: 2, at: end });
  }

  /** One picture of the event through the real route; the detector double answers `objects`. */
  async function picture(eventAt: number, objects: DetectedObject[]): Promise<void> {
    detector.answers.push(objects);
    await camera.client.uploadDetectionFrame({ eventAt, frameAt: eventAt + 500, width: 64, height: 64 }, new Uint8Array(yuv420pBytes(64, 64)));
  }

  const clips = async (query = '') => {
    const res = await call(hub().base, 'GET', `/api/clips${query}`, { headers: owner.headers });
    assert.equal(res.status, 200, res.body.toString());
    return res.json().clips as Array<{ id: string; labels: Array<{ label: string; score: number; box: number[]; frameAt: number }> }>;
  };
  const labelsOf = async (id: string) => (await clips()).find((c) => c.id === id)?.labels.map((l) => `${l.label} ${l.score}`);

  it('gives each clip the best counted score per label of the motion that started in it, and filters the timeline by label', async () => {
    await start();
    const db = hub().db;
    // Clip A: two events within it (a person at 0.7 then 0.9; a car below the minimum score),
    // and an event that started before it (an animal: the earlier clip's, not this one's).
    await motion(T - 1000, T - 500);
    recordLabels(db, camera.deviceId, T - 1000, T - 900, [seen('animal', 'cat', 0.95)], T);
    await motion(T + 500, T + 1000);
    recordLabels(db, camera.deviceId, T + 500, T + 600, [seen('person', 'person', 0.7), seen('vehicle', 'car', 0.3)], T);
    await motion(T + 2000, T + 2500);
    recordLabels(db, camera.deviceId, T + 2000, T + 2100, [seen('person', 'person', 0.9, [0.1, 0.1, 0.2, 0.6])], T);
    const a = await upload(T);
    // Clip B: a car seen through the real detection-frames route.
    await motion(T + 10_500, T + 11_000);
    await picture(T + 10_500, [seen('vehicle', 'truck', 0.8)]);
    const b = await upload(T + 10_000);
    // Clip C: a person only below the minimum score: no label shows, and the filter leaves it out.
    await motion(T + 20_500, T + 21_000);
    recordLabels(db, camera.deviceId, T + 20_500, T + 20_600, [seen('person', 'person', 0.35)], T);
    const c = await upload(T + 20_000);
    // Clip D: looked at, nothing seen; kept (recordWithoutObject is on by default).
    await motion(T + 30_500, T + 31_000);
    await picture(T + 30_500, []);
    const d = await upload(T + 30_000);

    const all = await clips();
    assert.deepEqual(all.map((x) => x.id), [d, c, b, a]);
    assert.deepEqual(all.find((x) => x.id === a)?.labels, [{ label: 'person', score: 0.9, box: [0.1, 0.1, 0.2, 0.6], frameAt: T + 2100 }]);
    assert.deepEqual(await labelsOf(b), ['vehicle 0.8']);
    assert.deepEqual(await labelsOf(c), []);
    assert.deepEqual(await labelsOf(d), []);

    assert.deepEqual((await clips('?labels=person')).map((x) => x.id), [a]);
    assert.deepEqual((await clips('?labels=vehicle,person')).map((x) => x.id), [b, a]);
    assert.deepEqual((await clips('?labels=animal')).map((x) => x.id), [], 'the animal is the earlier motion’s, in no clip');
    // Paging past a clip the filter's index lookup finds but the settings do not count (C).
    const first = await call(hub().base, 'GET', '/api/clips?labels=person&limit=1', { headers: owner.headers });
    assert.deepEqual(first.json().clips.map((x: { id: string }) => x.id), [a]);

    for (const bad of ['people', 'person,', 'PERSON', 'person,cat']) {
      const res = await call(hub().base, 'GET', `/api/clips?labels=${encodeURIComponent(bad)}`, { headers: owner.headers });
      assert.equal(res.status, 400, bad);
      assert.match(res.json().error.message, /labels must be person, vehicle, animal/);
    }
    const named = await call(hub().base, 'GET', '/api/clips?labels=people', { headers: owner.headers });
    assert.match(named.json().error.message, /"people" is not one/);
  });

  it('acknowledges but does not keep a motion clip the detector looked at with nothing counted, when the camera records objects only', async () => {
    await start({ detection: { recordWithoutObject: false } });
    const db = hub().db;
    // Looked at, nothing: dropped.
    await motion(T + 500, T + 1500);
    await picture(T + 500, []);
    await picture(T + 500, [seen('person', 'person', 0.2)]);
    const nothing = await upload(T);
    // Never looked at (detector down, pictures lost): kept, on doubt.
    await motion(T + 10_500, T + 11_500);
    const unlooked = await upload(T + 10_000);
    // Looked at, a person counted: kept.
    await motion(T + 20_500, T + 21_500);
    await picture(T + 20_500, [seen('person', 'person', 0.9)]);
    const person = await upload(T + 20_000);
    // Looked at, nothing yet, but the motion has not ended: a later picture may hold a person.
    await motion(T + 30_500);
    await picture(T + 30_500, []);
    const going = await upload(T + 30_000);
    // No motion event in the clip at all: kept.
    const bare = await upload(T + 40_500);

    const stored = (id: string) => db.prepare('SELECT 1 FROM clips WHERE id = ?').get(id) !== undefined;
    assert.equal(stored(nothing), false, 'the empty clip was not indexed');
    assert.equal(existsSync(path.join(hubPaths(path.join(tmp.dir, 'hub')).clips, `${nothing}.plc`)), false, 'nor kept on disk');
    for (const id of [unlooked, person, going, bare]) assert.equal(stored(id), true, id);
    assert.deepEqual((await clips()).map((c) => c.id), [bare, going, person, unlooked]);
    assert.deepEqual(await labelsOf(person), ['person 0.9']);

    const audit = db.prepare("SELECT actor, target, detail FROM audit_log WHERE action = 'clip.not_kept'").all() as Array<{ actor: string; target: string; detail: string }>;
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.target, `clip:${nothing}`);
    assert.equal(audit[0]!.actor, 'system');
    assert.equal(JSON.parse(audit[0]!.detail).events, 1);

    // A camera that lost the acknowledgement sends again: acknowledged again, still not kept.
    const again = randomUUID();
    const enc = await ClipEncryptor.create({ publicKey: camera.publicKey }, { clipId: again, deviceId: camera.deviceId });
    const file = path.join(tmp.dir, 'work', `${again}.plc`);
    writeFileSync(file, Buffer.concat([enc.header, ...enc.push(mp4), enc.final()]));
    const meta = { clipId: again, startedAt: T, endedAt: T + CLIP_MS, mediaStart: 0, mediaEnd: 3, trigger: 'motion' as const };
    await camera.client.uploadClip(meta, file);
    await camera.client.uploadClip(meta, file);
    assert.equal(stored(again), false);
  });

  it('keeps a clip with nothing counted when the camera records every motion', async () => {
    await start();
    await motion(T + 500, T + 1500);
    await picture(T + 500, []);
    const id = await upload(T);
    assert.deepEqual(await labelsOf(id), []);
  });
});

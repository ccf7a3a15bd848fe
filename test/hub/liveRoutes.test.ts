import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { Fmp4Splitter, type Fragment } from '../../common/fmp4';
import { HubClient, pairWithHub, type LiveUpload } from '../../camera-agent/hubClient';
import { openPairingWindow } from '../../hub/pairing';
import { Camera, watch } from '../helpers/liveViewer';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { makeTestMp4 } from '../helpers/media';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/*
 * The hub's side of live view, with a real hub, a paired camera speaking the real device
 * protocol (channel + streaming upload of real ffmpeg output) and WebSocket viewers.
 */

describe('live view on the hub', function () {
  this.timeout(120_000);
  const tmp = useTempDir();
  let t: TestHub;
  let owner: SignedIn;
  let camera: Camera;
  let init: Buffer;
  let fragments: Fragment[];

  before(() => {
    const out = new Fmp4Splitter().push(makeTestMp4(tmp.dir, 6));
    init = out.init!;
    fragments = out.fragments;
    assert.ok(fragments.length >= 5);
  });

  beforeEach(async () => {
    t = await startTestHub(`${tmp.dir}/hub-${Date.now()}`);
    await addTestUser(t.db, 'owner');
    await addTestUser(t.db, 'viewer');
    owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const pairing = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'porch');
    camera = new Camera(pairing.deviceId, new HubClient({ ...pairing, name: 'porch', hubUrl: t.base }));
  });
  afterEach(async () => {
    camera.close();
    await t.stop();
  });

  const devices = async () => (await call(t.base, 'GET', '/api/devices', { headers: owner.headers })).json().devices as Array<{ id: string; live: boolean }>;

  it("relays the camera's own fragments: late joiners start at a fragment boundary, and the camera is told to stop when the last viewer leaves", async () => {
    camera.open();
    await until('the camera to be online', async () => (await devices())[0]?.id === camera.id && (await call(t.base, 'GET', '/api/devices', { headers: owner.headers })).json().devices[0].online, 10_000);
    const first = watch(t, owner, camera.id);
    await until('the camera to be asked to stream', async () => camera.live().includes(true), 5000);
    const upload: LiveUpload = camera.client.liveUpload();
    upload.write(init);
    upload.write(fragments[0]!.data);
    await until('the viewers to get the video', async () => first.binary.length >= 2, 5000);
    assert.equal(first.json.length, 1);
    assert.equal(first.json[0]!.type, 'stream');
    assert.match(first.json[0]!.mime!, /^video\/mp4; codecs="avc1\.[0-9a-f]{6}"$/);
    assert.ok(first.binary[0]!.equals(init), 'the init segment, byte for byte');
    assert.ok(first.binary[1]!.equals(fragments[0]!.data));
    assert.equal((await devices())[0]!.live, true, 'the hub reports the camera streaming');

    upload.write(fragments[1]!.data);
    await until('the viewers to get the video', async () => first.binary.length >= 3, 5000);
    const late = watch(t, owner, camera.id);
    await until('the viewers to get the video', async () => late.binary.length >= 2, 5000);
    assert.ok(late.binary[0]!.equals(init));
    assert.ok(late.binary[1]!.equals(fragments[1]!.data), 'a late joiner gets the newest whole fragment at once');
    // A camera's fragments reach the hub in pieces of any size.
    const f2 = fragments[2]!.data;
    upload.write(f2.subarray(0, 100));
    upload.write(f2.subarray(100));
    await until('the viewers to get the video', async () => late.binary.length >= 3 && first.binary.length >= 4, 5000);
    assert.ok(late.binary[2]!.equals(f2) && first.binary[3]!.equals(f2));

    first.ws.close();
    late.ws.close();
    await until('the camera to be told to stop', async () => camera.live().at(-1) === false, 6000);
    upload.end();
    await upload.done;
    await until('the hub to report no live stream', async () => (await devices())[0]!.live === false, 5000);
    const audit = t.db.prepare("SELECT actor, target FROM audit_log WHERE action = 'live.started'").all() as Array<{ actor: string; target: string }>;
    assert.deepEqual(audit, [{ actor: 'user:owner', target: `device:${camera.id}` }, { actor: 'user:owner', target: `device:${camera.id}` }]);
  });

  it('cuts a stream that goes on after the camera was told to stop', async () => {
    camera.open();
    await until('the camera to be online', async () => (await call(t.base, 'GET', '/api/devices', { headers: owner.headers })).json().devices[0].online, 10_000);
    const viewer = watch(t, owner, camera.id);
    await until('the camera to be asked to stream', async () => camera.live().includes(true), 5000);
    const upload = camera.client.liveUpload();
    upload.write(init);
    upload.write(fragments[0]!.data);
    await until('the viewers to get the video', async () => viewer.binary.length >= 2, 5000);
    viewer.ws.close();
    // This camera ignores the stop and keeps sending: the hub answers its upload anyway.
    let i = 1;
    const feeder = setInterval(() => upload.write(fragments[i++ % fragments.length]!.data), 500);
    try {
      await upload.done;
    } finally {
      clearInterval(feeder);
      upload.abort();
    }
    assert.ok(camera.live().includes(false));
  });

  it('refuses live view when the camera is offline, in privacy mode, without a grant, and from another site', async () => {
    const offline = watch(t, owner, camera.id);
    assert.equal(await offline.closed, 4000);
    assert.deepEqual(offline.json, [{ type: 'error', code: 'CAMERA_OFFLINE', message: 'the camera is offline' }]);

    camera.open();
    await until('the camera to be online', async () => (await call(t.base, 'GET', '/api/devices', { headers: owner.headers })).json().devices[0].online, 10_000);
    const viewerUser = await signIn(t.base, 'viewer', PASSWORDS.viewer);
    const ungranted = watch(t, viewerUser, camera.id);
    await ungranted.closed;
    assert.deepEqual(ungranted.json, [{ type: 'error', code: 'NO_SUCH_DEVICE', message: 'no such camera' }]);

    const foreign = watch(t, owner, camera.id, 'https://evil.example');
    const status = await new Promise<number>((resolve) => foreign.ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    assert.equal(status, 403, 'a page of another site cannot open live view with the owner cookie');

    const watching = watch(t, owner, camera.id);
    await until('the camera to be asked to stream', async () => camera.live().includes(true), 5000);
    const upload = camera.client.liveUpload();
    upload.write(init);
    upload.write(fragments[0]!.data);
    await until('the viewers to get the video', async () => watching.binary.length >= 2, 5000);
    const privacy = await call(t.base, 'PUT', '/api/arming/mode', { body: JSON.stringify({ mode: 'privacy' }), headers: { ...owner.headers, ...JSON_HEADERS } });
    assert.equal(privacy.status, 200, privacy.body.toString());
    assert.equal(await watching.closed, 4000);
    assert.deepEqual(watching.json.at(-1), { type: 'error', code: 'PRIVACY_MODE', message: 'live view is off while the home is in privacy mode' });
    await assert.rejects(upload.done, (err: Error & { code?: string }) => err.code === 'PRIVACY_MODE', "the camera's upload is ended at once");
    upload.abort();

    const refused = watch(t, owner, camera.id);
    await refused.closed;
    assert.deepEqual(refused.json, [{ type: 'error', code: 'PRIVACY_MODE', message: 'live view is off while the home is in privacy mode' }]);
    const sneaky = camera.client.liveUpload();
    sneaky.write(init);
    await assert.rejects(sneaky.done, (err: Error & { status?: number }) => err.status === 409, 'a camera cannot stream in privacy mode either');
    assert.equal((await devices())[0]!.live, false);
  });

  it('refuses an upload that is not fragmented MP4', async () => {
    camera.open();
    const upload = camera.client.liveUpload();
    upload.write(Buffer.from(readFileSync(__filename)));
    await assert.rejects(upload.done, (err: Error & { status?: number; code?: string }) => err.status === 400 && err.code === 'BAD_STREAM');
    upload.abort();
  });
});

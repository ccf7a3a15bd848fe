import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CameraAgent } from '../../camera-agent/agent';
import { DeviceChannel } from '../../camera-agent/deviceChannel';
import { HubClient } from '../../camera-agent/hubClient';
import { pairCamera } from '../../camera-agent/pairCamera';
import { parseConfig } from '../../common/config';
import { openPairingWindow } from '../../hub/pairing';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { captureLog } from '../helpers/logCapture';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/** Width and height of a JPEG, as ffprobe reads it. */
function jpegSize(jpeg: Buffer): { width: number; height: number } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-f', 'image2pipe', '-i', 'pipe:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json'], { input: jpeg });
  const stream = (JSON.parse(out.toString()) as { streams: Array<{ codec_name: string; width: number; height: number }> }).streams[0]!;
  assert.equal(stream.codec_name, 'mjpeg');
  return { width: stream.width, height: stream.height };
}

describe('camera snapshot: a current picture from the camera, for drawing zones', function () {
  this.timeout(120_000);
  const tmp = useTempDir();
  let t: TestHub;
  let owner: SignedIn;
  let installer: SignedIn;
  let viewer: SignedIn;

  beforeEach(async () => {
    t = await startTestHub(path.join(tmp.dir, 'hub'));
    for (const role of ['owner', 'installer', 'viewer'] as const) await addTestUser(t.db, role);
    [owner, installer, viewer] = await Promise.all([
      signIn(t.base, 'owner', PASSWORDS.owner),
      signIn(t.base, 'installer', PASSWORDS.installer),
      signIn(t.base, 'viewer', PASSWORDS.viewer),
    ]);
  });
  afterEach(async () => t.stop());

  const snapshot = (who: SignedIn, id: string) => call(t.base, 'GET', `/api/cameras/${id}/snapshot`, { headers: who.headers });

  it('a running camera (real ffmpeg on a simulated scene) answers with a JPEG of its stream; settings reach it live; privacy and offline are refused', async () => {
    const agentDir = path.join(tmp.dir, 'agent');
    const identity = await pairCamera(agentDir, t.base, (await openPairingWindow(t.db, 60_000)).code, 'porch');
    const config = parseConfig({ dataDir: agentDir, agent: { name: 'porch', source: 'sim:person-walks', video: { width: 320, height: 180 } } });
    const agent = new CameraAgent(config, captureLog().log);
    await agent.start();
    try {
      const id = identity.deviceId;
      // Until the first fragment is in, the camera has no picture to give.
      const res = await until('a snapshot', async () => {
        const r = await snapshot(owner, id);
        return r.status === 200 ? r : null;
      }, 30_000, 500);
      assert.equal(res.headers['content-type'], 'image/jpeg');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.deepEqual(jpegSize(res.body), { width: 320, height: 180 });
      assert.ok(t.db.prepare("SELECT 1 FROM audit_log WHERE action = 'camera.snapshot_viewed' AND actor = 'user:owner'").get(), 'seeing the picture is audited like watching a clip');

      const installerRes = await snapshot(installer, id);
      assert.equal(installerRes.status, 403, 'an installer never sees footage');
      assert.equal((await snapshot(viewer, id)).status, 404, 'a viewer without a grant does not learn the camera exists');

      // A mask drawn on that picture reaches the running camera, which keeps it on disk.
      const mask = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.6], [0.1, 0.6]];
      const put = await call(t.base, 'PUT', `/api/cameras/${id}/settings`, { body: JSON.stringify({ ignoreMasks: [mask], sensitivity: 7 }), headers: { ...owner.headers, ...JSON_HEADERS } });
      assert.equal(put.status, 200, put.body.toString());
      const kept = await until('settings on the camera', () => {
        const file = path.join(agentDir, 'camera-settings.json');
        return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { settings: { ignoreMasks: unknown; sensitivity: number } }) : null;
      });
      assert.deepEqual(kept.settings.ignoreMasks, [mask]);
      assert.equal(kept.settings.sensitivity, 7);
      assert.equal((await snapshot(owner, id)).status, 200, 'the camera goes on answering after its detector was rebuilt');

      assert.equal((await call(t.base, 'PUT', '/api/arming/mode', { body: JSON.stringify({ mode: 'privacy' }), headers: { ...owner.headers, ...JSON_HEADERS } })).status, 200);
      const privacy = await snapshot(owner, id);
      assert.equal(privacy.status, 409);
      assert.equal(privacy.json().error.code, 'PRIVACY_MODE');
      assert.match(privacy.json().error.message, /privacy mode/);
      assert.equal((await call(t.base, 'PUT', '/api/arming/mode', { body: JSON.stringify({ mode: 'disarmed' }), headers: { ...owner.headers, ...JSON_HEADERS } })).status, 200);
    } finally {
      await agent.stop();
    }
    const offline = await until('camera offline', async () => {
      const r = await snapshot(owner, identity.deviceId);
      return r.json().error?.code === 'CAMERA_OFFLINE' ? r : null;
    });
    assert.equal(offline.status, 409);
    assert.equal(offline.json().error.message, 'the camera is offline');
  });

  it('a camera that does not answer gives 504; a camera may only answer what it was asked, with a JPEG', async () => {
    const agentDir = path.join(tmp.dir, 'agent');
    const identity = await pairCamera(agentDir, t.base, (await openPairingWindow(t.db, 60_000)).code, 'porch');
    const client = new HubClient(identity);
    const asked: string[] = [];
    const listener = new DeviceChannel(client, captureLog().log).on('snapshot', (data) => asked.push((JSON.parse(data) as { requestId: string }).requestId));
    listener.start();
    try {
      await until('camera online', async () => (await call(t.base, 'GET', '/api/devices', { headers: owner.headers })).json().devices[0]?.online);
      const slow = await snapshot(owner, identity.deviceId);
      assert.equal(slow.status, 504);
      assert.equal(slow.json().error.message, 'the camera did not send a picture in time');
      assert.equal(asked.length, 1);
      await assert.rejects(client.sendSnapshot(asked[0]!, Buffer.from([0xff, 0xd8, 0xff, 0xe0])), /no picture is awaited/, 'too late');

      const pending = snapshot(owner, identity.deviceId);
      const requestId = await until('a second request', () => asked[1]);
      await assert.rejects(client.sendSnapshot(requestId, Buffer.from('<html>not a picture</html>')), /not a JPEG/);
      await assert.rejects(client.sendSnapshot('00000000-0000-4000-8000-000000000000', Buffer.from([0xff, 0xd8, 0xff, 0xe0])), /no picture is awaited/);
      const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100)]);
      await client.sendSnapshot(requestId, jpeg);
      const res = await pending;
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, jpeg);
    } finally {
      await listener.stop();
      client.close();
    }
  });
});

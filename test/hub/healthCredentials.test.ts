import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { openPairingWindow } from '../../hub/pairing';
import { call } from '../helpers/https';
import { addTestUser, PASSWORDS, signIn, startTestHub, type TestHub } from '../helpers/hub';
import { useTempDir } from '../helpers/tmp';

/*
 * A camera's health detail is ffmpeg's own words, which repeat the camera's URL. The agent
 * takes the credentials out (test/camera-agent/cameraOutages.test.ts); this is the hub's
 * side, against a report that still carries them: the API (and so the UI, which shows only
 * what the API gives) never does.
 */
describe("camera health: a password in a camera's report never reaches the API", function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let hub: TestHub | null = null;
  let client: HubClient | null = null;
  afterEach(async () => {
    client?.close();
    await hub?.stop();
    hub = client = null;
  });

  it('a detail holding rtsp://user:password@… is shown as rtsp://***@… by GET /api/devices and /api/dashboard', async () => {
    hub = await startTestHub(path.join(tmp.dir, 'hub'));
    await addTestUser(hub.db, 'owner');
    const paired = await pairWithHub(hub.base, (await openPairingWindow(hub.db, 60_000)).code, 'porch');
    client = new HubClient({ ...paired, name: 'porch', hubUrl: hub.base });
    const password = 'Porch-Secret-9x7';
    // What ffmpeg says of a camera that refused it, had the agent not cleaned it; the password
    // with an unescaped "/" as well, which a naive user:password@ pattern would only half take out.
    const detail = `rtsp://admin:${password}@192.168.1.40:554/Streaming/Channels/101: Server returned 401 Unauthorized (authorization failed) | rtsp://admin:ab/${password}@192.168.1.40/sub: 401`;
    await client.sendHealth({ state: 'unauthorized', since: Date.now(), failures: 3, detail });

    const owner = await signIn(hub.base, 'owner', PASSWORDS.owner);
    const devices = await call(hub.base, 'GET', '/api/devices', { headers: owner.headers });
    assert.equal(devices.status, 200);
    const dashboard = await call(hub.base, 'GET', '/api/dashboard', { headers: owner.headers });
    assert.equal(dashboard.status, 200);
    for (const [route, body] of [
      ['/api/devices', devices.body.toString('utf8')],
      ['/api/dashboard', dashboard.body.toString('utf8')],
    ] as const) {
      assert.ok(!body.includes(password), `${route} holds the password: ${body}`);
      assert.ok(!body.includes('admin'), `${route} holds the user name`);
    }
    const health = (devices.json() as { devices: Array<{ health?: { state: string; detail: string | null } }> }).devices[0]!.health!;
    assert.equal(health.state, 'unauthorized');
    // Still useful: which camera, which stream, what it said.
    assert.equal(health.detail, 'rtsp://***@192.168.1.40:554/Streaming/Channels/101: Server returned 401 Unauthorized (authorization failed) | rtsp://***@192.168.1.40/sub: 401');
  });
});

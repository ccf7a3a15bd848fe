import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { openPairingWindow } from '../../hub/pairing';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { ArmingFollower } from '../../camera-agent/armingFollower';
import { DeviceChannel } from '../../camera-agent/deviceChannel';
import { writeRelayStatus } from '../../common/cloud/cloudHealth';
import { addTestUser, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { captureLog } from '../helpers/logCapture';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

describe('GET /api/system: what the System page shows an owner or installer', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;
  let installer: SignedIn;

  beforeEach(async () => {
    t = await startTestHub(path.join(tmp.dir, 'hub'));
    await addTestUser(t.db, 'installer');
    installer = await signIn(t.base, 'installer', PASSWORDS.installer);
  });
  afterEach(async () => {
    await t.stop();
  });

  const system = async () => {
    const res = await call(t.base, 'GET', '/api/system', { headers: installer.headers });
    assert.equal(res.status, 200, res.body.toString());
    return res.json();
  };

  it('names the versions, the ports, the certificate, the disk the clips live on, and how long the hub has run', async () => {
    const s = await system();
    assert.match(s.version, /^\d+\.\d+\.\d+/);
    assert.equal(s.httpsPort, t.httpsPort);
    assert.equal(s.httpPort, t.httpPort);
    assert.equal(s.versions.node, process.versions.node);
    assert.match(s.versions.ffmpeg, /^\S*\d/, 'the system ffmpeg is installed in this test environment, so its version is shown');
    assert.equal(s.certificate.source, 'local');
    assert.ok(Date.parse(s.certificate.validTo) > Date.now(), 'the hub made a certificate that is still valid');
    assert.match(s.certificate.fingerprint, /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
    assert.ok(s.disk.totalBytes > 0 && s.disk.freeBytes > 0 && s.disk.freeBytes <= s.disk.totalBytes);
    assert.equal(typeof s.mailConfigured, 'boolean');

    t.clock.advance(90_000);
    assert.equal((await system()).uptimeSeconds - s.uptimeSeconds, 90, 'uptime follows the hub clock');
  });

  it("shows the relay's state with its last heartbeat, and a relay that went quiet as not running", async () => {
    assert.equal((await system()).cloud.state, 'not-running');
    assert.equal((await system()).cloud.heartbeatAt, null);
    const beat = t.clock.now();
    writeRelayStatus(t.db, { state: 'online', since: beat, target: 's3://bucket', lastError: null, lastUploadAt: null, heartbeatAt: beat });
    let s = await system();
    assert.equal(s.cloud.state, 'online');
    assert.equal(s.cloud.heartbeatAt, beat);
    t.clock.advance(10 * 60_000);
    s = await system();
    assert.equal(s.cloud.state, 'not-running');
    assert.equal(s.cloud.heartbeatAt, beat, 'the page can say since when the relay has been silent');
  });

  it('lists each active camera as online while its channel is open and offline after it hangs up; revoked cameras are not listed', async () => {
    const pair = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'porch');
    const gone = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'shed');
    t.db.prepare('UPDATE devices SET revoked_at = ? WHERE id = ?').run(Date.now(), gone.deviceId);
    const client = new HubClient({ ...pair, name: 'porch', hubUrl: t.base });
    const follower = new ArmingFollower(path.join(tmp.dir, 'arming.json'), () => {}, captureLog().log);
    const channel = new DeviceChannel(client, captureLog().log).on('arming', (data) => follower.receive(data));
    await follower.start();
    channel.start();
    try {
      await until('camera online', async () => (await system()).cameras.some((c: { online: boolean }) => c.online));
      const cams = (await system()).cameras as Array<{ id: string; name: string; online: boolean; lastSeenAt: number | null }>;
      assert.deepEqual(cams.map((c) => [c.name, c.online]), [['porch', true]]);
      assert.ok(cams[0]!.lastSeenAt !== null);
    } finally {
      await channel.stop();
      await follower.stop();
      client.close();
    }
    await until('camera offline', async () => (await system()).cameras.every((c: { online: boolean }) => !c.online));
  });
});

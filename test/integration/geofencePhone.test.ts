import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { openPairingWindow } from '../../hub/pairing';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { ArmingFollower } from '../../camera-agent/armingFollower';
import { DeviceChannel } from '../../camera-agent/deviceChannel';
import type { CameraArming } from '../../common/protocol';
import { fixAt, postOwnTracks, ROUTES, routeMinutes, seededRandom } from '../../simulator/virtualPhone';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { captureLog } from '../helpers/logCapture';
import { startBroker } from '../helpers/mosquitto';
import { useTempDir } from '../helpers/tmp';

const HOME = { lat: 48.1372, lon: 11.5756 };
const run = promisify(execFile);
const CLI = path.join(__dirname, '..', '..', '..', 'bin', 'porchlight.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('integration: a virtual phone walks out of the geofence and back', function () {
  this.timeout(120_000);
  const tmp = useTempDir();

  it('porchlight sim phone walks the errand against a running hub, and refuses a bad route file', async () => {
    const t = await startTestHub(path.join(tmp.dir, 'hub'));
    try {
      await addTestUser(t.db, 'owner');
      const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
      await call(t.base, 'PUT', '/api/arming/settings', { body: JSON.stringify({ home: HOME, geofenceEnabled: true }), headers: { ...owner.headers, ...JSON_HEADERS } });
      const creds = (await call(t.base, 'POST', '/api/me/geofence/owntracks', { headers: owner.headers })).json() as { password: string };
      const tokenFile = path.join(tmp.dir, 'token');
      writeFileSync(tokenFile, creds.password, { mode: 0o600 });
      const base = ['sim', 'phone', '--hub', t.base, '--user', 'owner', '--token-file', tokenFile, '--home', `${HOME.lat},${HOME.lon}`];
      const badRoute = path.join(tmp.dir, 'route.json');
      writeFileSync(badRoute, JSON.stringify({ name: 'bad', legs: [{ minutes: -1, toMetresNorth: 10 }], accuracyM: 10, jitterM: 5 }));
      const bad = await run(process.execPath, [CLI, ...base, '--route-file', badRoute]).catch((e: { code: number; stderr: string }) => e);
      assert.equal((bad as { code: number }).code, 1);
      assert.match((bad as { stderr: string }).stderr, /leg 1: minutes must be between 0 and 1440/);
      const changes: string[] = [];
      const watch = setInterval(() => {
        const row = t.db.prepare('SELECT mode FROM arming_events ORDER BY id DESC LIMIT 1').get() as { mode: string } | undefined;
        if (row && row.mode !== changes[changes.length - 1]) changes.push(row.mode);
      }, 20);
      try {
        const walk = await run(process.execPath, [CLI, ...base, '--speed', '1200', '--every', '60']);
        assert.match(walk.stdout, /1500 m from home/);
      } finally {
        clearInterval(watch);
      }
      assert.deepEqual(changes, ['disarmed', 'armed_away', 'disarmed']);
    } finally {
      await t.stop();
    }
  });

  for (const [routeName, expected] of [
    ['errand', ['armed_away', 'disarmed']],
    ['edge-of-fence', []],
  ] as const) {
    it(`${routeName}: the hub ${expected.length ? 'arms away as the phone leaves and disarms as it returns' : 'never changes while GPS noise wanders around the fence'}; the camera and Home Assistant follow`, async () => {
      const broker = await startBroker(tmp.dir);
      const t = await startTestHub(path.join(tmp.dir, 'hub'), { mqtt: broker.hubConfig });
      const ha = await mqtt.connectAsync(broker.url, { username: broker.username, password: broker.password });
      const panel: string[] = [];
      ha.on('message', (_topic, payload) => panel.push(payload.toString()));
      await ha.subscribeAsync('porchlight/alarm/state');
      const pair = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'porch');
      const client = new HubClient({ ...pair, name: 'porch', hubUrl: t.base });
      const camera: CameraArming[] = [];
      const follower = new ArmingFollower(path.join(tmp.dir, 'arming.json'), (a) => camera.push(a), captureLog().log);
      const channel = new DeviceChannel(client, captureLog().log).on('arming', (data) => follower.receive(data));
      try {
        await follower.start();
        channel.start();
        await addTestUser(t.db, 'owner');
        const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
        const put = (route: string, body: unknown) => call(t.base, 'PUT', route, { body: JSON.stringify(body), headers: { ...owner.headers, ...JSON_HEADERS } });
        assert.equal((await put('/api/arming/settings', { home: HOME, radiusM: 100, geofenceEnabled: true })).status, 200);
        const creds = (await call(t.base, 'POST', '/api/me/geofence/owntracks', { headers: owner.headers })).json() as { username: string; password: string };

        const route = ROUTES[routeName]!;
        const random = seededRandom(7);
        const start = t.clock.now();
        const modes: string[] = [];
        for (let minute = 0; minute <= routeMinutes(route); minute += 0.5) {
          t.clock.t = start + minute * 60_000;
          const fix = fixAt(route, HOME, minute, random);
          const status = await postOwnTracks(new URL('/api/owntracks', t.base).toString(), creds, { _type: 'location', ...fix, tst: Math.floor(t.clock.now() / 1000), topic: `owntracks/${creds.username}/phone` });
          assert.equal(status, 200);
          const mode = ((await call(t.base, 'GET', '/api/arming', { headers: owner.headers })).json() as { mode: string }).mode;
          if (mode !== (modes[modes.length - 1] ?? 'disarmed')) modes.push(mode);
        }
        assert.deepEqual(modes, expected);
        await sleep(500);
        // The camera is told only whether it records, never the home's mode (docs/security.md).
        const cameraRecords = camera.map((a) => a.record).filter((r, i, all) => i === 0 || r !== all[i - 1]);
        assert.deepEqual(cameraRecords, [false, ...expected.map((m) => m === 'armed_away')], 'the camera followed every change, and recorded while everyone was out');
        const panelModes = panel.filter((m, i, all) => i === 0 || m !== all[i - 1]);
        assert.deepEqual(panelModes, ['disarmed', ...expected], "Home Assistant's alarm panel followed");
      } finally {
        await channel.stop();
        await follower.stop();
        client.close();
        await ha.endAsync();
        await t.stop();
        await broker.close();
      }
    });
  }
});

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openPairingWindow } from '../../hub/pairing';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { ArmingFollower } from '../../camera-agent/armingFollower';
import { DeviceChannel } from '../../camera-agent/deviceChannel';
import type { CameraArming } from '../../common/protocol';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { runCli } from '../helpers/cli';
import { call } from '../helpers/https';
import { captureLog } from '../helpers/logCapture';
import { sleep, until } from '../helpers/wait';

/*
 * A camera's armed-in modes (the indoor camera that records only when everyone is away), set
 * from the API and the CLI and observed where it matters: in what the camera is told over its
 * real device channel.
 */
describe("a camera's Home/Away arming: set by the household, the camera told at once", function () {
  this.timeout(60_000);
  // Removed after the hub stops (useTempDir's hook would run first, racing the hub's last writes).
  const tmp = { dir: '' };
  let t: TestHub;
  let owner: SignedIn;
  let member: SignedIn;
  let viewer: SignedIn;
  let installer: SignedIn;
  let follower: ArmingFollower;
  let channel: DeviceChannel;
  let client: HubClient;
  let deviceId: string;
  const seen: CameraArming[] = [];

  beforeEach(async () => {
    tmp.dir = mkdtempSync(path.join(tmpdir(), 'porchlight-test-'));
    seen.length = 0;
    t = await startTestHub(path.join(tmp.dir, 'hub'));
    for (const role of ['owner', 'member', 'viewer', 'installer'] as const) await addTestUser(t.db, role);
    [owner, member, viewer, installer] = await Promise.all([
      signIn(t.base, 'owner', PASSWORDS.owner),
      signIn(t.base, 'member', PASSWORDS.member),
      signIn(t.base, 'viewer', PASSWORDS.viewer),
      signIn(t.base, 'installer', PASSWORDS.installer),
    ]);
    const pair = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'hallway');
    deviceId = pair.deviceId;
    client = new HubClient({ ...pair, name: 'hallway', hubUrl: t.base });
    follower = new ArmingFollower(path.join(tmp.dir, 'arming.json'), (a) => seen.push(a), captureLog().log);
    channel = new DeviceChannel(client, captureLog().log).on('arming', (data) => follower.receive(data));
    await follower.start();
    channel.start();
    await until('first arming', () => last());
  });
  afterEach(async () => {
    await channel.stop();
    await follower.stop();
    client.close();
    await t.stop();
    rmSync(tmp.dir, { recursive: true, force: true });
  });

  const put = (who: SignedIn, route: string, body: unknown) => call(t.base, 'PUT', route, { body: JSON.stringify(body), headers: { ...who.headers, ...JSON_HEADERS } });
  const last = () => seen[seen.length - 1];
  const stored = () => (t.db.prepare('SELECT armed_in FROM camera_arming WHERE device_id = ?').get(deviceId) as { armed_in: string } | undefined)?.armed_in ?? null;
  const audits = () => (t.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'arming.camera_armed_in'").get() as { n: number }).n;
  const cli = (...args: string[]) => runCli(['arming', ...args, '-d', path.join(tmp.dir, 'hub')], { env: { ...process.env, PORCHLIGHT_CONFIG: '' } });

  it('a camera armed in Away only is told not to record when armed home, and to record when armed away', async () => {
    const set = await put(member, `/api/cameras/${deviceId}/armed-in`, { modes: ['armed_away'] });
    assert.equal(set.status, 200, set.body.toString());
    assert.deepEqual(set.json().cameras[deviceId].armedIn, ['armed_away']);
    const shown = (await call(t.base, 'GET', '/api/arming', { headers: member.headers })).json();
    assert.deepEqual(shown.cameras[deviceId].armedIn, ['armed_away'], 'GET /api/arming shows it');
    const audit = t.db.prepare("SELECT actor, target, detail FROM audit_log WHERE action = 'arming.camera_armed_in'").get() as { actor: string; target: string; detail: string };
    assert.deepEqual({ actor: audit.actor, target: audit.target, detail: JSON.parse(audit.detail) }, { actor: 'user:member', target: `device:${deviceId}`, detail: { modes: ['armed_away'] } });

    // A camera is told only what it must do (docs/security.md, "What each role may learn"), not the mode.
    assert.equal((await put(owner, '/api/arming/mode', { mode: 'armed_home' })).status, 200);
    const armedHome = await call(t.base, 'GET', '/api/arming', { headers: owner.headers });
    assert.equal(armedHome.json().cameras[deviceId].record, false, 'armed home: the hub decides the hallway camera does not record');
    await sleep(500);
    assert.equal(last()?.record ?? false, false, 'armed home: the hallway camera is not told to record');

    assert.equal((await put(owner, '/api/arming/mode', { mode: 'armed_away' })).status, 200);
    await until('armed away: it records', () => last()?.record === true);

    // Changed while armed: the camera is told at once, not at the next change of mode.
    assert.equal((await put(owner, `/api/cameras/${deviceId}/armed-in`, { modes: ['armed_home'] })).status, 200);
    await until('stops recording while armed away', () => last()?.record === false, 1500);
    assert.equal((await put(owner, `/api/cameras/${deviceId}/armed-in`, { modes: ['armed_home', 'armed_away'] })).status, 200);
    await until('records again', () => last()?.record === true, 1500);
  });

  it('refuses a bad body with a 400 that names the problem, and a viewer or installer with a 403; nothing is stored', async () => {
    assert.equal((await put(owner, `/api/cameras/${deviceId}/armed-in`, { modes: ['armed_away'] })).status, 200);
    const before = { stored: stored(), audits: audits(), state: (await call(t.base, 'GET', '/api/arming', { headers: owner.headers })).json() };

    const night = await put(owner, `/api/cameras/${deviceId}/armed-in`, { modes: ['armed_home', 'armed_night'] });
    assert.equal(night.status, 400);
    assert.equal(night.json().error.code, 'BAD_ARMED_IN');
    assert.equal(night.json().error.message, '"armed_night" is not a mode a camera can be armed in; use armed_home, armed_away, both or none');
    const privacy = await put(owner, `/api/cameras/${deviceId}/armed-in`, { modes: ['privacy'] });
    assert.equal(privacy.status, 400);
    assert.match(privacy.json().error.message, /"privacy" is not a mode a camera can be armed in/);
    for (const body of [{ modes: 'armed_home' }, { modes: [1] }, {}, { modes: [], extra: true }, { modes: ['armed_home', 'armed_home', 'armed_away', 'armed_away', 'armed_home'] }]) {
      const res = await put(owner, `/api/cameras/${deviceId}/armed-in`, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.body.toString()}`);
      assert.ok(res.json().error.message, 'a message');
    }
    assert.equal((await put(owner, '/api/cameras/no-such-camera/armed-in', { modes: [] })).status, 404);
    // The attacker's move: a viewer (or the installer who set the camera up) turns its recording off.
    assert.equal((await put(viewer, `/api/cameras/${deviceId}/armed-in`, { modes: [] })).status, 403);
    assert.equal((await put(installer, `/api/cameras/${deviceId}/armed-in`, { modes: [] })).status, 403);
    assert.equal((await put(installer, `/api/cameras/${deviceId}/motion`, { on: false })).status, 403);

    assert.equal(stored(), before.stored);
    assert.equal(audits(), before.audits);
    assert.deepEqual((await call(t.base, 'GET', '/api/arming', { headers: owner.headers })).json(), before.state);
  });

  it('porchlight arming armed-in sets it behind the running hub, which tells the camera; bad input exits non-zero and changes nothing', async () => {
    assert.equal((await put(owner, '/api/arming/mode', { mode: 'armed_home' })).status, 200);
    await until('recording armed home', () => last()?.record === true);

    const shown = await cli('armed-in', 'hallway');
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stdout, 'hallway records when armed: Home and Away\n');

    const set = await cli('armed-in', 'hallway', 'away');
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, 'hallway records when armed: Away\n');
    assert.equal(stored(), '["armed_away"]');
    // The running hub reads the database every 2 seconds and tells the camera.
    await until('the camera stops recording while armed home', () => last()?.record === false, 10_000);
    const audit = t.db.prepare("SELECT actor FROM audit_log WHERE action = 'arming.camera_armed_in'").get() as { actor: string };
    assert.equal(audit.actor, 'cli');

    for (const [args, message] of [
      [['armed-in', 'hallway', 'night'], /"night" is not a mode a camera can be armed in; use home, away, home,away or none/],
      [['armed-in', 'hallway', 'home,'], /"" is not a mode/],
      [['armed-in', 'garage', 'home'], /no active camera named or numbered "garage"/],
    ] as const) {
      const bad = await cli(...args);
      assert.notEqual(bad.code, 0, args.join(' '));
      assert.match(bad.stderr, message);
    }
    assert.equal(stored(), '["armed_away"]', 'nothing changed');
    assert.equal(audits(), 1);

    const status = await cli('status');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^hallway: not recording; records when armed: Away; motion on$/m);

    const both = await cli('armed-in', deviceId, 'home,away');
    assert.equal(both.code, 0, both.stderr);
    await until('recording again', () => last()?.record === true, 10_000);
  });
});

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openPairingWindow } from '../../hub/pairing';
import { pairWithHub } from '../../camera-agent/hubClient';
import { HubClient } from '../../camera-agent/hubClient';
import { ArmingFollower } from '../../camera-agent/armingFollower';
import { DeviceChannel } from '../../camera-agent/deviceChannel';
import type { CameraArming } from '../../common/protocol';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { captureLog } from '../helpers/logCapture';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';


describe('arming: modes from the web API, pushed at once to the cameras, audited with who set them', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;
  let owner: SignedIn;
  let member: SignedIn;
  let viewer: SignedIn;
  let follower: ArmingFollower;
  let channel: DeviceChannel;
  let client: HubClient;
  let deviceId: string;
  const seen: CameraArming[] = [];

  beforeEach(async () => {
    seen.length = 0;
    t = await startTestHub(path.join(tmp.dir, 'hub'));
    for (const role of ['owner', 'member', 'viewer'] as const) await addTestUser(t.db, role);
    [owner, member, viewer] = await Promise.all([signIn(t.base, 'owner', PASSWORDS.owner), signIn(t.base, 'member', PASSWORDS.member), signIn(t.base, 'viewer', PASSWORDS.viewer)]);
    const pair = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'porch');
    deviceId = pair.deviceId;
    client = new HubClient({ ...pair, name: 'porch', hubUrl: t.base });
    follower = new ArmingFollower(path.join(tmp.dir, 'arming.json'), (a) => seen.push(a), captureLog().log);
    channel = new DeviceChannel(client, captureLog().log).on('arming', (data) => follower.receive(data));
    await follower.start();
    channel.start();
  });
  afterEach(async () => {
    await channel.stop();
    await follower.stop();
    client.close();
    await t.stop();
  });

  const put = (who: SignedIn, route: string, body: unknown) => call(t.base, 'PUT', route, { body: JSON.stringify(body), headers: { ...who.headers, ...JSON_HEADERS } });
  const post = (who: SignedIn, route: string, body: unknown) => call(t.base, 'POST', route, { body: JSON.stringify(body), headers: { ...who.headers, ...JSON_HEADERS } });
  const last = () => seen[seen.length - 1];

  it('a new hub is disarmed; arming away makes the camera record, and the timeline and audit say who did it', async () => {
    await until('first arming', () => last());
    assert.deepEqual(last(), { record: false, live: true, motion: true, privacy: false }, 'disarmed: nothing recorded, and the home\'s mode is not told');

    const res = await put(member, '/api/arming/mode', { mode: 'armed_away' });
    assert.equal(res.status, 200, res.body.toString());
    await until('armed on the camera', () => last()?.record === true);
    assert.deepEqual(last(), { record: true, live: true, motion: true, privacy: false });
    const state = (await call(t.base, 'GET', '/api/arming', { headers: member.headers })).json();
    assert.equal(state.mode, 'armed_away');
    assert.deepEqual(state.cause, { source: 'manual', by: 'user:member' });
    const audit = t.db.prepare("SELECT actor, detail FROM audit_log WHERE action = 'arming.changed' ORDER BY seq DESC LIMIT 1").get() as { actor: string; detail: string };
    assert.equal(audit.actor, 'user:member');
    assert.match(audit.detail, /"mode":"armed_away"/);
    const timeline = (await call(t.base, 'GET', '/api/arming/events', { headers: owner.headers })).json().events as Array<{ mode: string; cause: { source: string; by?: string } }>;
    assert.deepEqual(timeline.map((e) => e.mode), ['armed_away', 'disarmed'], 'newest first');
    assert.deepEqual(timeline[0]!.cause, { source: 'manual', by: 'user:member' });
    assert.deepEqual(JSON.parse(readFileSync(path.join(tmp.dir, 'arming.json'), 'utf8')), { record: true, live: true, motion: true, privacy: false }, 'the camera keeps the last arming on disk');

    // The camera's own switch: armed, but this camera's motion off.
    assert.equal((await put(owner, `/api/cameras/${deviceId}/motion`, { on: false })).status, 200);
    await until('motion off on the camera', () => last()?.record === false && last()?.motion === false);

    // Privacy: nothing recorded, live view refused.
    assert.equal((await put(owner, '/api/arming/mode', { mode: 'privacy' })).status, 200);
    await until('privacy on the camera', () => last()?.privacy === true && !last()!.live && !last()!.record);
  });

  it('a camera paired into an armed home is told to record in its very first arming, not after the next evaluation', async () => {
    assert.equal((await put(owner, '/api/arming/mode', { mode: 'armed_away' })).status, 200);
    await until('armed on the first camera', () => last()?.record === true);
    // The second camera joins the armed home: a motion in its first seconds must be recorded.
    const pair = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'garden');
    const second = new HubClient({ ...pair, name: 'garden', hubUrl: t.base });
    const got: CameraArming[] = [];
    const secondChannel = new DeviceChannel(second, captureLog().log).on('arming', (data) => got.push(JSON.parse(data) as CameraArming));
    secondChannel.start();
    try {
      await until("the second camera's first arming", () => got[0]);
      assert.deepEqual(got[0], { record: true, live: true, motion: true, privacy: false });
    } finally {
      await secondChannel.stop();
      second.close();
    }
  });

  it('a camera restarted while the hub is unreachable obeys the last arming it got', async () => {
    assert.equal((await put(owner, '/api/arming/mode', { mode: 'armed_home' })).status, 200);
    await until('armed on the camera', () => last()?.record === true);
    await channel.stop();
    await follower.stop();
    await t.stop();
    t.stop = async () => undefined;
    seen.length = 0;
    follower = new ArmingFollower(path.join(tmp.dir, 'arming.json'), (a) => seen.push(a), captureLog().log);
    channel = new DeviceChannel(client, captureLog().log).on('arming', (data) => follower.receive(data));
    await follower.start();
    channel.start();
    assert.equal(last()?.record, true);
    assert.equal(last()?.privacy, false);
  });

  it("the camera's one channel reconnects after the hub restarts, and an arming set on the restarted hub reaches the camera", async () => {
    await until('first arming', () => last());
    const port = t.httpsPort;
    const stopping = Date.now();
    await t.stop();
    assert.ok(Date.now() - stopping < 5000, 'the hub stops at once, hanging up on the connected camera');
    t = await startTestHub(path.join(tmp.dir, 'hub'), { httpsPort: port });
    const again = await signIn(t.base, 'member', PASSWORDS.member);
    assert.equal((await put(again, '/api/arming/mode', { mode: 'armed_away' })).status, 200);
    await until('armed on the camera through the new channel', () => last()?.record, 20_000);
    await until('kept on disk', () => JSON.parse(readFileSync(path.join(tmp.dir, 'arming.json'), 'utf8')).record === true);
  });

  it('refuses what it cannot do with a clear 4xx and changes nothing', async () => {
    await until('first arming', () => last());
    const before = (await call(t.base, 'GET', '/api/arming', { headers: owner.headers })).json();
    const unknown = await put(owner, '/api/arming/mode', { mode: 'armed_night' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json().error.code, 'UNKNOWN_MODE');
    assert.match(unknown.json().error.message, /"armed_night" is not a mode; use one of disarmed, armed_home, armed_away, privacy/);
    assert.equal((await put(viewer, '/api/arming/mode', { mode: 'disarmed' })).status, 403, 'a viewer cannot arm or disarm');
    const rule = await post(owner, '/api/arming/rules', { days: [1, 2, 3, 4, 5], at: '22:10', mode: 'armed_home' });
    assert.equal(rule.status, 400);
    assert.match(rule.json().error.message, /15/);
    assert.equal((await post(member, '/api/arming/rules', { days: [1], at: '22:00', mode: 'armed_home' })).status, 403);
    const tz = await put(owner, '/api/arming/settings', { timeZone: 'Mars/Olympus_Mons' });
    assert.equal(tz.status, 400);
    assert.equal(tz.json().error.code, 'BAD_TIME_ZONE');
    const fence = await put(owner, '/api/arming/settings', { geofenceEnabled: true });
    assert.equal(fence.json().error.code, 'NO_HOME_LOCATION');
    const far = await put(owner, '/api/arming/settings', { home: { lat: 91, lon: 0 } });
    assert.equal(far.json().error.code, 'BAD_LOCATION');
    assert.equal((await put(owner, '/api/cameras/no-such-camera/motion', { on: true })).status, 404);
    const after = (await call(t.base, 'GET', '/api/arming', { headers: owner.headers })).json();
    assert.deepEqual(after, before);
    assert.equal((t.db.prepare('SELECT COUNT(*) AS n FROM schedule_rules').get() as { n: number }).n, 0);
  });

  it('a weekly rule arms the home at its time in the home time zone, and a manual change holds only until then', async () => {
    await until('first arming', () => last());
    assert.equal((await put(owner, '/api/arming/settings', { timeZone: 'America/New_York' })).status, 200);
    // The next quarter hour of New York wall time, whatever the machine's zone.
    const now = t.clock.now();
    const ny = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(now));
    const h = Number(ny.find((p) => p.type === 'hour')!.value);
    const m = Number(ny.find((p) => p.type === 'minute')!.value);
    const next = (h * 60 + m + 15 - ((m + 15) % 15)) % (24 * 60);
    const at = `${String(Math.floor(next / 60)).padStart(2, '0')}:${String(next % 60).padStart(2, '0')}`;
    const rule = await post(owner, '/api/arming/rules', { days: [0, 1, 2, 3, 4, 5, 6], at, mode: 'armed_home' });
    assert.equal(rule.status, 201, rule.body.toString());
    assert.equal((await put(owner, '/api/arming/mode', { mode: 'armed_away' })).status, 200);
    const mode = async () => ((await call(t.base, 'GET', '/api/arming', { headers: owner.headers })).json() as { mode: string }).mode;
    await until('armed away', async () => (await mode()) === 'armed_away');
    t.clock.advance(16 * 60_000);
    await until('the rule took over', async () => (await mode()) === 'armed_home');
    const state = (await call(t.base, 'GET', '/api/arming', { headers: owner.headers })).json();
    assert.deepEqual(state.cause, { source: 'schedule', ruleId: rule.json().id });
  });
});

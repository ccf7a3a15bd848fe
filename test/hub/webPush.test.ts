import { strict as assert } from 'node:assert';
import { statSync } from 'node:fs';
import { Agent } from 'node:https';
import * as path from 'node:path';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { hubPaths } from '../../common/dataLayout';
import { openPairingWindow } from '../../hub/pairing';
import { addTestUser, FakeClock, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { captureLog } from '../helpers/logCapture';
import { startPushService, type BrowserSubscription, type PushService } from '../helpers/pushService';
import { useTempDir } from '../helpers/tmp';
import { sleep, until } from '../helpers/wait';

describe('Web Push: the hub pushes notices to registered devices through a real RFC 8030 push service', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let push: PushService;
  let t: TestHub;
  let owner: SignedIn;
  let member: SignedIn;
  let logs: ReturnType<typeof captureLog>;

  beforeEach(async () => {
    push = await startPushService();
    const dir = path.join(tmp.dir, 'hub');
    // The hub trusts the test push service's CA for its push requests, as it trusts the public CAs for Google's, Mozilla's and Apple's.
    logs = captureLog();
    t = await startTestHub(dir, {}, new FakeClock(), {}, null, logs.log, () => null, new Agent({ ca: push.caPem }));
    await addTestUser(t.db, 'owner');
    await addTestUser(t.db, 'member');
    owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    member = await signIn(t.base, 'member', PASSWORDS.member);
  });
  afterEach(async () => {
    await t.stop();
    await push.close();
  });

  const send = (method: string, who: SignedIn, route: string, body?: unknown) =>
    call(t.base, method, route, body === undefined ? { headers: who.headers } : { body: JSON.stringify(body), headers: { ...who.headers, ...JSON_HEADERS } });
  const register = async (who: SignedIn, sub: BrowserSubscription, name = 'phone') => {
    const res = await send('POST', who, '/api/me/push/devices', { name, ...sub.json });
    assert.equal(res.status, 201, res.body.toString());
    return res.json() as { id: string; name: string; service: string };
  };
  const pairCamera = async (name = 'porch') => {
    const pair = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, name);
    return new HubClient({ ...pair, name, hubUrl: t.base });
  };
  const pushesTo = (sub: BrowserSubscription) => push.delivered.filter((d) => d.subscription === sub.id);

  it('a motion alert reaches the push service signed with the hub VAPID key and decrypts to the title, local time and link', async () => {
    const { publicKey } = (await send('GET', owner, '/api/push/key')).json() as { publicKey: string };
    assert.equal(Buffer.from(publicKey, 'base64url').length, 65);
    assert.equal(statSync(hubPaths(path.join(tmp.dir, 'hub')).vapidKeys).mode & 0o777, 0o600, 'the VAPID private key is the hub user\'s alone');
    const phone = push.subscribe();
    const device = await register(owner, phone, 'Pixel');
    assert.equal(device.service, push.origin, 'the list shows which push service, not the endpoint');
    assert.equal((await send('PUT', owner, '/api/arming/settings', { timeZone: 'Asia/Kolkata' })).status, 200);
    assert.equal((await send('PUT', owner, '/api/arming/mode', { mode: 'armed_away' })).status, 200);

    const camera = await pairCamera('porch');
    try {
      const at = Date.UTC(2026, 11, 6, 9, 2); // 14:32 in Kolkata (UTC+5:30)
      await camera.sendEvent({ kind: 'start', mediaTime: 0, at });
      await until('the push', () => pushesTo(phone).length === 1);
    } finally {
      camera.close();
    }
    assert.deepEqual(push.refused, []);
    const got = pushesTo(phone)[0]!;
    assert.equal(got.vapidKey, publicKey, 'signed with the key the page subscribed with');
    assert.equal(got.claims.aud, push.origin);
    assert.equal(got.headers.ttl, '3600');
    assert.equal(got.headers.urgency, 'high');
    const cameraId = (t.db.prepare('SELECT id FROM devices WHERE name = ?').get('porch') as { id: string }).id;
    assert.equal(got.payload.title, 'Motion at the porch');
    assert.equal(got.payload.body, '14:32', "the home's local time, not UTC");
    assert.equal(got.payload.url, `/#/live?camera=${cameraId}`);
    assert.equal(got.payload.kind, 'motion');
    assert.ok(!JSON.stringify(got.payload).includes('data:image') && !('image' in got.payload), 'no picture by default');
    const listed = (await send('GET', owner, '/api/me/push/devices')).json() as { devices: Array<{ lastSentAt: number | null }> };
    assert.notEqual(listed.devices[0]!.lastSentAt, null);
  });

  it('forgets a device the push service answers 410 Gone for, retries a 500 before it succeeds, gives up after 3 tries, and logs no endpoint or key', async () => {
    const gone = push.subscribe();
    const flaky = push.subscribe();
    const down = push.subscribe();
    await register(owner, gone, 'old phone');
    await register(owner, flaky, 'tablet');
    await register(owner, down, 'laptop');
    push.answer(gone.id, 410);
    push.answer(flaky.id, 500, 503);
    push.answer(down.id, 500, 502, 503);
    assert.equal((await send('PUT', owner, '/api/arming/mode', { mode: 'armed_away' })).status, 200);
    const camera = await pairCamera();
    try {
      await camera.sendEvent({ kind: 'start', mediaTime: 0, at: Date.now() });
      await until('the 410 device forgotten', async () => ((await send('GET', owner, '/api/me/push/devices')).json() as { devices: Array<{ name: string }> }).devices.every((d) => d.name !== 'old phone'));
      await until('the flaky device reached on its third try', () => pushesTo(flaky).filter((d) => d.status === 201).length === 1, 20_000);
      await until('the push given up', () => logs.messages('warn').includes('could not push a notice'), 20_000);
    } finally {
      camera.close();
    }
    assert.equal(push.requests.get(gone.id), 1, 'a gone subscription is not retried');
    assert.equal(push.requests.get(flaky.id), 3);
    assert.equal(push.requests.get(down.id), 3, 'bounded: three tries in all');
    const names = ((await send('GET', owner, '/api/me/push/devices')).json() as { devices: Array<{ name: string }> }).devices.map((d) => d.name);
    assert.deepEqual(names, ['tablet', 'laptop'], 'a device that failed otherwise is kept');
    const logged = JSON.stringify(logs.lines);
    assert.match(logged, /push subscription gone/);
    for (const sub of [gone, flaky, down]) {
      assert.ok(!logged.includes(`/push/${sub.id}`), 'the endpoint path (a capability) is not logged');
      assert.ok(!logged.includes(sub.json.keys.auth) && !logged.includes(sub.json.keys.p256dh), 'nor its keys');
    }
  });

  it('snooze silences one camera for 30 minutes, then lets it through; "until disarmed" ends at the disarm', async () => {
    const phone = push.subscribe();
    await register(owner, phone);
    assert.equal((await send('PUT', owner, '/api/arming/mode', { mode: 'armed_away' })).status, 200);
    const camera = await pairCamera('porch');
    const cameraId = (t.db.prepare('SELECT id FROM devices WHERE name = ?').get('porch') as { id: string }).id;
    try {
      const snoozed = await send('PUT', owner, '/api/me/snoozes', { camera: cameraId, for: '30m' });
      assert.equal(snoozed.status, 200, snoozed.body.toString());
      assert.deepEqual(snoozed.json().snoozes, [{ camera: cameraId, until: t.clock.now() + 30 * 60_000 }]);
      await camera.sendEvent({ kind: 'start', mediaTime: 0, at: 1_000 });
      await camera.sendEvent({ kind: 'end', mediaTime: 1, at: 2_000 });
      t.clock.advance(31 * 60_000);
      await camera.sendEvent({ kind: 'start', mediaTime: 2, at: 3_000 });
      await until('the push after the snooze', () => pushesTo(phone).length >= 1);
      await sleep(300);
      assert.equal(pushesTo(phone).length, 1, 'the snoozed event was not pushed');
      assert.equal(pushesTo(phone)[0]!.payload.at, t.clock.now(), 'the one pushed is the event after the snooze');
      assert.match(String(pushesTo(phone)[0]!.payload.body), /^00:00( UTC)?$/);
      assert.deepEqual((await send('GET', owner, '/api/me/snoozes')).json().snoozes, [], 'an ended snooze is not listed');

      // Until disarmed: every notification, however long; the disarm ends it.
      assert.equal((await send('PUT', owner, '/api/me/snoozes', { for: 'disarmed' })).status, 200);
      await camera.sendEvent({ kind: 'end', mediaTime: 3, at: 4_000 });
      t.clock.advance(10 * 60 * 60_000);
      await camera.sendEvent({ kind: 'start', mediaTime: 4, at: 5_000 });
      await camera.sendEvent({ kind: 'end', mediaTime: 5, at: 6_000 });
      assert.equal((await send('PUT', owner, '/api/arming/mode', { mode: 'disarmed' })).status, 200);
      await until('the snooze ended by the disarm', async () => ((await send('GET', owner, '/api/me/snoozes')).json() as { snoozes: unknown[] }).snoozes.length === 0);
      assert.equal((await send('PUT', owner, '/api/arming/mode', { mode: 'armed_away' })).status, 200);
      t.clock.advance(10 * 60_000);
      await camera.sendEvent({ kind: 'start', mediaTime: 6, at: 7_000 });
      await until('the push after the disarm', () => pushesTo(phone).length >= 2);
      await sleep(300);
      assert.equal(pushesTo(phone).length, 2, 'the event during the snooze was not pushed');
      assert.equal(pushesTo(phone)[1]!.payload.at, t.clock.now(), 'the one pushed is the event after the disarm');
      assert.match(String(pushesTo(phone)[1]!.payload.body), /^00:00( UTC)?$/);
    } finally {
      camera.close();
    }
    assert.deepEqual(push.refused, []);
  });

  it('snoozing everything quiets the cameras, not a disarm by someone else', async () => {
    const phone = push.subscribe();
    await register(member, phone);
    assert.equal((await send('PUT', owner, '/api/arming/mode', { mode: 'armed_away' })).status, 200);
    await until('the arming push', () => pushesTo(phone).length === 1);
    assert.equal((await send('PUT', member, '/api/me/snoozes', { for: '4h' })).status, 200);
    const camera = await pairCamera('porch');
    try {
      await camera.sendEvent({ kind: 'start', mediaTime: 0, at: 1_000 });
      await camera.sendEvent({ kind: 'end', mediaTime: 1, at: 2_000 });
      assert.equal((await send('PUT', owner, '/api/arming/mode', { mode: 'disarmed' })).status, 200);
      await until('the disarm push', () => pushesTo(phone).length === 2);
      await sleep(300);
    } finally {
      camera.close();
    }
    assert.deepEqual(pushesTo(phone).map((p) => p.payload.title), ['Porchlight is armed (away)', 'Porchlight is disarmed'], 'the motion was snoozed, the disarm was not');
  });

  it('a session signed out takes its devices with it, and "sign out everywhere" all of them: a stolen session leaves no phone behind', async () => {
    // The attacker's move: with a session of the owner's (stolen, or left open), register their
    // own phone. The owner then signs that session out, or signs out everywhere.
    const ownPhone = push.subscribe();
    await register(owner, ownPhone, 'owner phone');
    const stolen = await signIn(t.base, 'owner', PASSWORDS.owner);
    const attackerPhone = push.subscribe();
    await register(stolen, attackerPhone, 'not mine');
    const third = await signIn(t.base, 'owner', PASSWORDS.owner);
    const laterPhone = push.subscribe();
    await register(third, laterPhone, 'tablet');
    const names = async () => ((await send('GET', owner, '/api/me/push/devices')).json() as { devices: Array<{ name: string }> }).devices.map((d) => d.name).sort();
    assert.deepEqual(await names(), ['not mine', 'owner phone', 'tablet']);

    assert.equal((await send('POST', stolen, '/api/logout')).status, 200);
    assert.deepEqual(await names(), ['owner phone', 'tablet'], 'signing a session out removes the devices it registered, and only those');

    assert.equal((await send('POST', owner, '/api/sessions/sign-out-everywhere')).status, 200);
    const again = await signIn(t.base, 'owner', PASSWORDS.owner);
    const left = (await call(t.base, 'GET', '/api/me/push/devices', { headers: again.headers })).json() as { devices: unknown[] };
    assert.deepEqual(left.devices, [], 'sign out everywhere ends every device of the account');

    // And nothing is pushed to any of them any more (what came before, new-sign-in notices, aside).
    const pushedBefore = pushesTo(attackerPhone).length + pushesTo(ownPhone).length + pushesTo(laterPhone).length;
    assert.equal((await call(t.base, 'PUT', '/api/arming/mode', { body: JSON.stringify({ mode: 'armed_away' }), headers: { ...again.headers, ...JSON_HEADERS } })).status, 200);
    const camera = await pairCamera('porch');
    try {
      await camera.sendEvent({ kind: 'start', mediaTime: 0, at: t.clock.now() });
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      camera.close();
    }
    assert.equal(pushesTo(attackerPhone).length + pushesTo(ownPhone).length + pushesTo(laterPhone).length, pushedBefore);
  });

  it('a user can neither list nor remove another user\'s devices', async () => {
    const memberPhone = push.subscribe();
    const device = await register(member, memberPhone, "member's phone");
    const ownerList = (await send('GET', owner, '/api/me/push/devices')).json() as { devices: unknown[] };
    assert.deepEqual(ownerList.devices, [], "an owner's list holds only the owner's devices");
    // The attacker's move: delete by the id.
    const removed = await send('DELETE', owner, `/api/me/push/devices/${device.id}`);
    assert.equal(removed.status, 404);
    const memberList = await send('GET', member, '/api/me/push/devices');
    assert.equal((memberList.json() as { devices: unknown[] }).devices.length, 1, 'still registered');
    assert.ok(!memberList.body.toString().includes(memberPhone.json.endpoint), 'the endpoint (a capability) is never listed, not even to its owner');
    assert.ok(!memberList.body.toString().includes(memberPhone.json.keys.auth));
    assert.equal((await send('DELETE', member, `/api/me/push/devices/${device.id}`)).status, 200);
    assert.equal((t.db.prepare('SELECT COUNT(*) AS n FROM push_devices').get() as { n: number }).n, 0);
  });

  it('refuses bad subscriptions with a 400 naming the problem, storing nothing', async () => {
    const good = push.subscribe().json;
    const cases: Array<[string, unknown, RegExp]> = [
      ['plain http endpoint', { ...good, endpoint: good.endpoint.replace('https:', 'http:') }, /endpoint: must be an https/],
      ['a LAN address as endpoint', { ...good, endpoint: 'https://192.168.1.1/push/x' }, /endpoint: must be a push service's name/],
      ['not a URL', { ...good, endpoint: 'push me' }, /endpoint: not a web address/],
      ['short p256dh', { ...good, keys: { ...good.keys, p256dh: Buffer.alloc(33, 2).toString('base64url') } }, /keys\.p256dh: must be an uncompressed P-256/],
      ['p256dh off the curve', { ...good, keys: { ...good.keys, p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url') } }, /keys\.p256dh: not a point on the P-256 curve/],
      ['8-byte auth', { ...good, keys: { ...good.keys, auth: Buffer.alloc(8).toString('base64url') } }, /keys\.auth: must be a 16-byte/],
      ['no keys', { endpoint: good.endpoint }, /keys/],
    ];
    for (const [what, sub, problem] of cases) {
      const res = await send('POST', owner, '/api/me/push/devices', { name: 'phone', ...(sub as object) });
      assert.equal(res.status, 400, `${what}: ${res.body.toString()}`);
      assert.match(res.json().error.message, problem, what);
    }
    const snooze = await send('PUT', owner, '/api/me/snoozes', { for: '2h' });
    assert.equal(snooze.status, 400);
    assert.match(snooze.body.toString(), /30m, 1h, 4h, disarmed/);
    assert.equal((t.db.prepare('SELECT COUNT(*) AS n FROM push_devices').get() as { n: number }).n, 0);
    assert.equal((t.db.prepare('SELECT COUNT(*) AS n FROM notification_snoozes').get() as { n: number }).n, 0);
  });
});

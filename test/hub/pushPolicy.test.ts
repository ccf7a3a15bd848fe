import { strict as assert } from 'node:assert';
import { createECDH, randomBytes } from 'node:crypto';
import { promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import { isSnoozed, shouldNotifyMotion, snoozeEnd, snoozesInForce, DEFAULT_PREFS } from '../../hub/notificationPolicy';
import { checkPushDevice } from '../../hub/pushSubscriptionCheck';
import { loadVapidKeys } from '../../hub/vapidKeys';
import { hubPaths } from '../../common/dataLayout';
import { openHubState } from '../../hub/hub';
import { deliveryOf } from '../../hub/webPush';
import { decryptAes128gcm } from '../helpers/pushService';
import { useTempDir } from '../helpers/tmp';

describe('push policy: snooze, what a device may register, the VAPID key file', () => {
  const now = 1_700_000_000_000;
  const motion = (snoozes: Parameters<typeof isSnoozed>[0], cameraId = 'porch', at = now) =>
    shouldNotifyMotion({ prefs: { ...DEFAULT_PREFS, motion: 'all' }, cameraId, mode: 'armed_away', retrigger: false, lastSentAt: null, cooldownMs: 300_000, now: at, snoozes });

  it('snooze lengths are Blink\'s: 30 min, 1 h, 4 h, until disarmed; anything else is refused by name', () => {
    assert.equal(snoozeEnd('30m', now), now + 30 * 60_000);
    assert.equal(snoozeEnd('1h', now), now + 60 * 60_000);
    assert.equal(snoozeEnd('4h', now), now + 4 * 60 * 60_000);
    assert.equal(snoozeEnd('disarmed', now), null);
    assert.throws(() => snoozeEnd('2h', now), /one of 30m, 1h, 4h, disarmed/);
  });

  it('a camera snooze silences that camera only, until it ends; an all-notifications snooze silences every camera', () => {
    const one = [{ camera: 'porch', until: now + 60_000 }];
    assert.equal(motion(one, 'porch'), false);
    assert.equal(motion(one, 'garden'), true);
    assert.equal(motion(one, 'porch', now + 60_000), true, 'ends at its time');
    assert.equal(isSnoozed(one, null, now), false, 'a camera snooze does not silence notices about no camera');
    const all = [{ camera: null, until: null }];
    assert.equal(motion(all, 'porch', now + 100 * 3_600_000), false, 'until disarmed: however long');
    assert.equal(isSnoozed(all, null, now), true);
    assert.equal(motion([], 'porch'), true);
  });

  it('ended snoozes drop out; a disarm ends the until-disarmed ones and leaves timed ones', () => {
    const s = [
      { camera: 'porch', until: now - 1 },
      { camera: 'garden', until: now + 1 },
      { camera: null, until: null },
    ];
    assert.deepEqual(snoozesInForce(s, now), [s[1], s[2]]);
    assert.deepEqual(snoozesInForce(s, now, true), [s[1]]);
  });

  it('motion is pushed urgently and briefly kept; other notices normal, kept a day', () => {
    assert.deepEqual(deliveryOf('motion'), { TTL: 3600, urgency: 'high' });
    assert.deepEqual(deliveryOf('camera-down'), { TTL: 86400, urgency: 'normal' });
  });

  describe('a device subscription', () => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const good = { name: ' Pixel ', endpoint: 'https://fcm.googleapis.com/fcm/send/abc:def', keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } };

    it('is kept as the browser gave it, its name trimmed', () => {
      assert.deepEqual(checkPushDevice(good), { name: 'Pixel', endpoint: good.endpoint, p256dh: good.keys.p256dh, auth: good.keys.auth });
      assert.equal(checkPushDevice({ ...good, endpoint: 'https://127.0.0.1:9443/push/1' }).endpoint, 'https://127.0.0.1:9443/push/1', 'loopback: the tests\' own push service');
    });

    for (const [what, change, problem] of [
      ['http', { endpoint: 'http://fcm.googleapis.com/x' }, /https/],
      ['a private address (the hub made to POST into the LAN)', { endpoint: 'https://10.0.0.5/x' }, /name, not an address/],
      ['an IPv6 address', { endpoint: 'https://[fd00::1]/x' }, /name, not an address/],
      ['credentials in the URL', { endpoint: 'https://u:p@push.example/x' }, /user name or password/],
      ['a blank name', { name: '   ' }, /name/],
      ['a compressed key', { keys: { p256dh: Buffer.concat([Buffer.from([2]), randomBytes(32)]).toString('base64url'), auth: good.keys.auth } }, /uncompressed P-256/],
      ['a key off the curve', { keys: { p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url'), auth: good.keys.auth } }, /not a point on the P-256 curve/],
      ['a 32-byte auth secret', { keys: { p256dh: good.keys.p256dh, auth: randomBytes(32).toString('base64url') } }, /16-byte/],
      ['non-base64url auth', { keys: { p256dh: good.keys.p256dh, auth: 'not base64!' } }, /base64url/],
    ] as const) {
      it(`is refused with ${what}`, () => assert.throws(() => checkPushDevice({ ...good, ...change }), problem));
    }
  });

  describe('the VAPID key pair', () => {
    const tmp = useTempDir();
    it('is made once, kept 0600, and the same on the next start', async () => {
      const file = path.join(tmp.dir, 'keys', 'vapid.json');
      const first = await loadVapidKeys(file);
      assert.equal(Buffer.from(first.publicKey, 'base64url').length, 65);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(await loadVapidKeys(file), first);
    });

    it('is put back to 0600 by the next start when someone opened it up', async () => {
      const dir = path.join(tmp.dir, 'hub');
      const paths = hubPaths(dir);
      (await openHubState(dir)).db.close();
      await loadVapidKeys(paths.vapidKeys);
      // The attacker's view: another local user reading the key that signs the hub's pushes.
      await fs.chmod(paths.vapidKeys, 0o644);
      const again = await openHubState(dir);
      again.db.close();
      assert.equal(statSync(paths.vapidKeys).mode & 0o777, 0o600);
      assert.ok(again.repaired.some((r) => r.startsWith(paths.vapidKeys)));
    });
  });

  it('the test push service decrypts RFC 8291 Appendix A\'s example (so its check of the hub is itself checked)', () => {
    const ua = createECDH('prime256v1');
    ua.setPrivateKey(Buffer.from('q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94', 'base64url'));
    assert.equal(ua.getPublicKey().toString('base64url'), 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4');
    const body = Buffer.from(
      'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
      'base64url',
    );
    assert.equal(decryptAes128gcm(body, ua, Buffer.from('BTBZMqHH6r4Tts7J_aSIgg', 'base64url')).toString(), 'When I grow up, I want to be a watermelon');
  });
});

import { strict as assert } from 'node:assert';
import { deviceName, isIos, pushVendor } from '../../hub/ui/src/browserName';
import { pushProblem, type PushEnvironment } from '../../hub/ui/src/pushSupport';
import { snoozeWords, timeLeft } from '../../hub/ui/src/snoozeWords';

const UA = {
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  chromeIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  ipadDesktop: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  edgeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  samsung: 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
};

describe('notifications on this device: names, what the browser can do, snoozes in words', () => {
  it('names a device by its browser and system, as a person would', () => {
    assert.equal(deviceName(UA.chromeAndroid), 'Chrome on Android');
    assert.equal(deviceName(UA.safariIphone), 'Safari on iPhone');
    assert.equal(deviceName(UA.chromeIphone), 'Chrome on iPhone');
    assert.equal(deviceName(UA.ipadDesktop, 5), 'Safari on iPad', 'an iPad asking for desktop sites says Macintosh');
    assert.equal(deviceName(UA.ipadDesktop, 0), 'Safari on Mac');
    assert.equal(deviceName(UA.firefoxWindows), 'Firefox on Windows');
    assert.equal(deviceName(UA.edgeWindows), 'Edge on Windows');
    assert.equal(deviceName(UA.samsung), 'Samsung Internet on Android');
    assert.equal(deviceName(''), 'This device');
  });

  it('names the push service of a device by its maker', () => {
    assert.equal(pushVendor('https://fcm.googleapis.com'), 'Google (Chrome, Edge, Android)');
    assert.equal(pushVendor('https://updates.push.services.mozilla.com'), 'Mozilla (Firefox)');
    assert.equal(pushVendor('https://web.push.apple.com'), 'Apple (Safari)');
    assert.equal(pushVendor('https://127.0.0.1:4000'), '127.0.0.1');
  });

  const ok: PushEnvironment = { secure: true, serviceWorker: true, push: true, permission: 'default', userAgent: UA.chromeAndroid, maxTouchPoints: 5, standalone: false };

  it('says nothing stands in the way where push works, and what does where it does not', () => {
    assert.equal(pushProblem(ok), null);
    assert.match(pushProblem({ ...ok, secure: false }) ?? '', /certificate/);
    assert.match(pushProblem({ ...ok, push: false, userAgent: UA.firefoxWindows }) ?? '', /cannot receive web notifications/);
    assert.match(pushProblem({ ...ok, permission: 'denied' }) ?? '', /blocked.*allow notifications/);
  });

  it('tells an iPhone to add the app to the Home Screen first, and where to allow it once there', () => {
    assert.ok(isIos(UA.safariIphone));
    assert.match(pushProblem({ ...ok, userAgent: UA.safariIphone, push: false }) ?? '', /Add to Home Screen/, 'Safari in a tab has no PushManager');
    assert.match(pushProblem({ ...ok, userAgent: UA.ipadDesktop, push: true }) ?? '', /Add to Home Screen/, 'an iPad saying Macintosh too');
    assert.equal(pushProblem({ ...ok, userAgent: UA.safariIphone, standalone: true }), null);
    assert.match(pushProblem({ ...ok, userAgent: UA.safariIphone, standalone: true, permission: 'denied' }) ?? '', /Settings app/);
  });

  it('says how long a snooze has left, and one until the home is disarmed', () => {
    const now = Date.UTC(2026, 11, 6, 12, 0);
    assert.equal(timeLeft(now + 30 * 60_000, now), '30 min left');
    assert.equal(timeLeft(now + 65 * 60_000, now), '1 h 5 min left');
    assert.equal(timeLeft(now + 4 * 3600_000, now), '4 h left');
    assert.equal(timeLeft(now + 20_000, now), 'less than a minute left');
    const names = (id: string) => (id === 'cam' ? 'Porch' : '?');
    const clock = () => '12:30';
    assert.equal(snoozeWords({ camera: null, until: now + 30 * 60_000 }, now, names, clock), 'All motion notifications: snoozed, 30 min left (until 12:30)');
    assert.equal(snoozeWords({ camera: 'cam', until: null }, now, names, clock), 'Porch: snoozed until the home is next disarmed');
  });
});

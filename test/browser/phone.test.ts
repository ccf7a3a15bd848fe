import { execFileSync } from 'node:child_process';
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page, Worker } from 'playwright-core';
import type { HubClient } from '../../camera-agent/hubClient';
import { axeViolations, launchBrowser, PHONE, screenshot } from '../helpers/browser';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, type SignedIn } from '../helpers/hub';
import { call } from '../helpers/https';
import { startPushService, type BrowserSubscription, type PushService } from '../helpers/pushService';
import { startUiHub, type PairedCamera, type UiHub } from '../helpers/uiHub';
import { sleep, until } from '../helpers/wait';

/*
 * The page as an app on a phone, in Debian's Chromium: the manifest and icons, the service
 * worker (offline shell, nothing of the API kept), subscribing to notifications from the
 * Notifications panel, a push shown by the worker and its tap opening the link, and snooze.
 *
 * The hub's certificate is trusted by its key (as on a phone that installed the hub's CA):
 * Chromium registers no service worker on a page with a certificate error.
 *
 * What stands in for what (docs/phone.md says the same):
 * - Headless Chromium has no push service (pushManager.subscribe answers "permission denied"
 *   without Google's FCM). The page's own code path is run — permission, the hub's VAPID key,
 *   the name, the registration, "this browser" — with PushManager's subscribe answering a
 *   subscription at the test push service on loopback (test/helpers/pushService.ts), made as a
 *   browser makes one. The stand-in records the key the page asked with.
 * - The hub pushes to that push service for real (VAPID-signed, RFC 8291-encrypted); the push
 *   service decrypts it, and the decrypted payload is handed to the worker with the DevTools
 *   protocol's ServiceWorker.deliverPushMessage, where Chromium's push service would hand it.
 * - A tap is a notificationclick event dispatched in the worker with the notification it shows
 *   (a headless browser has no notification to click).
 */

/** Replaces PushManager's subscribe/getSubscription in the page (not the worker) with a subscription at the test push service (`json`). A string: it runs in the page. */
const PUSH_STAND_IN = `(json) => {
  const KEY = 'test.pushStandIn';
  const realSubscribe = PushManager.prototype.subscribe;
  const make = (key) => ({
    endpoint: json.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: new Uint8Array(key).buffer },
    toJSON: () => ({ endpoint: json.endpoint, expirationTime: null, keys: json.keys }),
    getKey: () => null,
    unsubscribe: async () => { sessionStorage.removeItem(KEY); return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    // What Chromium's own push service answers here, kept for the test to report.
    const real = await realSubscribe.call(this, options).then(() => 'subscribed', (e) => e.name + ': ' + e.message);
    sessionStorage.setItem('test.realSubscribe', real);
    const key = [...new Uint8Array(options.applicationServerKey)];
    sessionStorage.setItem(KEY, JSON.stringify(key));
    return make(key);
  };
  PushManager.prototype.getSubscription = async function () {
    const saved = sessionStorage.getItem(KEY);
    return saved ? make(JSON.parse(saved)) : null;
  };
}`;

const ANDROID_CHROME = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

/** A tap on the notification titled `title`, in the worker. A string: it runs in the service worker. */
const TAP = (title: string) => `(async () => {
  const n = (await self.registration.getNotifications()).find((x) => x.title === ${JSON.stringify(title)});
  if (!n) throw new Error('no notification to tap');
  self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }));
})()`;

describe('the page as an app on a phone: installing, offline start, notifications and snooze', function () {
  this.timeout(180_000);
  let dir: string;
  let push: PushService;
  let phone: BrowserSubscription;
  let ui: UiHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let member: SignedIn;
  /** Another member of the household, whose arming changes the first is told of. */
  let partner: SignedIn;
  let camera: HubClient;
  let porch: PairedCamera;
  let cameraId: string;
  const registrations = new Map<string, string>();

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'porchlight-phone-'));
    push = await startPushService();
    phone = push.subscribe();
    ui = await startUiHub(dir, { pushAgent: new Agent({ ca: push.caPem }) });
    await addTestUser(ui.t.db, 'member', 'partner');
    member = await signIn(ui.t.base, 'member', PASSWORDS.member);
    partner = await signIn(ui.t.base, 'partner', PASSWORDS.member);
    porch = await ui.pairCamera('porch');
    camera = porch.client;
    cameraId = porch.deviceId;
    browser = await launchBrowser({ trust: ui.t.base });
    // No ignoreHTTPSErrors: the page must be a secure context, as on a phone that trusts the hub.
    context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, userAgent: ANDROID_CHROME });
    await context.grantPermissions(['notifications'], { origin: ui.t.base });
    await context.addInitScript({ content: `(${PUSH_STAND_IN})(${JSON.stringify(phone.json)});` });
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
      for (const r of e.registrations) if (!r.isDeleted) registrations.set(r.scopeURL, r.registrationId);
    });
    await cdp.send('ServiceWorker.enable');
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
    await push?.close();
    if (dir && !process.env.PORCHLIGHT_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  });

  const send = (who: SignedIn, method: string, route: string, body?: unknown) =>
    call(ui.t.base, method, route, body === undefined ? { headers: who.headers } : { body: JSON.stringify(body), headers: { ...who.headers, ...JSON_HEADERS } });
  const pushes = () => push.delivered.filter((d) => d.subscription === phone.id);
  const worker = async (): Promise<Worker> => {
    await until('the service worker', () => context.serviceWorkers().length > 0);
    return context.serviceWorkers()[0]!;
  };
  const motion = async () => {
    // Past the per-camera cooldown (5 minutes), so only a snooze can keep it quiet.
    ui.t.clock.advance(10 * 60_000);
    await camera.sendEvent({ kind: 'start', mediaTime: 0, at: ui.t.clock.now() });
    await camera.sendEvent({ kind: 'end', mediaTime: 1, at: ui.t.clock.now() + 1000 });
  };

  it('is installable: the manifest is linked and valid, its icons load, and the service worker controls the page', async () => {
    await page.goto(ui.t.base);
    assert.equal(await page.evaluate('window.isSecureContext'), true);
    assert.equal(await page.getAttribute('link[rel=manifest]', 'href'), '/manifest.webmanifest');
    assert.equal(await page.getAttribute('link[rel=apple-touch-icon]', 'href'), '/icons/apple-touch-icon.png');
    assert.equal(await page.getAttribute('meta[name=apple-mobile-web-app-capable]', 'content'), 'yes');
    await until('the service worker controlling the page', async () => (await page.evaluate('navigator.serviceWorker.controller !== null')) === true, 20_000);
    const manifest = (await cdp.send('Page.getAppManifest')) as { errors: Array<{ message: string }>; data?: string };
    assert.deepEqual(manifest.errors, [], 'Chromium finds nothing wrong in the manifest');
    const data = JSON.parse(manifest.data ?? '{}') as { display: string; start_url: string; scope: string; icons: Array<{ src: string; sizes: string; purpose?: string }> };
    assert.equal(data.display, 'standalone');
    assert.equal(data.scope, '/');
    assert.ok(data.icons.some((i) => i.sizes === '192x192') && data.icons.some((i) => i.sizes === '512x512') && data.icons.some((i) => i.purpose === 'maskable'));
    // Chromium's own verdict on installing: no errors means "Install app" is offered. A test's
    // browser context is off the record, which alone keeps Chromium from offering it here.
    const installable = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: Array<{ errorId: string }> };
    assert.deepEqual(installable.installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito'), []);
    assert.equal(await page.evaluate('navigator.serviceWorker.controller.scriptURL'), `${ui.t.base}/sw.js`);
  });

  it('opens offline from the shell it keeps, says the hub cannot be reached, and keeps no API answer, clip or thumbnail', async () => {
    await ui.signInAs(page, 'member');
    await page.click('#nav button[data-view=clips]');
    await page.waitForSelector('#clips-view', { state: 'visible' });
    await page.evaluate("fetch('/api/devices').then((r) => r.text())");
    await context.setOffline(true);
    await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    try {
      await page.reload();
      await page.waitForSelector('#offline-view', { state: 'visible' });
      assert.match(await page.innerText('#offline-view h2'), /The hub cannot be reached/);
      await screenshot(page, 'offline-phone');
      assert.equal(await page.evaluate("fetch('/api/health').then(() => 'answered', () => 'failed')"), 'failed', 'no API answer comes from a cache');
      const kept = await page.evaluate<string[]>(`(async () => {
        const urls = [];
        for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) urls.push(name + ' ' + new URL(r.url).pathname + new URL(r.url).search);
        return urls;
      })()`);
      const paths = kept.map((k) => k.split(' ')[1]).sort();
      assert.deepEqual(paths, ['/', '/app.css', '/app.js', '/icons/apple-touch-icon.png', '/icons/icon-192.png', '/icons/icon-512.png', '/icons/icon-maskable-512.png', '/manifest.webmanifest']);
      assert.equal(new Set(kept.map((k) => k.split(' ')[0])).size, 1, 'one cache, of this version');
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await context.setOffline(false);
    }
    await page.click('#offline-retry');
    await page.waitForSelector('#nav', { state: 'visible' });
  });

  it('"Notify this device" registers this browser at the hub under the name given, with the hub\'s key, and lists it as this browser', async () => {
    await page.click('#nav button[data-view=security]');
    await page.waitForSelector('#push-form', { state: 'visible' });
    assert.equal(await page.inputValue('#push-name'), 'Chrome on Android', 'the default name is the browser and system');
    assert.match(await page.innerText('#push-state'), /does not get notifications/);
    await page.fill('#push-name', 'Pixel in the hall');
    await page.click('#push-subscribe');
    await page.waitForSelector('#push-devices li');
    assert.match(await page.innerText('#push-state'), /This browser gets notifications as “Pixel in the hall”/);
    assert.match(await page.innerText('#push-devices li'), /Pixel in the hall \(this browser\)[\s\S]*127\.0\.0\.1 · added .* · last notified never/);
    const devices = (await send(member, 'GET', '/api/me/push/devices')).json().devices as Array<{ name: string; service: string }>;
    assert.deepEqual(devices.map((d) => [d.name, d.service]), [['Pixel in the hall', push.origin]]);
    const { publicKey } = (await send(member, 'GET', '/api/push/key')).json() as { publicKey: string };
    const asked = Buffer.from(JSON.parse(await page.evaluate<string>("sessionStorage.getItem('test.pushStandIn')")) as number[]);
    assert.equal(asked.toString('base64url'), publicKey, 'the page subscribed with the hub\'s VAPID key');
    assert.deepEqual(await axeViolations(page), [], 'the Notifications and Snooze panels pass axe-core at phone size');
    await screenshot(page, 'notifications-phone', '#push-panel');
    console.log(`      (Chromium's own pushManager.subscribe here: ${String(await page.evaluate("sessionStorage.getItem('test.realSubscribe')"))})`);
  });

  it('shows the motion notice the hub pushed, with its title and link, and a tap opens that camera live', async () => {
    assert.equal((await send(partner, 'PUT', '/api/arming/mode', { mode: 'armed_away' })).status, 200);
    await until('the arming push', () => pushes().length === 1);
    await motion();
    await until('the motion push', () => pushes().some((p) => p.payload.kind === 'motion'));
    const payload = pushes().find((p) => p.payload.kind === 'motion')!.payload;
    const registrationId = registrations.get(`${ui.t.base}/`);
    assert.ok(registrationId !== undefined, 'the worker is registered for the whole page');
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: ui.t.base, registrationId, data: JSON.stringify(payload) });
    const shown = async () =>
      page.evaluate<Array<{ title: string; body: string; tag: string; data: { url: string }; image: string }>>(
        'navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) => ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data, image: n.image })))',
      );
    await until('the notification', async () => (await shown()).length > 0, 20_000);
    const [notice, ...more] = await shown();
    assert.deepEqual(more, [], 'one push, one notification');
    assert.equal(notice!.title, 'Motion at the porch');
    assert.equal(notice!.data.url, `/#/live?camera=${cameraId}`);
    assert.equal(notice!.tag, `motion:${cameraId}`);

    // A payload that is not the hub's still shows something: browsers punish a silent push.
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: ui.t.base, registrationId, data: 'garbled' });
    await until('the plain notice', async () => (await shown()).some((n) => n.title === 'Porchlight' && n.data.url === '/'), 20_000);

    // The owner's opt-in picture (made by the hub as in hub/noticePictures.test.ts) is shown with
    // the notice; one that points elsewhere is not fetched.
    const jpeg = `data:image/jpeg;base64,${execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=orange:s=48x32', '-frames:v', '1', '-f', 'mjpeg', 'pipe:1']).toString('base64')}`;
    const person = { ...payload, title: 'Person at the porch, 14:32', kind: 'object' };
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: ui.t.base, registrationId, data: JSON.stringify({ ...person, image: jpeg }) });
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: ui.t.base, registrationId, data: JSON.stringify({ ...person, title: 'Person at the gate', url: '/#/live?camera=gate', image: 'https://tracker.example/p.jpg' }) });
    await until('the notices with and without a picture', async () => (await shown()).filter((n) => n.title.startsWith('Person at')).length === 2, 20_000);
    const people = await shown();
    assert.equal(people.find((n) => n.title === 'Person at the porch, 14:32')!.image, jpeg, 'the picture in the payload is shown');
    assert.equal(people.find((n) => n.title === 'Person at the gate')!.image, '', 'a picture elsewhere is not fetched');

    assert.notEqual(await page.evaluate('location.hash'), '#/live');
    const sw = await worker();
    await sw.evaluate(TAP('Motion at the porch'));
    await page.waitForSelector('#live-view', { state: 'visible' });
    assert.equal(await page.inputValue('#live-camera'), cameraId, 'the camera of the notice is the one shown');
    assert.equal(await page.evaluate('location.hash'), '#/live');
    await until('the tapped notice closed', async () => !(await shown()).some((n) => n.title === 'Motion at the porch'));
  });

  it('a link to a moment opens the timeline on that camera and day and plays the clip', async () => {
    const clipId = await ui.uploadClip(porch, { agoMs: 30_000 });
    const clip = (await send(member, 'GET', `/api/clips?camera=${cameraId}&limit=5`)).json().clips.find((c: { id: string }) => c.id === clipId) as { startedAt: number };
    await page.evaluate(`location.hash = ${JSON.stringify(`#/timeline?camera=${cameraId}&at=${clip.startedAt + 1000}`)}`);
    await page.waitForSelector(`#clips li[data-clip="${clipId}"] button.clip[aria-current=true]`);
    assert.equal(await page.inputValue('#timeline-camera'), cameraId);
    assert.equal(await page.evaluate('document.querySelector("#player").getAttribute("src")'), `/api/clips/${clipId}/video`);
  });

  it('snoozing from the page keeps motion from the phone, while an arming change by someone else still arrives', async () => {
    await page.click('#nav button[data-view=security]');
    await page.waitForSelector('#snooze-panel', { state: 'visible' });
    await page.waitForSelector('#snooze-what option[value=""]', { state: 'attached' });
    await page.selectOption('#snooze-what', '');
    await page.click('#snooze-panel button[data-for="1h"]');
    await page.waitForSelector('#snoozes li');
    assert.match(await page.innerText('#snoozes li'), /All motion notifications: snoozed, .* left \(until/);
    await screenshot(page, 'snooze-phone', '#snooze-panel');
    const before = pushes().length;
    await motion();
    assert.equal((await send(partner, 'PUT', '/api/arming/mode', { mode: 'disarmed' })).status, 200);
    await until('the disarm push', () => pushes().length > before);
    await sleep(500);
    assert.deepEqual(pushes().slice(before).map((p) => p.payload.title), ['Porchlight is disarmed'], 'the motion was snoozed, the disarm was not');

    // One camera "until disarmed", then ended early from the page.
    await page.reload();
    await page.waitForSelector('#snooze-what option[value="' + cameraId + '"]', { state: 'attached' });
    await page.selectOption('#snooze-what', cameraId);
    await page.click('#snooze-panel button[data-for="disarmed"]');
    await page.waitForSelector(`#snoozes li[data-camera="${cameraId}"]`);
    assert.match(await page.innerText(`#snoozes li[data-camera="${cameraId}"]`), /porch: snoozed until the home is next disarmed/);
    await page.click(`#snoozes li[data-camera="${cameraId}"] button`);
    await page.waitForSelector(`#snoozes li[data-camera="${cameraId}"]`, { state: 'detached' });
    assert.deepEqual((await send(member, 'GET', '/api/me/snoozes')).json().snoozes.map((z: { camera: string | null }) => z.camera), [null], 'the camera\'s snooze ended early; the one for everything is still on');
    await page.click('#snoozes li[data-camera=""] button');
    await page.waitForSelector('#snoozes-none', { state: 'visible' });
    assert.deepEqual((await send(member, 'GET', '/api/me/snoozes')).json().snoozes, []);
  });

  it('Remove stops this browser: the hub forgets it and the page says this browser gets none', async () => {
    await page.click('#push-devices li button');
    await page.waitForSelector('#push-devices li', { state: 'detached' });
    assert.match(await page.innerText('#push-state'), /does not get notifications/);
    assert.deepEqual((await send(member, 'GET', '/api/me/push/devices')).json().devices, []);
  });
});

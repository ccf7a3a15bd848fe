import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, DESKTOP, launchBrowser, PHONE } from '../helpers/browser';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, type SignedIn } from '../helpers/hub';
import { call } from '../helpers/https';
import { getPrefs } from '../../hub/alerts';
import { writeRelayStatus } from '../../common/cloud/cloudHealth';
import { findUser } from '../../hub/users';
import { startUiHub, type UiHub, type UiUser } from '../helpers/uiHub';
import { until } from '../helpers/wait';

/*
 * The settings pages in Debian's Chromium: schedules, geofence, camera grants on the
 * household page, alerts and webhooks on the security page, and the system page. What the
 * browser does is checked against the API, and errors must read as sentences.
 */

const PACKAGE_VERSION = (JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
// Berlin, Brandenburg Gate.
const HOME = { lat: 52.516275, lon: 13.377704 };

describe("settings pages in Debian's Chromium", function () {
  this.timeout(180_000);
  // One hub for the whole file (signing in with a browser is the slow part), in its own dir.
  let dir: string;
  let browser: Browser;
  let ui: UiHub;
  let api: SignedIn;
  let cameras: Record<string, string>;
  const contexts: BrowserContext[] = [];

  before(async () => {
    browser = await launchBrowser();
    dir = mkdtempSync(path.join(tmpdir(), 'porchlight-settings-'));
    ui = await startUiHub(dir);
    cameras = {};
    for (const name of ['porch', 'driveway']) cameras[name] = (await ui.pairCamera(name)).deviceId;
    // A second owner without 2FA, so the test reads and sets things through the API directly.
    await addTestUser(ui.t.db, 'owner', 'boss');
    api = await signIn(ui.t.base, 'boss', PASSWORDS.owner);
  });
  after(async () => {
    await ui?.close();
    await browser?.close();
    if (dir && !process.env.PORCHLIGHT_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    while (contexts.length) await contexts.pop()!.close();
  });

  /** A signed-in page that records what the CSP blocked; dialogs (confirmations) are accepted. */
  async function open(user: UiUser, viewport = DESKTOP, extra: Parameters<Browser['newContext']>[0] = {}): Promise<{ page: Page; cspErrors: string[] }> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, ...extra });
    contexts.push(context);
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && /Content Security Policy/i.test(m.text()) && cspErrors.push(m.text()));
    page.on('dialog', (d) => void d.accept());
    await ui.signInAs(page, user);
    return { page, cspErrors };
  }

  async function go(page: Page, view: string): Promise<void> {
    await page.click(`#nav button[data-view=${view}]`);
    await page.waitForSelector(`#${view}-view`, { state: 'visible' });
  }

  const get = async (route: string, who: SignedIn = api) => {
    const res = await call(ui.t.base, 'GET', route, { headers: who.headers });
    assert.equal(res.status, 200, res.body.toString());
    return res.json();
  };

  it('adds a weekday 22:00 rule through the form, shows it in the list, the week and the API, then deletes it', async () => {
    const { page, cspErrors } = await open('owner');
    await go(page, 'schedules');
    await page.waitForSelector('#rules-intro:has-text("There are no rules")');

    // No day chosen: refused with a sentence, nothing stored.
    await page.click('#schedule-form button[type=submit]');
    await page.waitForSelector('#schedule-form p.error:has-text("Choose at least one day.")');
    assert.deepEqual((await get('/api/arming/rules')).rules, []);

    await page.click('button[aria-label="Select weekdays"]');
    await page.selectOption('#rule-time', '22:00');
    await page.selectOption('#rule-action', 'mode:armed_home');
    await page.click('#schedule-form button[type=submit]');
    await page.waitForSelector('#schedule-form p.note:has-text("Added: weekdays at 22:00")');
    await page.waitForSelector('#rules li:has-text("Weekdays at 22:00 → Armed (home)")');
    const { rules } = await get('/api/arming/rules');
    assert.deepEqual(rules.map((r: { days: number[]; at: string; mode: string }) => [r.days, r.at, r.mode]), [[[1, 2, 3, 4, 5], '22:00', 'armed_home']]);
    // One firing on each weekday of the week drawn, and the whole week armed home (the rule carries over the weekend).
    assert.equal(await page.locator('#schedule-week .cell.fires').count(), 5);
    assert.equal(await page.locator('#schedule-week .cell:not(.m-armed_home):not(.missing)').count(), 0);
    assert.match((await page.textContent('#schedule-week .day .segments')) ?? '', /00:00–24:00 Armed \(home\)/);

    // A camera rule names its camera.
    await page.check('#rule-day-6');
    await page.uncheck('#rule-day-1');
    await page.uncheck('#rule-day-2');
    await page.uncheck('#rule-day-3');
    await page.uncheck('#rule-day-4');
    await page.uncheck('#rule-day-5');
    await page.selectOption('#rule-time', '07:15');
    await page.selectOption('#rule-action', `camera:${cameras.porch}:off`);
    await page.click('#schedule-form button[type=submit]');
    await page.waitForSelector('#rules li:has-text("Sat at 07:15 → porch: motion off")');
    assert.deepEqual((await get('/api/arming/rules')).cameraRules.map((r: { cameraId: string; motion: boolean }) => [r.cameraId, r.motion]), [[cameras.porch, false]]);

    await page.click('#rules li:has-text("Weekdays at 22:00") button:has-text("Delete")');
    await page.waitForSelector('#rules-panel p.note:has-text("Deleted: Weekdays at 22:00")');
    assert.equal(await page.locator('#rules li:has-text("Weekdays at 22:00")').count(), 0);
    assert.deepEqual((await get('/api/arming/rules')).rules, []);
    await page.click('#rules li:has-text("porch: motion off") button:has-text("Delete")');
    await page.waitForSelector('#rules-intro:has-text("There are no rules")');
    assert.deepEqual((await get('/api/arming/rules')).cameraRules, []);

    // The timeline lists changes of mode with who made them.
    const set = await call(ui.t.base, 'PUT', '/api/arming/mode', { body: JSON.stringify({ mode: 'armed_away' }), headers: { ...api.headers, ...JSON_HEADERS } });
    assert.equal(set.status, 200, set.body.toString());
    await go(page, 'geofence');
    await go(page, 'schedules');
    await page.waitForSelector('#arming-events tr:has-text("Armed (away)"):has-text("boss")');
    assert.deepEqual(cspErrors, []);
  });

  it('saves the home location and radius on the geofence page, and says why a bad radius is refused', async () => {
    const { page, cspErrors } = await open('owner', PHONE, { geolocation: { latitude: HOME.lat, longitude: HOME.lon, accuracy: 20 }, permissions: ['geolocation'] });
    await go(page, 'geofence');
    await page.waitForSelector('#home-summary:has-text("not set")');
    await page.click('#use-my-location');
    await page.waitForSelector('#home-form p.note:has-text("Filled in this device\'s location")');
    assert.equal(Number(await page.inputValue('#home-lat')), HOME.lat);
    await page.fill('#home-radius', '150');
    await page.fill('#home-tz', 'Europe/Berlin');
    await page.check('#geofence-enabled');
    await page.click('#home-form button[type=submit]');
    await page.waitForSelector('#home-form p.note:has-text("Saved")');
    let settings = await get('/api/arming/settings');
    assert.deepEqual(settings.home, HOME);
    assert.equal(settings.radiusM, 150);
    assert.equal(settings.timeZone, 'Europe/Berlin');
    assert.equal(settings.geofenceEnabled, true);

    await page.fill('#home-radius', '5');
    await page.click('#home-form button[type=submit]');
    await page.waitForSelector('#home-form p.error:has-text("The radius must be between 25 and 10000 metres.")');
    settings = await get('/api/arming/settings');
    assert.equal(settings.radiusM, 150, 'nothing is stored when the hub refuses');
    assert.deepEqual(cspErrors, []);
  });

  it("a member shares their location from the browser and shows as home; the home's settings are not theirs to change", async () => {
    const put = await call(ui.t.base, 'PUT', '/api/arming/settings', { body: JSON.stringify({ home: HOME, radiusM: 150, geofenceEnabled: true }), headers: { ...api.headers, ...JSON_HEADERS } });
    assert.equal(put.status, 200, put.body.toString());
    const near = { latitude: HOME.lat + 0.0002, longitude: HOME.lon, accuracy: 15 };
    const { page, cspErrors } = await open('member', PHONE, { geolocation: near, permissions: ['geolocation'] });
    await go(page, 'geofence');
    assert.equal(await page.isVisible('#home-form'), false, 'only the owner edits the home');
    assert.equal(await page.isChecked('#geofence-me'), false);
    await page.click('#share-my-location');
    await page.waitForSelector('#geofence-me-panel p.note:has-text("The hub counts you as home")');
    await page.waitForSelector('#geofence-members tr:has-text("member"):has-text("Home")');
    assert.equal(await page.isChecked('#geofence-me'), true, 'sharing is taking part');
    const g = await get('/api/geofence');
    assert.equal(g.members.find((m: { username: string }) => m.username === 'member').presence, 'home');
    assert.deepEqual(cspErrors, []);
  });

  it('the owner lets a viewer watch one camera; the viewer then sees only that one', async () => {
    const { page, cspErrors } = await open('owner');
    await go(page, 'household');
    await page.waitForSelector('#grants-panel li:has-text("member sees every camera")');
    const form = page.locator('#grants form[data-user=viewer]');
    await form.locator('label:has-text("driveway") input').check();
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('#grants-panel p.note:has-text("viewer may now watch driveway")');

    const viewer = await signIn(ui.t.base, 'viewer', PASSWORDS.viewer);
    assert.deepEqual((await get('/api/devices', viewer)).devices.map((d: { name: string }) => d.name), ['driveway']);
    assert.deepEqual((await get('/api/users')).users.find((u: { username: string }) => u.username === 'viewer').grants, [cameras.driveway]);
    assert.deepEqual(cspErrors, []);
  });

  it("a viewer's nav has no household page, and opening #/household directly shows none of it", async () => {
    const { page } = await open('viewer', PHONE);
    const views = await page.evaluate<string[]>("[...document.querySelectorAll('#nav button')].filter((b) => !b.hidden).map((b) => b.dataset.view)");
    assert.ok(!views.includes('household'), `a viewer's pages: ${views.join(', ')}`);
    assert.ok(!views.includes('system') && !views.includes('schedules') && !views.includes('geofence'), views.join(', '));
    await page.goto(`${ui.t.base}/#/household`);
    await page.waitForSelector('#nav', { state: 'visible' });
    await page.waitForLoadState('networkidle');
    assert.equal(await page.isVisible('#household-view'), false);
    assert.equal(await page.isVisible('#users'), false);
    assert.equal(await page.isVisible('#grants-panel'), false);
    assert.equal(await page.locator('#users tr').count(), 0, 'no user list was even loaded');
    assert.doesNotMatch(page.url(), /#\/household/);
  });

  it('the system page shows the version, the ports, the certificate, each camera, and what to fix when the relay is misconfigured', async () => {
    const { page, cspErrors } = await open('installer');
    await go(page, 'system');
    await page.waitForSelector(`#system-versions dd:has-text("${PACKAGE_VERSION}")`);
    await page.waitForSelector(`#system-network dd:text-is("${ui.t.httpsPort}")`);
    await page.waitForSelector(`#system-network dd:has-text("${ui.t.httpPort} (only redirects to HTTPS)")`);
    const fingerprint = (await call(ui.t.base, 'GET', '/api/system', { headers: (await signIn(ui.t.base, 'installer', PASSWORDS.installer)).headers })).json().certificate.fingerprint;
    await page.waitForSelector(`#system-certificate code:text-is("${fingerprint}")`);
    // Trust this hub on your phone: the household CA's fingerprint to compare, and both downloads.
    const householdCa = (await call(ui.t.base, 'GET', '/api/household-ca')).json();
    await page.waitForSelector(`#system-trust-fingerprint:text-is("${householdCa.fingerprint}")`);
    assert.equal(await page.getAttribute('#system-trust-android', 'href'), '/household-ca.crt');
    assert.equal(await page.getAttribute('#system-trust-ios', 'href'), '/household-ca.mobileconfig');
    await page.waitForSelector('#system-trust-panel li:has-text("Certificate Trust Settings")');
    await page.waitForSelector('#system-services tr:has-text("Camera porch"):has-text("Offline")');
    await page.waitForSelector('#system-services tr:has-text("Cloud backup"):has-text("Not running")');

    // A relay that runs but cannot use its settings: the row says what to fix (the page
    // refreshes every 10 s while shown). The status is what the relay writes in that state.
    const problem = 'the S3 credentials file /etc/porchlight/s3.yaml does not exist: create it';
    const beat = ui.t.clock.now();
    writeRelayStatus(ui.t.db, { state: 'misconfigured', since: beat, target: 's3://footage/clips/', lastError: problem, lastUploadAt: null, heartbeatAt: beat });
    try {
      await page.waitForSelector(`#system-services tr:has-text("Cloud backup"):has-text("Needs attention"):has-text("its cloud settings cannot be used"):has-text("to fix: ${problem}")`);
      await page.waitForSelector('#system-services tr:has-text("Cloud backup"):has-text("tries again by itself")');
    } finally {
      // The other tests of this file see no relay, as before.
      ui.t.db.prepare('DELETE FROM relay_status').run();
    }
    assert.deepEqual(cspErrors, []);
  });

  it('the owner protects the footage key with a passphrase on the system page, then removes it; an installer has no such panel', async () => {
    const { page, cspErrors } = await open('owner');
    await go(page, 'system');
    await page.waitForSelector('#footage-key-status:has-text("Not protected with a passphrase")');
    assert.equal(await page.isVisible('#footage-unlock-form'), false);
    await page.fill('#footage-wrap-passphrase', 'a long passphrase for the porch');
    await page.fill('#footage-wrap-passphrase-again', 'a long passphrase for the porch');
    await page.fill('#footage-wrap-password', PASSWORDS.owner);
    await page.click('#footage-wrap-form button[type=submit]');
    await page.waitForSelector('#footage-key-status:has-text("Protected with a passphrase, and unlocked until the hub restarts")');
    assert.equal((await get('/api/system/footage-key')).wrapped, true);
    await page.fill('#footage-unwrap-password', PASSWORDS.owner);
    await page.click('#footage-unwrap-form button[type=submit]');
    await page.waitForSelector('#footage-key-status:has-text("Not protected with a passphrase")');
    assert.equal((await get('/api/system/footage-key')).wrapped, false);
    assert.equal(await page.isVisible('#footage-banner'), false);
    assert.deepEqual(cspErrors, []);
    const installer = await open('installer');
    await go(installer.page, 'system');
    await installer.page.waitForSelector('#system-services');
    assert.equal(await installer.page.isVisible('#footage-key-panel'), false);
  });

  it('alerts and webhooks on the security page: saved to the API, and a refused address explained', async () => {
    const { page, cspErrors } = await open('owner');
    await go(page, 'security');
    await page.waitForSelector('#notify-motion-armed:checked');
    await page.check('#notify-motion-all');
    await page.check('#notify-cameras-some');
    await page.check(`#notify-camera-${cameras.porch}`);
    await page.click('#notifications-form button[type=submit]');
    await page.waitForSelector('#notifications-form p.note:has-text("Your alerts are saved")');
    // The owner signs in with 2FA, so their saved preferences are read from the hub's database.
    assert.deepEqual(getPrefs(ui.t.db, findUser(ui.t.db, 'owner')!.id), { motion: 'all', arming: true, cameras: [cameras.porch] });

    await page.fill('#webhook-url', 'http://hooks.example.com/porchlight');
    await page.click('#webhook-form button[type=submit]');
    const refusal = await page.waitForSelector('#webhook-form p.error');
    assert.match((await refusal.textContent()) ?? '', /^[A-Z].*\.$/, 'a sentence');
    await page.fill('#webhook-url', 'https://hooks.example.com/porchlight');
    await page.click('#webhook-form button[type=submit]');
    await page.waitForSelector('#webhook-secret code');
    await page.waitForSelector('#webhooks li:has-text("https://hooks.example.com/porchlight")');
    assert.deepEqual((await get('/api/webhooks')).webhooks.map((h: { url: string }) => h.url), ['https://hooks.example.com/porchlight']);
    assert.deepEqual(await get('/api/me/notifications', await signIn(ui.t.base, 'boss', PASSWORDS.owner)), { motion: 'armed', arming: true, cameras: 'all' }, "another owner's alerts are their own");
    assert.deepEqual(cspErrors, []);
  });

  it('pictures in notifications: off by default, the owner turns them on for the household; a member has no such panel', async () => {
    const { page, cspErrors } = await open('owner');
    await go(page, 'security');
    await page.waitForSelector('#notice-pictures-panel', { state: 'visible' });
    await page.waitForSelector('#notice-pictures-mail:not(:checked)');
    assert.equal(await page.isChecked('#notice-pictures-push'), false, 'off by default');
    await page.check('#notice-pictures-mail');
    await page.check('#notice-pictures-push');
    await page.click('#notice-pictures-form button[type=submit]');
    await page.waitForSelector('#notice-pictures-form p.note:has-text("Saved")');
    assert.deepEqual(await get('/api/notifications/pictures'), { mail: true, push: true });
    await page.uncheck('#notice-pictures-mail');
    await page.click('#notice-pictures-form button[type=submit]');
    await page.waitForSelector('#notice-pictures-form p.note:has-text("Saved")');
    await until('saved', async () => (await get('/api/notifications/pictures')).mail === false);
    assert.deepEqual(await get('/api/notifications/pictures'), { mail: false, push: true });
    assert.deepEqual(cspErrors, []);
    const member = await open('member');
    await go(member.page, 'security');
    await member.page.waitForSelector('#notifications-panel', { state: 'visible' });
    assert.equal(await member.page.isVisible('#notice-pictures-panel'), false);
    assert.equal((await call(ui.t.base, 'PUT', '/api/notifications/pictures', { body: JSON.stringify({ push: false }), headers: { ...api.headers, ...JSON_HEADERS } })).status, 200);
  });

  it('schedules, geofence, household, security and system pass axe-core at phone and desktop size', async () => {
    for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      const { page, cspErrors } = await open('owner', viewport);
      for (const view of ['schedules', 'geofence', 'household', 'security', 'system']) {
        await go(page, view);
        await page.waitForLoadState('networkidle');
        assert.deepEqual(await axeViolations(page), [], `${view} page, ${size}`);
      }
      assert.deepEqual(cspErrors, [], size);
    }
  });
});

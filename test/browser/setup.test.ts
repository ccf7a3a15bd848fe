import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { setupCodePath } from '../../hub/firstRunSetup';
import { axeViolations, DESKTOP, launchBrowser, PHONE, screenshot } from '../helpers/browser';
import { addTestUser, cookiesFrom, JSON_HEADERS, login, PASSWORDS, signIn, startTestHub, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { oathtool } from '../helpers/oathtool';
import { startS3, type S3Peer } from '../helpers/s3';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/*
 * First-run setup in Debian's Chromium: a hub with no account, the setup code read from its
 * data dir as `porchlight setup code` would, and the wizard walked to the dashboard. What
 * the browser did is then checked through the API.
 */

// Berlin, Brandenburg Gate.
const HOME = { latitude: 52.516275, longitude: 13.377704 };
const PASSWORD = 'lantern by the garden gate';
/** On Mozilla's common-password list (test/hub/firstPasswordNeverSent.test.ts checks it is). */
const COMMON = 'password123';
const COMMON_REFUSED = 'This password is one of the most common passwords; choose another.';

/** Every request the page sends, with its body, to search for a password afterwards. */
function recordRequests(page: Page): Array<{ url: string; body: string }> {
  const sent: Array<{ url: string; body: string }> = [];
  page.on('request', (r) => sent.push({ url: r.url(), body: r.postData() ?? '' }));
  return sent;
}

/** Asserts that no request carried `secret` in any of the spellings a page could send it in. */
function assertNeverSent(sent: Array<{ url: string; body: string }>, secret: string): void {
  for (const { url, body } of sent) {
    for (const form of [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), Buffer.from(secret).toString('hex')]) {
      assert.ok(!body.includes(form) && !url.includes(form), `${url} carried the password`);
    }
  }
}

describe("first-run setup in Debian's Chromium", function () {
  this.timeout(240_000);
  const tmp = useTempDir();
  let browser: Browser;
  let t: TestHub;
  let context: BrowserContext;

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => browser?.close());
  beforeEach(async () => {
    t = await startTestHub(path.join(tmp.dir, 'hub'));
  });
  afterEach(async () => {
    await context?.close();
    await t.stop();
  });

  async function open(hash = ''): Promise<{ page: Page; cspErrors: string[]; sent: Array<{ url: string; body: string }> }> {
    context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: DESKTOP,
      timezoneId: 'Europe/Berlin',
      geolocation: HOME,
      permissions: ['geolocation'],
    });
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && /Content Security Policy/i.test(m.text()) && cspErrors.push(m.text()));
    const sent = recordRequests(page);
    await page.goto(`${t.base}/${hash}`);
    if (!hash) await page.waitForSelector('#setup-view', { state: 'visible' });
    return { page, cspErrors, sent };
  }

  /** Polls an expression over the DevTools protocol: waitForFunction would need the eval the CSP forbids. */
  async function pageUntil(page: Page, expression: string): Promise<void> {
    await until(expression, () => page.evaluate(expression), 15_000, 50);
  }

  async function axeAtBothSizes(page: Page, what: string, shot: string): Promise<void> {
    for (const [name, size] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      await page.setViewportSize(size);
      assert.deepEqual(await axeViolations(page), [], `${what} at ${size.width}px`);
      await screenshot(page, `${shot}-${name}`);
    }
  }

  /** The step shown, with focus on its heading; axe finds nothing serious at phone and desktop size. */
  async function atStep(page: Page, id: string, heading: string): Promise<void> {
    await page.waitForSelector(`#setup-step-${id}`, { state: 'visible' });
    await pageUntil(page, `document.activeElement && document.activeElement.textContent === ${JSON.stringify(heading)}`);
    await axeAtBothSizes(page, heading, `setup-${id}`);
    assert.equal(await page.isVisible('#login-view'), false, 'the wizard replaces sign-in');
    assert.equal(await page.isVisible('#nav'), false, 'no nav until setup is done');
  }

  it('walks a new owner from the setup code to the dashboard', async () => {
    const s3: S3Peer = await startS3(tmp.dir);
    try {
      const { page, cspErrors, sent } = await open();
      await atStep(page, 'owner', 'Step 1 of 4: Your account');
      const code = readFileSync(setupCodePath(path.join(tmp.dir, 'hub')), 'utf8').trim();
      assert.equal(sent.some((r) => r.url.includes('/common-passwords.js')), false, 'the list is not loaded with the page');
      await page.fill('#setup-code', code.toLowerCase());
      await page.fill('#setup-username', 'dana');
      await page.fill('#setup-password', PASSWORD);
      await page.fill('#setup-password-again', `${PASSWORD}!`);
      await page.fill('#setup-email', 'dana@home.test');
      await page.click('#setup-owner-form button[type=submit]');
      await page.waitForSelector('#setup-owner-form p.error:text("The two passwords are not the same.")');
      // A common password is refused in the page, and nothing goes to the hub.
      await page.fill('#setup-password', COMMON);
      await page.fill('#setup-password-again', COMMON);
      await page.click('#setup-owner-form button[type=submit]');
      await page.waitForSelector(`#setup-owner-form p.error:text("${COMMON_REFUSED}")`);
      assert.ok(sent.some((r) => r.url.includes('/common-passwords.js?v=')), 'the list was fetched once a password was being chosen');
      assert.equal(sent.some((r) => r.url.includes('/api/setup/owner')), false, 'a refused password starts nothing');
      await page.fill('#setup-password', PASSWORD);
      await page.fill('#setup-password-again', PASSWORD);
      await page.click('#setup-owner-form button[type=submit]');

      // Two-factor sign-in: QR and key, a code from oathtool, then the recovery codes.
      await atStep(page, '2fa', 'Step 2 of 4: Two-factor sign-in');
      // Registered with OPAQUE in the page: the hub got a request and a record, never the password.
      const posted = sent.filter((r) => r.body !== '').map((r) => new URL(r.url).pathname);
      assert.ok(posted.includes('/api/setup/owner/start') && posted.includes('/api/setup/owner/finish'), posted.join(', '));
      assertNeverSent(sent, PASSWORD);
      assert.equal(await page.isDisabled('#setup-totp-next'), true, 'no Next before 2FA is on (only "Set up later")');
      await page.click('#setup-totp-later');
      await page.waitForSelector('text=anyone who learns or guesses your password can watch your cameras');
      await page.click('#setup-totp-start');
      await page.waitForSelector('#setup-totp-qr[src^="data:image/svg+xml"]');
      const secret = (await page.textContent('#setup-totp-secret'))!.replace(/\s/g, '');
      await page.fill('#setup-totp-code', '000000');
      await page.click('#setup-totp-form button[type=submit]');
      await pageUntil(page, "/^[A-Z].*\\.$/.test(document.querySelector('#setup-totp-form p.error').textContent)");
      await page.fill('#setup-totp-code', oathtool(secret, t.clock.t));
      await page.click('#setup-totp-form button[type=submit]');
      await pageUntil(page, "document.querySelectorAll('#setup-recovery-codes li').length === 10");
      assert.equal(await page.isDisabled('#setup-totp-next'), true, 'Next waits for "I have stored them"');
      assert.equal(await page.isVisible('#setup-totp-later'), false);
      await page.check('#setup-codes-stored');
      await axeAtBothSizes(page, 'the recovery codes', 'setup-recovery-codes');
      await page.click('#setup-totp-next');

      // The home: time zone from the browser, location from its geolocation.
      await atStep(page, 'home', 'Step 3 of 4: Your home');
      assert.equal(await page.inputValue('#setup-tz'), 'Europe/Berlin');
      await page.click('#setup-locate');
      await pageUntil(page, "document.getElementById('setup-lat').value !== ''");
      await page.fill('#setup-radius', '10');
      await page.click('#setup-home-form button[type=submit]');
      await page.waitForSelector('#setup-home-form p.error:text("The radius must be between 25 and 10000 metres.")');
      await page.fill('#setup-radius', '200');
      await page.click('#setup-home-form button[type=submit]');

      // Cloud backup: a real S3 server, tested before it is saved.
      await atStep(page, 'cloud', 'Step 4 of 4: Cloud backup');
      await page.check('#setup-cloud-s3');
      await page.fill('#setup-cloud-endpoint', s3.endpoint);
      await page.fill('#setup-cloud-bucket', 'no-such-bucket');
      await page.fill('#setup-cloud-access-key', 'S3RVER');
      await page.fill('#setup-cloud-secret', 'S3RVER');
      await page.click('#setup-cloud-test');
      await page.waitForSelector('#setup-cloud-result p.error:has-text("does not exist")');
      await page.fill('#setup-cloud-bucket', s3.bucket);
      await page.click('#setup-cloud-test');
      await page.waitForSelector('#setup-cloud-result p.note:has-text("The connection works")');
      await axeAtBothSizes(page, 'a tested connection', 'setup-cloud-tested');
      await page.click('#setup-cloud-save');

      await atStep(page, 'done', 'Porchlight is ready');
      assert.match((await page.textContent('#setup-cloud-summary'))!, /bucket footage/);
      // The last step offers the household CA for the phone, with the fingerprint to compare.
      await page.waitForSelector(`#setup-trust-fingerprint:text-is("${(await call(t.base, 'GET', '/api/household-ca')).json().fingerprint}")`);
      await page.click('#setup-finish');
      await page.waitForSelector('#nav', { state: 'visible' });
      await page.waitForSelector('#dashboard-view', { state: 'visible' });
      assert.equal(await page.isVisible('#setup-view'), false);
      // Later changes: the same choice, on the System page.
      await page.click('#nav button[data-view=system]');
      await page.waitForSelector('#cloud-backup-panel', { state: 'visible' });
      await pageUntil(page, "document.getElementById('system-cloud-bucket').value === 'footage'");
      assert.equal(await page.inputValue('#system-cloud-secret'), '', 'the secret is never sent back');
      await axeAtBothSizes(page, 'the System page', 'system-cloud-panel');
      assert.deepEqual(cspErrors, []);

      // Through the API: the owner signs in with a password and a TOTP code.
      t.clock.advance(30_000);
      const first = await login(t.base, 'dana', PASSWORD);
      assert.equal(first.json().status, 'totp_required', 'the owner has 2FA on');
      const second = await call(t.base, 'POST', '/api/login/totp', { body: JSON.stringify({ ticket: first.json().ticket, code: oathtool(secret, t.clock.t) }), headers: JSON_HEADERS });
      assert.equal(second.status, 200, second.body.toString());
      assert.equal(second.json().user.role, 'owner');
      assert.equal(second.json().user.email, 'dana@home.test');
      const headers = { cookie: cookiesFrom(second), 'x-csrf-token': second.json().csrfToken as string };
      const arming = (await call(t.base, 'GET', '/api/arming/settings', { headers })).json();
      assert.equal(arming.timeZone, 'Europe/Berlin');
      assert.equal(arming.radiusM, 200);
      assert.ok(Math.abs(arming.home.lat - HOME.latitude) < 1e-4 && Math.abs(arming.home.lon - HOME.longitude) < 1e-4, JSON.stringify(arming.home));
      const cloud = (await call(t.base, 'GET', '/api/cloud/target', { headers })).json();
      assert.equal(cloud.source, 'ui');
      assert.deepEqual(
        { type: cloud.target.type, endpoint: cloud.target.endpoint, bucket: cloud.target.bucket, accessKeyId: cloud.target.accessKeyId, secretSet: cloud.target.secretSet },
        { type: 's3', endpoint: s3.endpoint, bucket: 'footage', accessKeyId: 'S3RVER', secretSet: true },
      );
      assert.deepEqual((await call(t.base, 'GET', '/api/setup')).json(), { needed: false });
    } finally {
      await s3.close();
    }
  });

  it('says clearly when the setup code is wrong, and creates nobody', async () => {
    const { page, cspErrors } = await open();
    await page.fill('#setup-code', 'ABCD-EFGH-JKMN');
    await page.fill('#setup-username', 'mallory');
    await page.fill('#setup-password', PASSWORD);
    await page.fill('#setup-password-again', PASSWORD);
    await page.click('#setup-owner-form button[type=submit]');
    await page.waitForSelector('#setup-owner-form p.error:text(\'The setup code is not right: run "porchlight setup code" on the hub to see it.\')');
    assert.equal(await page.isVisible('#setup-step-owner'), true);
    assert.equal((t.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n, 0);
    assert.deepEqual((await call(t.base, 'GET', '/api/setup')).json(), { needed: true });
    assert.deepEqual(cspErrors, []);
  });

  it('an invitee creates their account from the invitation link: a common password is refused in the page, and the chosen one never leaves it', async () => {
    await addTestUser(t.db, 'owner');
    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const invite = await call(t.base, 'POST', '/api/users/invitations', { body: JSON.stringify({ email: 'samantha@home.test', role: 'member' }), headers: { ...owner.headers, ...JSON_HEADERS } });
    const code = invite.json().code as string;
    const { page, cspErrors, sent } = await open(`#invite=${code}`);
    await page.waitForSelector('#invite-view', { state: 'visible' });
    assert.deepEqual(await axeViolations(page), []);
    await page.fill('#invite-username', 'sam');
    await page.fill('#invite-password', COMMON);
    await page.fill('#invite-password-again', COMMON);
    await page.click('#invite-form button[type=submit]');
    await page.waitForSelector(`#invite-form p.error:text("${COMMON_REFUSED}")`);
    assert.equal(sent.some((r) => r.url.includes('/api/invitations/accept')), false, 'a refused password starts nothing');
    // Built from the invitation's address, which the page learns at the first step: refused before the record goes.
    await page.fill('#invite-password', 'samantha plants tulips');
    await page.fill('#invite-password-again', 'samantha plants tulips');
    await page.click('#invite-form button[type=submit]');
    await page.waitForSelector('#invite-form p.error:text("This password contains your email address; choose another.")');
    assert.equal(sent.some((r) => r.url.includes('/api/invitations/accept/finish')), false);
    const chosen = 'marmalade on a rainy tuesday';
    await page.fill('#invite-password', chosen);
    await page.fill('#invite-password-again', chosen);
    await page.click('#invite-form button[type=submit]');
    await page.waitForSelector('#login-form :text("Your account sam is ready: sign in")');
    const posted = sent.filter((r) => r.body !== '').map((r) => new URL(r.url).pathname);
    assert.ok(posted.includes('/api/invitations/accept/start') && posted.includes('/api/invitations/accept/finish'), posted.join(', '));
    assertNeverSent(sent, chosen);
    assert.deepEqual(cspErrors, []);
    assert.equal((await login(t.base, 'sam', chosen)).json().status, 'signed_in');
    assert.equal((await login(t.base, 'sam', 'marmalade on a sunny tuesday')).status, 401);
  });

  it('refuses a common password on the Security page and in "Forgot password?", in the page', async () => {
    await addTestUser(t.db, 'owner');
    context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: DESKTOP });
    const page = await context.newPage();
    const sent = recordRequests(page);
    await page.goto(t.base);
    await page.waitForSelector('#login-form', { state: 'visible' });
    await page.fill('#username', 'owner');
    await page.click('#reset-open');
    await page.click('#reset-have-code');
    await page.fill('#reset-code', 'ABCDEFGH');
    await page.fill('#reset-password', COMMON);
    await page.fill('#reset-password-again', COMMON);
    await page.click('#reset-form button[type=submit]');
    await page.waitForSelector(`#reset-form p.error:text("${COMMON_REFUSED}")`);
    assert.equal(sent.some((r) => r.url.includes('/api/password-reset/start')), false);

    await page.click('#reset-form .reset-back');
    await page.fill('#username', 'owner');
    await page.fill('#password', PASSWORDS.owner);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#nav', { state: 'visible' });
    await page.click('#nav button[data-view=security]');
    await page.fill('#current-password', PASSWORDS.owner);
    await page.fill('#new-password', 'Password123');
    await page.fill('#new-password-again', 'Password123');
    await page.click('#password-form button[type=submit]');
    await page.waitForSelector(`#password-form p.error:text("${COMMON_REFUSED}")`);
    assert.equal(sent.some((r) => r.url.includes('/api/me/password')), false, 'nothing was started');
  });
});

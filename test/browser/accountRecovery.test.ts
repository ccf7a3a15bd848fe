import { strict as assert } from 'node:assert';
import type { Browser } from 'playwright-core';
import { DESKTOP, launchBrowser } from '../helpers/browser';
import { login, PASSWORDS } from '../helpers/hub';
import { useTempDir } from '../helpers/tmp';
import { startUiHub, type UiHub } from '../helpers/uiHub';
import { newResetCode } from '../../hub/passwordResets';

/*
 * Issue 19 in the browser: "Forgot password?" on the sign-in page, and the email change on the
 * Security page that now asks for the password. Neither password leaves the page.
 */
describe("account recovery in Debian's Chromium", function () {
  this.timeout(120_000);
  const tmp = useTempDir();
  let browser: Browser;
  let ui: UiHub;

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => browser?.close());
  beforeEach(async () => {
    ui = await startUiHub(tmp.dir);
  });
  afterEach(async () => ui.close());

  const memberId = () => (ui.t.db.prepare("SELECT id FROM users WHERE username = 'member'").get() as { id: number }).id;

  it('"Forgot password?": a reset code and a new password registered in the page; the new password signs in', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: DESKTOP });
    const page = await context.newPage();
    const bodies: Array<{ url: string; body: string }> = [];
    page.on('request', (r) => bodies.push({ url: r.url(), body: r.postData() ?? '' }));
    const next = 'a brand new porch passphrase';
    try {
      await page.goto(ui.t.base);
      await page.fill('#username', 'member');
      await page.click('#reset-open');
      await page.click('#reset-request-form button[type=submit]');
      // This hub has no mail: the page says so; the code is the one a mail would carry.
      await page.waitForSelector('#reset-request-form :text("cannot send mail")');
      const code = newResetCode(ui.t.db, memberId(), ui.t.clock.t)!;
      await page.click('#reset-have-code');
      await page.fill('#reset-code', code);
      await page.fill('#reset-password', next);
      await page.fill('#reset-password-again', next);
      await page.click('#reset-form button[type=submit]');
      await page.waitForSelector('#login-form :text("Your password is changed")', { timeout: 15_000 }).catch(async (err: unknown) => {
        throw new Error(`${String(err)}; the form says: ${await page.textContent('#reset-form')}`);
      });
      const posted = bodies.filter((b) => b.body !== '');
      assert.ok(posted.some((b) => b.url.endsWith('/api/password-reset/finish')), posted.map((b) => b.url).join(', '));
      for (const { url, body } of posted) {
        for (const form of [next, encodeURIComponent(next), Buffer.from(next).toString('base64'), Buffer.from(next).toString('base64url')]) assert.ok(!body.includes(form), `${url} carried the password`);
      }
      assert.equal((await login(ui.t.base, 'member', next, { localAddress: '127.0.0.5' })).status, 200, 'the new password signs in');
      assert.equal((await login(ui.t.base, 'member', PASSWORDS.member, { localAddress: '127.0.0.6' })).status, 401, 'the old one does not');
    } finally {
      await context.close();
    }
  });

  it('changes the email address on the Security page with the password, proven without sending it', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: DESKTOP });
    const page = await context.newPage();
    try {
      await ui.signInAs(page, 'member');
      await page.click('#nav button[data-view=security]');
      await page.fill('#email-address', 'nina@elsewhere.test');
      await page.fill('#email-password', 'not the password');
      await page.click('#email-form button[type=submit]');
      await page.waitForSelector('#email-form :text("password is not right")');
      await page.fill('#email-password', PASSWORDS.member);
      await page.click('#email-form button[type=submit]');
      await page.waitForSelector('#email-form :text("ask the owner of this home for your code")');
      const row = ui.t.db.prepare("SELECT email FROM users WHERE username = 'member'").get() as { email: string };
      assert.equal(row.email, 'nina@elsewhere.test');
    } finally {
      await context.close();
    }
  });
});

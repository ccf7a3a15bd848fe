import { strict as assert } from 'node:assert';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, DESKTOP, launchBrowser, PHONE, screenshot } from '../helpers/browser';
import { PASSWORDS, signIn } from '../helpers/hub';
import { call } from '../helpers/https';
import { useTempDir } from '../helpers/tmp';
import { startUiHub, type UiHub } from '../helpers/uiHub';

/*
 * The web UI in a real browser: Debian's Chromium driven by playwright-core, against a hub on
 * loopback with a paired (simulated) camera and one real clip. Screenshots of each page at
 * phone and desktop size go to docs/screenshots/ when PORCHLIGHT_SCREENSHOTS=1 (see README).
 */

describe("web UI in Debian's Chromium", function () {
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
    await ui.uploadClip(await ui.pairCamera('porch'));
  });
  afterEach(async () => ui.close());

  const signInAs = (page: Page, user: 'owner' | 'member' | 'viewer'): Promise<void> => ui.signInAs(page, user);

  it('signs in with a TOTP code, arms and disarms from the big control, and plays a clip in place', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: DESKTOP });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    try {
      await signInAs(page, 'owner');
      await page.waitForSelector('#arming-state:has-text("Disarmed")');
      await page.click('#arming-buttons button[data-mode=armed_away]');
      await page.waitForSelector('#arming-state:has-text("Armed (away)")');
      await page.waitForSelector('#arming-state:has-text("set by owner")');
      const state = (await call(ui.t.base, 'GET', '/api/arming', { headers: (await signIn(ui.t.base, 'member', PASSWORDS.member)).headers })).json();
      assert.equal(state.mode, 'armed_away');
      await page.click('#arming-buttons button[data-mode=disarmed]');
      await page.waitForSelector('#arming-state:has-text("Disarmed")');

      await page.click('#nav button[data-view=clips]');
      await page.click('#clips li button');
      // The video element's clock advancing is the clip playing (strings: this runs in the page).
      await page.waitForFunction(() => {
        const doc = (globalThis as unknown as { document: { querySelector(s: string): { currentTime: number } | null } }).document;
        const video = doc.querySelector('#player');
        return video !== null && video.currentTime > 0.5;
      }, undefined, { timeout: 20_000 });
      assert.deepEqual(errors.filter((e) => /Content Security Policy/i.test(e)), [], 'nothing the CSP had to block');
    } finally {
      await context.close();
    }
  });

  it('a viewer sees clips but no arming buttons and no household page', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: PHONE });
    const page = await context.newPage();
    try {
      await signInAs(page, 'viewer');
      await page.waitForSelector('#arming-state:has-text("Disarmed")');
      assert.equal(await page.isVisible('#arming-buttons'), false);
      const views = (await page.evaluate("[...document.querySelectorAll('#nav button')].filter((b) => !b.hidden).map((b) => b.dataset.view)")) as string[];
      assert.ok(!views.includes('household'), `a viewer's sections: ${views.join(', ')}`);
      assert.equal(await page.isVisible('#household-view'), false);
    } finally {
      await context.close();
    }
  });

  it('signs in with a recovery code, and after repeated wrong passwords says how long sign-in is locked', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: PHONE });
    const page = await context.newPage();
    try {
      await page.goto(ui.t.base);
      await page.fill('#username', 'owner');
      await page.fill('#password', PASSWORDS.owner);
      await page.click('#login-form button[type=submit]');
      await page.click('#totp-switch');
      await page.waitForSelector('#totp-label:has-text("Recovery code")');
      await page.fill('#totp-code', ui.recoveryCodes[0]!);
      await page.click('#totp-form button[type=submit]');
      await page.waitForSelector('#nav', { state: 'visible' });
      await page.click('#logout');
      await page.waitForSelector('#login-view', { state: 'visible' });

      for (let i = 0; i < 6; i++) {
        await page.fill('#username', 'member');
        await page.fill('#password', 'not the password');
        // Each answer before the next try: the throttle counts what the hub received.
        await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/login')), page.click('#login-form button[type=submit]')]);
      }
      await page.waitForSelector('#login-form p.error:has-text("try again in")');
      const message = await page.textContent('#login-form p.error');
      assert.match(message ?? '', /^Too many failed sign-ins .*try again in \d+ minutes?/, String(message));
    } finally {
      await context.close();
    }
  });

  it('every page in the owner\'s nav passes axe-core (no serious or critical WCAG 2.1 AA findings) at phone and desktop size', async () => {
    for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
      const page = await context.newPage();
      try {
        await page.goto(ui.t.base);
        await page.waitForSelector('#login-view', { state: 'visible' });
        assert.deepEqual(await axeViolations(page), [], `sign-in page, ${size}`);
        await screenshot(page, `sign-in-${size}`);
        await signInAs(page, 'owner');
        // Every page in the owner's nav (the owner may open all of them).
        const views = (await page.evaluate("[...document.querySelectorAll('#nav button')].filter((b) => !b.hidden).map((b) => b.dataset.view)")) as string[];
        assert.ok(views.length >= 4, `the owner's pages: ${views.join(', ')}`);
        for (const view of views) {
          await page.click(`#nav button[data-view=${view}]`);
          await page.waitForSelector(`#${view}-view`, { state: 'visible' });
          await page.waitForLoadState('networkidle');
          assert.deepEqual(await axeViolations(page), [], `${view} page, ${size}`);
          await screenshot(page, `${view}-${size}`);
        }
      } finally {
        await context.close();
      }
    }
  });
});

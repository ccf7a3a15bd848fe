import { strict as assert } from 'node:assert';
import type { Browser, Page, Response } from 'playwright-core';
import { axeViolations, DESKTOP, launchBrowser, PHONE, screenshot, showCameraPicture } from '../helpers/browser';
import { login, PASSWORDS, signIn } from '../helpers/hub';
import { call } from '../helpers/https';
import { useTempDir } from '../helpers/tmp';
import { startUiHub, type PairedCamera, type UiHub } from '../helpers/uiHub';
import { sleep, until } from '../helpers/wait';

/** What the live page's player has shown (a string: it runs in the page). */
const PLAYBACK = `(() => {
  const v = document.querySelector('#live-video');
  return { frames: v.getVideoPlaybackQuality().totalVideoFrames, time: v.currentTime };
})()`;

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
  let porch: PairedCamera;

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => browser?.close());

  beforeEach(async () => {
    ui = await startUiHub(tmp.dir);
    porch = await ui.pairCamera('porch');
    await ui.uploadClip(porch);
  });
  afterEach(async () => ui.close());

  const signInAs = (page: Page, user: 'owner' | 'member' | 'viewer'): Promise<void> => ui.signInAs(page, user);

  /**
   * Brings a page to the state its screenshot shows: the live video playing, the Cameras page
   * with a pairing code and porch's picture with a zone on it. Polled over the DevTools
   * protocol: waitForFunction would need the eval the CSP forbids.
   */
  async function showAtItsBest(page: Page, view: string): Promise<void> {
    if (view === 'live') {
      await until('live frames', async () => (await page.evaluate<{ frames: number }>(PLAYBACK)).frames > 0, 20_000, 100);
      await page.waitForSelector('#live-status:has-text("Live from porch")');
      // A couple of seconds of video, so the picture is a moving scene, not the first frame.
      await sleep(2000);
      const playing = await page.evaluate<{ frames: number; time: number }>(PLAYBACK);
      assert.ok(playing.time > 1, `the live video plays (${JSON.stringify(playing)})`);
      return;
    }
    if (view === 'cameras') {
      await page.click('#pairing-open');
      await page.waitForSelector('#pairing-shown', { state: 'visible' });
      await page.waitForSelector('#pairing-qr[src^="data:image/svg+xml"]');
      await page.click(`button[data-settings="${porch.deviceId}"]`);
      await page.waitForSelector('#camera-settings-title:has-text("Settings for porch")');
      await showCameraPicture(page);
      await page.click('#camera-settings button:has-text("Add a zone")');
      await page.waitForSelector('#zones-list h5:has-text("Zone 1 (4 corners)")');
      await page.evaluate('document.activeElement && document.activeElement.blur()');
    }
    // The panels shown on their own below, with what they load from the hub.
    if (view === 'system') await page.waitForSelector('#system-trust-fingerprint:not(:empty)');
    if (view === 'security') await page.waitForSelector('#notice-pictures-panel', { state: 'visible' });
    await page.waitForLoadState('networkidle');
  }

  /** Panels the README shows on their own at phone width, by page. */
  const PANEL_SHOTS: Record<string, Array<[string, string | { from: string; to: string }]>> = {
    system: [['trust-hub-phone', '#system-trust-panel']],
    // Notify this device, Snooze and Pictures in notifications, as they follow one another.
    security: [['notice-pictures-phone', { from: '#push-panel', to: '#notice-pictures-panel' }]],
  };

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

  it("a viewer sees clips but not the home's arming, and no household page", async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: PHONE });
    const page = await context.newPage();
    try {
      await signInAs(page, 'viewer');
      await page.waitForSelector('#storage-facts dt');
      // Whether the home is armed (armed-away: nobody home) is the household's (docs/security.md).
      assert.equal(await page.isVisible('#arming-panel'), false);
      assert.equal(await page.isVisible('#arming-buttons'), false);
      const views = await page.evaluate<string[]>("[...document.querySelectorAll('#nav button')].filter((b) => !b.hidden).map((b) => b.dataset.view)");
      assert.ok(!views.includes('household'), `a viewer's sections: ${views.join(', ')}`);
      assert.equal(await page.isVisible('#household-view'), false);
    } finally {
      await context.close();
    }
  });

  it('signs in and changes the password without the password ever leaving the page (every request body is searched for it)', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: DESKTOP });
    const page = await context.newPage();
    const bodies: Array<{ url: string; body: string }> = [];
    page.on('request', (r) => bodies.push({ url: r.url(), body: r.postData() ?? '' }));
    const next = 'an entirely fresh household passphrase';
    try {
      await signInAs(page, 'member');
      await page.waitForSelector('#nav', { state: 'visible' });
      await page.click('#nav button[data-view=security]');
      await page.fill('#current-password', PASSWORDS.member);
      await page.fill('#new-password', next);
      await page.fill('#new-password-again', next);
      await page.click('#password-form button[type=submit]');
      await page.waitForSelector('#password-form :text("Your password is changed")', { timeout: 15_000 }).catch(async (err: unknown) => {
        throw new Error(`${String(err)}; the form says: ${await page.textContent('#password-form')}; sent: ${bodies.map((b) => b.url).join(', ')}`);
      });
      const posted = bodies.filter((b) => b.body !== '');
      assert.ok(posted.some((b) => b.url.endsWith('/api/login/finish')) && posted.some((b) => b.url.endsWith('/api/me/password')), posted.map((b) => b.url).join(', '));
      for (const { url, body } of posted) {
        for (const secret of [PASSWORDS.member, next]) {
          for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), Buffer.from(secret).toString('hex')]) {
            assert.ok(!body.includes(form), `${url} carried a password`);
          }
        }
      }
      assert.equal((await login(ui.t.base, 'member', next, { localAddress: '127.0.0.5' })).status, 200, 'the new password signs in');
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
        // Each answer before the next try: the throttle counts what the hub received. An attempt
        // ends with its finish, or at its start when the address is already locked.
        const lastAnswer = (r: Response) => /\/api\/login\/(finish|legacy)$/.test(r.url()) || (r.url().endsWith('/api/login/start') && r.status() !== 200);
        await Promise.all([page.waitForResponse(lastAnswer), page.click('#login-form button[type=submit]')]);
      }
      await page.waitForSelector('#login-form p.error:has-text("try again in")');
      const message = await page.textContent('#login-form p.error');
      assert.match(message ?? '', /^Too many failed sign-ins .*try again in \d+ minutes?/, String(message));
    } finally {
      await context.close();
    }
  });

  it('every page in the owner\'s nav passes axe-core (no serious or critical WCAG 2.1 AA findings) at phone and desktop size, with a camera running', async () => {
    const agent = await ui.runCamera(porch);
    try {
      for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
        const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
        const page = await context.newPage();
        const cspErrors: string[] = [];
        page.on('console', (m) => m.type() === 'error' && /Content Security Policy/i.test(m.text()) && cspErrors.push(m.text()));
        try {
          await page.goto(ui.t.base);
          await page.waitForSelector('#login-view', { state: 'visible' });
          assert.deepEqual(await axeViolations(page), [], `sign-in page, ${size}`);
          await screenshot(page, `sign-in-${size}`);
          await ui.signInAs(page, 'owner', {
            // The second step of signing in: the code from the authenticator app.
            atCodeStep: async () => {
              await page.waitForSelector('#totp-label:has-text("authenticator app")');
              assert.deepEqual(await axeViolations(page), [], `sign-in TOTP step, ${size}`);
              await screenshot(page, `sign-in-totp-${size}`);
            },
          });
          // Every page in the owner's nav (the owner may open all of them).
          const views = await page.evaluate<string[]>("[...document.querySelectorAll('#nav button')].filter((b) => !b.hidden).map((b) => b.dataset.view)");
          assert.ok(views.length >= 4, `the owner's pages: ${views.join(', ')}`);
          for (const view of views) {
            await page.click(`#nav button[data-view=${view}]`);
            await page.waitForSelector(`#${view}-view`, { state: 'visible' });
            await showAtItsBest(page, view);
            assert.deepEqual(await axeViolations(page), [], `${view} page, ${size}`);
            await screenshot(page, `${view}-${size}`);
            if (size === 'phone') for (const [name, what] of PANEL_SHOTS[view] ?? []) await screenshot(page, name, what);
          }
          assert.deepEqual(cspErrors, [], `nothing the CSP had to block, ${size}`);
        } finally {
          await context.close();
        }
      }
    } finally {
      await agent.stop();
    }
  }).timeout(300_000);
});

import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ClipEncryptor } from '../../common/clipEnvelope';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { openPairingWindow } from '../../hub/pairing';
import { axeViolations, DESKTOP, launchBrowser, PHONE } from '../helpers/browser';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { makeTestMp4 } from '../helpers/media';
import { oathtool } from '../helpers/oathtool';
import { useTempDir } from '../helpers/tmp';

/*
 * The web UI in a real browser: Debian's Chromium driven by playwright-core, against a hub on
 * loopback with a paired (simulated) camera and one real clip. Screenshots of each page at
 * phone and desktop size go to docs/screenshots/ when PORCHLIGHT_SCREENSHOTS=1 (see README).
 */

const SHOTS = process.env.PORCHLIGHT_SCREENSHOTS === '1' ? path.join(__dirname, '..', '..', '..', 'docs', 'screenshots') : null;

describe("web UI in Debian's Chromium", function () {
  this.timeout(120_000);
  const tmp = useTempDir();
  let browser: Browser;
  let t: TestHub;
  let totpSeed: string;

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => browser?.close());

  beforeEach(async () => {
    t = await startTestHub(path.join(tmp.dir, 'hub'));
    for (const role of ['owner', 'member', 'viewer'] as const) await addTestUser(t.db, role);
    // The owner has two-factor sign-in on, enrolled through the API with oathtool's codes.
    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    totpSeed = (await call(t.base, 'POST', '/api/me/totp', { headers: owner.headers })).json().secret;
    const confirmed = await call(t.base, 'POST', '/api/me/totp/confirm', { body: JSON.stringify({ code: oathtool(totpSeed, t.clock.t) }), headers: { ...owner.headers, ...JSON_HEADERS } });
    assert.equal(confirmed.status, 200, confirmed.body.toString());
    // The next code, not the one just used (codes are single-use).
    t.clock.advance(30_000);
    // A paired camera with one clip.
    const pair = await pairWithHub(t.base, openPairingWindow(t.db, 60_000).code, 'porch');
    const camera = new HubClient({ ...pair, name: 'porch', hubUrl: t.base });
    const clipId = randomUUID();
    const enc = await ClipEncryptor.create({ publicKey: new Uint8Array(Buffer.from(pair.footagePublicKey, 'base64')) }, { clipId, deviceId: pair.deviceId });
    const file = path.join(tmp.dir, 'clip.plc');
    writeFileSync(file, Buffer.concat([enc.header, ...enc.push(makeTestMp4(tmp.dir, 4)), enc.final()]));
    const now = t.clock.now();
    await camera.uploadClip({ clipId, startedAt: now - 60_000, endedAt: now - 56_000, mediaStart: 0, mediaEnd: 4, trigger: 'motion' }, file);
    camera.close();
  });
  afterEach(async () => t.stop());

  async function signInAs(page: Page, username: string): Promise<void> {
    await page.goto(t.base);
    await page.fill('#username', username);
    await page.fill('#password', PASSWORDS[username as keyof typeof PASSWORDS]);
    await page.click('#login-form button[type=submit]');
    if (username === 'owner') {
      // A TOTP code counts once: each sign-in takes the next 30-second step.
      t.clock.advance(30_000);
      await page.waitForSelector('#totp-code', { state: 'visible' });
      await page.fill('#totp-code', oathtool(totpSeed, t.clock.t));
      await page.click('#totp-form button[type=submit]');
    }
    await page.waitForSelector('#nav', { state: 'visible' });
  }

  async function shoot(page: Page, name: string): Promise<void> {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  }

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
      const state = (await call(t.base, 'GET', '/api/arming', { headers: (await signIn(t.base, 'member', PASSWORDS.member)).headers })).json();
      assert.equal(state.mode, 'armed_away');
      await page.click('#arming-buttons button[data-mode=disarmed]');
      await page.waitForSelector('#arming-state:has-text("Disarmed")');

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

  it('every page passes axe-core (no serious or critical WCAG 2.1 AA findings) at phone and desktop size', async () => {
    for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
      const page = await context.newPage();
      try {
        await page.goto(t.base);
        await page.waitForSelector('#login-view', { state: 'visible' });
        assert.deepEqual(await axeViolations(page), [], `sign-in page, ${size}`);
        await shoot(page, `sign-in-${size}`);
        await signInAs(page, 'owner');
        for (const view of ['clips', 'cameras', 'security', 'household']) {
          await page.click(`#nav button[data-view=${view}]`);
          await page.waitForSelector(`#${view}-view`, { state: 'visible' });
          await page.waitForLoadState('networkidle');
          assert.deepEqual(await axeViolations(page), [], `${view} page, ${size}`);
          await shoot(page, `${view}-${size}`);
        }
      } finally {
        await context.close();
      }
    }
  });
});

import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { CameraAgent } from '../../camera-agent/agent';
import { axeViolations, DESKTOP, launchBrowser, PHONE } from '../helpers/browser';
import { JSON_HEADERS, PASSWORDS, signIn, type SignedIn } from '../helpers/hub';
import { call } from '../helpers/https';
import { startUiHub, type UiHub } from '../helpers/uiHub';
import { sleep, until } from '../helpers/wait';

/*
 * Live view end to end: a hub, a real camera agent (ffmpeg encoding a simulated scene, its
 * recording LED on simulated GPIO) and Debian's Chromium playing the relayed fragments with
 * Media Source Extensions.
 */

const LED_LINE = 18;

/** What the page's player shows (a string: it runs in the page). */
const PLAYBACK = `(() => {
  const v = document.querySelector('#live-video');
  return { frames: v.getVideoPlaybackQuality().totalVideoFrames, time: v.currentTime };
})()`;

describe('live view in the browser', function () {
  this.timeout(180_000);
  // One hub and one camera for the whole file (useTempDir's dir is per test).
  const tmp = { dir: '' };
  let browser: Browser;
  let ui: UiHub;
  let agent: CameraAgent;
  let ledFile: string;
  let member: SignedIn;
  let cameraId: string;

  before(async () => {
    tmp.dir = mkdtempSync(path.join(tmpdir(), 'porchlight-live-'));
    browser = await launchBrowser();
    ui = await startUiHub(tmp.dir);
    const camera = await ui.pairCamera('porch');
    cameraId = camera.deviceId;
    const gpioDir = path.join(tmp.dir, 'gpio');
    ledFile = path.join(gpioDir, `gpio${LED_LINE}`);
    agent = await ui.runCamera(camera, { gpio: { simulate: true, simulatedDir: gpioDir, recordingLed: { line: LED_LINE } } });
    member = await signIn(ui.t.base, 'member', PASSWORDS.member);
  });
  after(async () => {
    await agent?.stop();
    await ui?.close();
    await browser?.close();
    if (tmp.dir && !process.env.PORCHLIGHT_KEEP_TMP) rmSync(tmp.dir, { recursive: true, force: true });
  });

  async function cameraState(): Promise<{ online: boolean; live: boolean }> {
    const devices = (await call(ui.t.base, 'GET', '/api/devices', { headers: member.headers })).json().devices as Array<{ id: string; online: boolean; live: boolean }>;
    const mine = devices.find((d) => d.id === cameraId);
    return { online: mine?.online ?? false, live: mine?.live ?? false };
  }
  const led = () => readFileSync(ledFile, 'utf8').trim();

  /** Waits until the player has shown frames and its clock moves; returns ms from `since` to the first frame. */
  async function assertPlaying(page: Page, since: number): Promise<number> {
    // Polled with evaluate (over the DevTools protocol): waitForFunction would need the eval the CSP forbids.
    await until('the first frame', async () => (await page.evaluate<{ frames: number }>(PLAYBACK)).frames > 0, 20_000, 50);
    const firstFrameMs = Date.now() - since;
    const before = await page.evaluate<{ frames: number; time: number }>(PLAYBACK);
    await sleep(2500);
    const after = await page.evaluate<{ frames: number; time: number }>(PLAYBACK);
    assert.ok(after.frames > before.frames, `frames keep coming (${before.frames} → ${after.frames})`);
    assert.ok(after.time > before.time + 1, `the video clock advances (${before.time} → ${after.time})`);
    return firstFrameMs;
  }

  async function assertStopped(why: string): Promise<void> {
    await until(`the hub to report no live stream (${why})`, async () => !(await cameraState()).live, 8000);
    await until(`the camera to stop streaming (${why})`, () => !agent.streamingLive, 8000);
    assert.equal(led(), '0', `the recording LED is dark again (${why})`);
  }

  it('plays the camera live with its LED lit, stops the camera when the page is hidden or left, and passes axe', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: DESKTOP });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    try {
      await ui.signInAs(page, 'owner');
      const opened = Date.now();
      await page.click('#nav button[data-view=live]');
      const firstFrameMs = await assertPlaying(page, opened);
      console.log(`      live view: ${firstFrameMs} ms from opening the page to the first frame`);
      await page.waitForSelector('#live-status:has-text("Live from porch")');
      assert.equal((await cameraState()).live, true, 'the hub reports the stream');
      assert.equal(agent.streamingLive, true);
      assert.equal(led(), '1', 'the recording LED is lit while the camera streams live');
      assert.deepEqual(await axeViolations(page), [], 'axe at desktop size');
      await page.setViewportSize(PHONE);
      assert.deepEqual(await axeViolations(page), [], 'axe at phone size');

      // Headless Chromium never hides a tab, so the page is told it is hidden the way a browser would.
      await page.evaluate(`(() => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
        document.dispatchEvent(new Event('visibilitychange'));
      })()`);
      await page.waitForSelector('#live-status:has-text("paused while this page was hidden")');
      await assertStopped('page hidden');

      const shown = Date.now();
      await page.evaluate(`(() => {
        delete document.hidden;
        delete document.visibilityState;
        document.dispatchEvent(new Event('visibilitychange'));
      })()`);
      await assertPlaying(page, shown);
      assert.equal(led(), '1');

      await page.click('#nav button[data-view=dashboard]');
      await assertStopped('page left');
      assert.deepEqual(errors.filter((e) => /Content Security Policy|Refused to/i.test(e)), [], 'nothing the CSP had to block');
    } finally {
      await context.close();
    }
  });

  it('shows the privacy refusal as a sentence and starts no stream', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: PHONE });
    const page = await context.newPage();
    try {
      await ui.signInAs(page, 'member');
      await page.click('#nav button[data-view=live]');
      await assertPlaying(page, Date.now());
      const set = await call(ui.t.base, 'PUT', '/api/arming/mode', { body: JSON.stringify({ mode: 'privacy' }), headers: { ...member.headers, ...JSON_HEADERS } });
      assert.equal(set.status, 200, set.body.toString());
      await page.waitForSelector('#live-panel .error:has-text("Live view is off while the home is in privacy mode.")');
      await assertStopped('privacy mode');
      // Asking again is refused too, and the camera stays dark.
      await page.click('#live-toggle');
      await page.waitForSelector('#live-panel .error:has-text("Live view is off while the home is in privacy mode.")');
      await sleep(3000);
      assert.equal((await cameraState()).live, false);
      assert.equal(agent.streamingLive, false);
      assert.equal(led(), '0');
      assert.deepEqual(await axeViolations(page), [], 'axe with the refusal shown');
    } finally {
      await call(ui.t.base, 'PUT', '/api/arming/mode', { body: JSON.stringify({ mode: 'disarmed' }), headers: { ...member.headers, ...JSON_HEADERS } });
      await context.close();
    }
  });
});

import { strict as assert } from 'node:assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { writeSetting } from '../../common/settingsTable';
import { recordLabels } from '../../hub/motionLabels';
import { axeViolations, DESKTOP, launchBrowser, PHONE } from '../helpers/browser';
import { PASSWORDS, signIn } from '../helpers/hub';
import { call } from '../helpers/https';
import { useTempDir } from '../helpers/tmp';
import { startUiHub, type PairedCamera, type UiHub } from '../helpers/uiHub';
import { until } from '../helpers/wait';

/*
 * The dashboard and the timeline in Debian's Chromium, against a hub on loopback with two
 * paired cameras (one holding its channel open, so online) and real clips whose thumbnails
 * the hub makes with ffmpeg.
 */

const DAY_MS = 86_400_000;

/*
 * These run in the page, passed as functions (the CSP forbids the eval a string would need);
 * the casts stand in for DOM types, which this project's tests compile without.
 */
interface PageDocument {
  querySelectorAll(selector: string): { length: number };
  querySelector(selector: string): { complete?: boolean; naturalWidth?: number; currentTime?: number } | null;
}
function countIs([selector, n]: readonly [string, number]): boolean {
  return (globalThis as unknown as { document: PageDocument }).document.querySelectorAll(selector).length === n;
}
function imageLoaded(selector: string): boolean {
  const img = (globalThis as unknown as { document: PageDocument }).document.querySelector(selector);
  return img !== null && img.complete === true && (img.naturalWidth ?? 0) > 0;
}
function videoPlaying(selector: string): boolean {
  return ((globalThis as unknown as { document: PageDocument }).document.querySelector(selector)?.currentTime ?? 0) > 0.5;
}

describe('dashboard and timeline in Chromium', function () {
  this.timeout(180_000);
  const tmp = useTempDir();
  let browser: Browser;
  let ui: UiHub;
  let porch: PairedCamera;
  let driveway: PairedCamera;
  let channel: AbortController;
  let clips: { porchOld: string; driveway: string; porchNew: string };
  let context: BrowserContext | null = null;

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => browser?.close());

  beforeEach(async () => {
    ui = await startUiHub(tmp.dir);
    porch = await ui.pairCamera('porch');
    driveway = await ui.pairCamera('driveway');
    // Noon in the home's time zone, so every clip of the test falls on one day whenever it runs.
    writeSetting(ui.t.db, 'arming.settings', { timeZone: 'UTC' });
    ui.t.clock.t = Math.ceil(ui.t.clock.t / DAY_MS) * DAY_MS + 12 * 3600_000;
    clips = {
      porchOld: await ui.uploadClip(porch, { agoMs: 30 * 60_000 }),
      driveway: await ui.uploadClip(driveway, { agoMs: 20 * 60_000 }),
      porchNew: await ui.uploadClip(porch, { agoMs: 10 * 60_000 }),
    };
    // What the detector saw a second into two of the clips (a person below the minimum score does not count).
    const seenIn = (clipId: string, objects: Parameters<typeof recordLabels>[4]) => {
      const { device_id, started_at } = ui.t.db.prepare('SELECT device_id, started_at FROM clips WHERE id = ?').get(clipId) as { device_id: string; started_at: number };
      recordLabels(ui.t.db, device_id, started_at + 1000, started_at + 1500, objects, ui.t.clock.t);
    };
    seenIn(clips.porchNew, [{ label: 'person', cocoClass: 'person', score: 0.91, box: [0.4, 0.2, 0.2, 0.6] }]);
    seenIn(clips.driveway, [
      { label: 'vehicle', cocoClass: 'car', score: 0.8, box: [0.1, 0.4, 0.5, 0.4] },
      { label: 'person', cocoClass: 'person', score: 0.31, box: [0.7, 0.2, 0.1, 0.5] },
    ]);
    channel = new AbortController();
    void porch.client.channel(() => undefined, channel.signal);
    const member = await signIn(ui.t.base, 'member', PASSWORDS.member);
    await until('porch to be online', async () => (await call(ui.t.base, 'GET', '/api/dashboard', { headers: member.headers })).json().cameras[0]?.online === true);
  });
  afterEach(async () => {
    await context?.close();
    context = null;
    channel?.abort();
    await ui.close();
  });

  async function open(user: 'owner' | 'member', viewport = DESKTOP): Promise<{ page: Page; cspErrors: () => string[] }> {
    context = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await ui.signInAs(page, user);
    return { page, cspErrors: () => errors.filter((e) => /Content Security Policy/i.test(e)) };
  }

  const rowIds = (page: Page) => page.evaluate<string[]>("[...document.querySelectorAll('#clips li')].map((li) => li.dataset.clip)");
  const rows = (page: Page, n: number) => page.waitForFunction(countIs, ['#clips li', n] as const);
  const tiles = (page: Page, n: number) => page.waitForFunction(countIs, ['#camera-tiles li', n] as const);
  const pictureLoaded = (page: Page, selector: string) => page.waitForFunction(imageLoaded, selector, { timeout: 30_000 });

  it('lands on the dashboard: a tile per camera with its latest picture, online or offline in words, and the arming control', async () => {
    const { page, cspErrors } = await open('owner');
    await page.waitForSelector('#dashboard-view', { state: 'visible' });
    await tiles(page, 2);
    await pictureLoaded(page, 'img[alt="Latest picture from porch"]');
    await pictureLoaded(page, 'img[alt="Latest picture from driveway"]');
    const porchSrc = await page.getAttribute('img[alt="Latest picture from porch"]', 'src');
    assert.equal(porchSrc, `/api/clips/${clips.porchNew}/thumbnail`, 'the newest clip of the camera');
    assert.equal((await page.textContent(`#camera-tiles li[data-camera="${porch.deviceId}"] .badge`))?.trim(), 'Online');
    assert.equal((await page.textContent(`#camera-tiles li[data-camera="${driveway.deviceId}"] .badge`))?.trim(), 'Offline');
    assert.match((await page.textContent('#dashboard-banner')) ?? '', /driveway is offline/);
    assert.match((await page.textContent('#storage-facts')) ?? '', /Clips on the hub3/);

    // The big control: the mode in force pressed, a press changes it and says who did.
    await page.waitForSelector('#arming-buttons button[data-mode=disarmed][aria-pressed=true]');
    await page.click('#arming-buttons button[data-mode=armed_home]');
    await page.waitForSelector('#arming-buttons button[data-mode=armed_home][aria-pressed=true]');
    await page.waitForSelector('#arming-state:has-text("set by owner")');
    assert.deepEqual(cspErrors(), [], 'nothing the CSP had to block');
  });

  it('shows the day’s clips, filters by camera, plays with the keyboard, and lets the owner delete one', async () => {
    const { page, cspErrors } = await open('owner');
    await page.click('#nav button[data-view=clips]');
    await rows(page, 3);
    assert.deepEqual(await rowIds(page), [clips.porchNew, clips.driveway, clips.porchOld], 'newest first');

    await page.selectOption('#timeline-camera', driveway.deviceId);
    await rows(page, 1);
    assert.deepEqual(await rowIds(page), [clips.driveway]);
    await page.selectOption('#timeline-camera', '');
    await rows(page, 3);

    await page.click('#timeline-prev');
    await page.waitForSelector('#clips-empty', { state: 'visible' });
    assert.match((await page.textContent('#clips-empty')) ?? '', /^No clips on /);
    await page.click('#timeline-next');
    await rows(page, 3);

    // Keyboard: the first clip, Down to the second, Enter plays it in place.
    await page.focus('#clips li:nth-child(1) button.clip');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate("document.activeElement?.closest('li')?.dataset.clip"), clips.driveway);
    assert.equal(await page.getAttribute('#clips li:nth-child(1) button.clip', 'tabindex'), '-1', 'one tab stop in the list');
    await page.keyboard.press('Enter');
    // The video's clock advancing, in the second row, is that clip playing in place.
    await page.waitForFunction(videoPlaying, '#clips li:nth-child(2) #player', { timeout: 20_000 });
    assert.match((await page.getAttribute('#player', 'src')) ?? '', new RegExp(clips.driveway));
    assert.equal(await page.getAttribute('#clips li:nth-child(1) a', 'href'), `/api/clips/${clips.porchNew}/video?download=1`);
    await pictureLoaded(page, '#clips li img');

    page.once('dialog', (d) => void d.accept());
    await page.click(`#clips li[data-clip="${clips.porchOld}"] button.danger`);
    await rows(page, 2);
    const owner = await call(ui.t.base, 'GET', '/api/clips', { headers: (await signIn(ui.t.base, 'member', PASSWORDS.member)).headers });
    assert.deepEqual(owner.json().clips.map((c: { id: string }) => c.id), [clips.porchNew, clips.driveway], 'gone from the hub too');
    assert.deepEqual(cspErrors(), []);
  });

  it('shows what the detector saw in each clip and filters the day by it', async () => {
    const { page, cspErrors } = await open('member');
    await page.click('#nav button[data-view=clips]');
    await rows(page, 3);
    const chips = (clipId: string) => page.evaluate<string[], string>((id) => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<{ textContent: string | null }> } }).document;
      return [...doc.querySelectorAll(`#clips li[data-clip="${id}"] .chip`)].map((c) => c.textContent ?? '');
    }, clipId);
    assert.deepEqual(await chips(clips.porchNew), ['person']);
    assert.deepEqual(await chips(clips.driveway), ['vehicle'], 'the faint person does not count');
    assert.deepEqual(await chips(clips.porchOld), []);
    assert.equal(await page.getAttribute(`#clips li[data-clip="${clips.porchNew}"] .clip-labels`, 'aria-label'), 'Seen: person 91%');

    await page.selectOption('#timeline-labels', 'person');
    await rows(page, 1);
    assert.deepEqual(await rowIds(page), [clips.porchNew]);
    assert.match((await page.textContent('#timeline-summary')) ?? '', /^1 clip with people on /);
    await page.selectOption('#timeline-labels', 'vehicle');
    await page.waitForFunction(countIs, [`#clips li[data-clip="${clips.driveway}"]`, 1] as const);
    assert.deepEqual(await rowIds(page), [clips.driveway]);
    await page.selectOption('#timeline-labels', 'animal');
    await page.waitForSelector('#clips-empty', { state: 'visible' });
    assert.match((await page.textContent('#clips-empty')) ?? '', /^No clips with animals on /);
    await page.selectOption('#timeline-labels', '');
    await rows(page, 3);
    assert.deepEqual(cspErrors(), []);
  });

  it('gives members no delete button', async () => {
    const { page } = await open('member', PHONE);
    await page.click('#nav button[data-view=clips]');
    await rows(page, 3);
    assert.equal(await page.locator('#clips button.danger').count(), 0);
    assert.equal(await page.locator('#clips a:has-text("Download")').count(), 3);
  });

  it('passes axe-core on the dashboard and the timeline at phone and desktop size', async () => {
    for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      const { page } = await open('owner', viewport);
      await tiles(page, 2);
      await page.waitForLoadState('networkidle');
      assert.deepEqual(await axeViolations(page), [], `dashboard, ${size}`);
      await page.click('#nav button[data-view=clips]');
      await rows(page, 3);
      await page.click('#clips li:nth-child(1) button.clip');
      await page.waitForLoadState('networkidle');
      assert.deepEqual(await axeViolations(page), [], `timeline, ${size}`);
      await context!.close();
      context = null;
    }
  });
});

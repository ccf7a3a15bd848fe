import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { CameraAgent } from '../camera-agent/agent';
import { pairWithHub } from '../camera-agent/hubClient';
import { saveIdentity } from '../camera-agent/identity';
import { parseConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { openDatabase } from '../common/database';
import { hubPaths } from '../common/dataLayout';
import { Hub } from '../hub/hub';
import { openPairingWindow } from '../hub/pairing';
import { addUser } from '../hub/users';

/*
 * Live view start-up: the time from opening the Live page in Chromium to the first decoded
 * frame, with a hub, a camera agent encoding a simulated scene (640×360, 15 fps, keyframe
 * every second) and the browser all on this machine, as on a LAN. "Cold": the camera was not
 * streaming, so the hub has to ask it first; "warm": the page is reopened while the stream
 * still runs (within the stop grace). Median of N runs each.
 *
 * Run by `npm run bench -- --ui` (bench/uiBench.ts).
 */

const PASSWORD = 'bench live startup password';
const FRAMES = `(() => { const v = document.querySelector('#live-video'); return v ? v.getVideoPlaybackQuality().totalVideoFrames : 0; })()`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll(what: string, check: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export interface LiveStartup {
  /** Open → first frame (ms) when the camera was not streaming. */
  cold: number[];
  /** The same, reopened while the stream still runs. */
  warm: number[];
}

export async function liveStartupBench(runs: number): Promise<LiveStartup> {
  const dir = mkdtempSync(path.join(tmpdir(), 'porchlight-live-bench-'));
  const hub = new Hub(parseConfig({ dataDir: path.join(dir, 'hub'), hub: { host: '127.0.0.1', httpsPort: 0, httpPort: 0 } }), createLogger('hub', 'error'));
  let agent: CameraAgent | null = null;
  const browser = await chromium.launch({ executablePath: process.env.PORCHLIGHT_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    const runtime = await hub.start();
    const base = `https://127.0.0.1:${runtime.httpsPort}`;
    const db = openDatabase(hubPaths(path.join(dir, 'hub')).db);
    await addUser(db, 'owner', PASSWORD, 'owner', { email: 'owner@home.test', emailVerified: true });
    const pairing = await pairWithHub(base, (await openPairingWindow(db, 60_000)).code, 'porch');
    db.close();
    const agentDir = path.join(dir, 'agent');
    await saveIdentity(agentDir, { ...pairing, name: 'porch', hubUrl: base });
    agent = new CameraAgent(parseConfig({ dataDir: agentDir, agent: { name: 'porch', source: 'sim:person-walks', video: { width: 640, height: 360 } } }), createLogger('agent', 'error'));
    await agent.start();
    const running = agent;

    const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
    await page.goto(base);
    await page.fill('#username', 'owner');
    await page.fill('#password', PASSWORD);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#nav', { state: 'visible' });
    // The camera's first fragments: the agent needs a second or two to start ffmpeg.
    await sleep(5000);

    const measure = async (): Promise<number> => {
      const start = Date.now();
      await page.click('#nav button[data-view=live]');
      await poll('the first frame', async () => (await page.evaluate<number>(FRAMES)) > 0, 20_000);
      return Date.now() - start;
    };
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) {
      cold.push(await measure());
      await page.click('#nav button[data-view=dashboard]');
      await sleep(300);
      warm.push(await measure());
      await page.click('#nav button[data-view=dashboard]');
      await poll('the camera to stop streaming', () => !running.streamingLive, 20_000);
    }
    return { cold, warm };
  } finally {
    await browser.close();
    await agent?.stop();
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

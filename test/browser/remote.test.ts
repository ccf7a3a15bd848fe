import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, launchBrowser, PHONE, screenshot } from '../helpers/browser';
import { addTestUser, PASSWORDS, signIn, type SignedIn } from '../helpers/hub';
import { call } from '../helpers/https';
import { skipBecause } from '../helpers/skip';
import { startUiHub, type UiHub } from '../helpers/uiHub';

/*
 * The Remote access page in Debian's Chromium (docs/remote.md): an owner sets up the endpoint,
 * adds a phone and gets its QR code and config once, and revokes it; the config is gone from
 * the page once the owner leaves it.
 */

describe("the Remote access page in Debian's Chromium", function () {
  this.timeout(180_000);
  let dir: string;
  let browser: Browser;
  let ui: UiHub;
  let api: SignedIn;
  const contexts: BrowserContext[] = [];

  before(async function () {
    try {
      execFileSync('wg', ['--version'], { stdio: 'ignore' });
    } catch {
      skipBecause(this, "wg is not installed (Debian's wireguard-tools; scripts/setup.sh installs it)");
    }
    browser = await launchBrowser();
    dir = mkdtempSync(path.join(tmpdir(), 'porchlight-remote-'));
    ui = await startUiHub(dir);
    await addTestUser(ui.t.db, 'owner', 'boss');
    api = await signIn(ui.t.base, 'boss', PASSWORDS.owner);
  });
  after(async () => {
    while (contexts.length) await contexts.pop()!.close();
    await ui?.close();
    await browser?.close();
    if (dir && !process.env.PORCHLIGHT_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<{ page: Page; cspErrors: string[] }> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: PHONE });
    contexts.push(context);
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && /Content Security Policy/i.test(m.text()) && cspErrors.push(m.text()));
    page.on('dialog', (d) => void d.accept());
    await ui.signInAs(page, 'owner');
    return { page, cspErrors };
  }

  it('sets up the endpoint, shows a new phone its QR code and config once, and revokes it', async () => {
    const { page, cspErrors } = await open();
    await page.click('#nav button[data-view=remote]');
    await page.waitForSelector('#remote-view', { state: 'visible' });
    await page.waitForSelector('#remote-summary:has-text("Not set up")');
    assert.equal(await page.isVisible('#remote-peers-panel'), false, 'no peers before the endpoint');

    await page.fill('#remote-endpoint', 'home.example.net:51820');
    await page.click('#remote-setup-form button[type=submit]');
    await page.waitForSelector('#remote-setup-form p.error:has-text("without a port")');
    await page.fill('#remote-endpoint', 'home.example.net');
    await page.click('#remote-setup-form button[type=submit]');
    await page.waitForSelector('#remote-summary:has-text("phones dial home.example.net")');

    await page.fill('#remote-peer-name', "Anna's phone");
    await page.click('#remote-add-form button[type=submit]');
    await page.waitForSelector('#remote-qr');
    const config = await page.textContent('#remote-config');
    assert.match(config ?? '', /^PrivateKey = \S+$/m);
    await page.waitForFunction('document.getElementById("remote-qr").naturalWidth > 0');
    await page.waitForSelector("#remote-peers li:has-text(\"Anna's phone\")");
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, 'remote-access');

    const peers = (await call(ui.t.base, 'GET', '/api/remote', { headers: api.headers })).json().peers as Array<{ name: string; publicKey: string }>;
    assert.deepEqual(peers.map((p) => p.name), ["Anna's phone"]);

    // Leaving the page takes the private key off it.
    await page.click('#nav button[data-view=security]');
    await page.click('#nav button[data-view=remote]');
    await page.waitForSelector("#remote-peers li:has-text(\"Anna's phone\")");
    assert.equal(await page.$('#remote-config'), null);

    await page.click('#remote-peers button[aria-label="Revoke Anna\'s phone"]');
    await page.waitForSelector('#remote-peers li:has-text("No phones or laptops yet")');
    assert.deepEqual((await call(ui.t.base, 'GET', '/api/remote', { headers: api.headers })).json().peers, []);
    assert.deepEqual(cspErrors, []);
  });
});

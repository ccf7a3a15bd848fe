import { createHash, type X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_DIR } from './repo';
import { until } from './wait';

/** Debian's Chromium, driven by playwright-core (no browser download). */
export const CHROMIUM = process.env.PORCHLIGHT_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(options: { trust?: string } = {}): Promise<Browser> {
  const args = ['--no-sandbox', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'];
  // The hub's certificate trusted as a phone that installed its CA would: a service worker registers only then.
  if (options.trust) args.push(`--ignore-certificate-errors-spki-list=${await spkiHash(options.trust)}`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Running as root (CI) needs --no-sandbox; shared memory is small in containers.
    args,
  });
}

/**
 * The SHA-256 of the public key (SPKI) of the certificate a server at `base` presents, base64:
 * what Chromium's --ignore-certificate-errors-spki-list takes to trust that one key, and no other.
 * (ignoreHTTPSErrors is not enough for a service worker: Chromium refuses to register one from a
 * page whose certificate has an error, however it was let through.)
 */
export async function spkiHash(base: string): Promise<string> {
  const url = new URL(base);
  const cert = await new Promise<X509Certificate>((resolve, reject) => {
    const socket = tlsConnect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false }, () => {
      const peer = socket.getPeerX509Certificate();
      socket.end();
      if (peer) resolve(peer);
      else reject(new Error(`${base} presented no certificate`));
    });
    socket.on('error', reject);
  });
  return createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

/**
 * axe-core's serious and critical findings on the page as it is now (WCAG 2 A/AA rules).
 * The script is evaluated over the DevTools protocol, not injected as a <script>: the hub's
 * CSP allows no inline script, and the check must not need it to.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE);
  // A string: it runs in the page, where `axe` and `document` exist.
  const result = await page.evaluate<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: unknown[] }> }>(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })",
  );
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
}

/** Where `npm run screenshots` (PORCHLIGHT_SCREENSHOTS=1) puts the pictures README shows; null otherwise. */
const SHOTS = process.env.PORCHLIGHT_SCREENSHOTS === '1' ? path.join(REPO_DIR, 'docs', 'screenshots') : null;

/**
 * Saves the whole page, the element `selector` finds, or the page's full width from the top of
 * one element to the bottom of another (`{ from, to }`: panels that belong together), as
 * docs/screenshots/NAME.png, when screenshots were asked for.
 */
export async function screenshot(page: Page, name: string, selector?: string | { from: string; to: string }): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  if (typeof selector === 'string') {
    await page.locator(selector).screenshot({ path: file });
  } else if (selector) {
    // A string: it runs in the page. Page coordinates, as a full-page screenshot's clip takes them.
    const span = await page.evaluate<{ top: number; bottom: number; width: number } | null>(`(() => {
      const from = document.querySelector(${JSON.stringify(selector.from)});
      const to = document.querySelector(${JSON.stringify(selector.to)});
      if (!from || !to) return null;
      const margin = 8;
      return {
        top: Math.max(0, from.getBoundingClientRect().top + window.scrollY - margin),
        bottom: to.getBoundingClientRect().bottom + window.scrollY + margin,
        width: document.documentElement.clientWidth,
      };
    })()`);
    if (!span || span.bottom <= span.top) throw new Error(`screenshot ${name}: ${selector.from} and ${selector.to} are not both on the page, in that order`);
    await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: span.top, width: span.width, height: span.bottom - span.top } });
  } else {
    await page.screenshot({ path: file, fullPage: true });
  }
}

/**
 * On the Cameras page with a running camera's settings open: waits until the camera's
 * picture has loaded. The camera needs a fragment of video before it has one, so the page
 * is asked again while it says it has none yet.
 */
export async function showCameraPicture(page: Page): Promise<void> {
  await until('the camera picture', async () => {
    if (await page.evaluate('(() => { const i = document.querySelector(".zone-picture"); return !!i && !i.hidden && i.complete && i.naturalWidth > 0; })()')) return true;
    if (await page.isVisible('#camera-settings .zone-messages p.error:not(:empty)')) await page.click('#zones-refresh');
    return false;
  }, 30_000, 1000);
}

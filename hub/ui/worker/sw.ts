/// <reference lib="webworker" />
import { noticeFromPush, safeLink } from './pushNotice';

/*
 * Porchlight's service worker (served as /sw.js, scope /).
 *
 * Offline start: it keeps the app shell only (the page, its script and stylesheet, the manifest
 * and the icons), fetched from the network first so a changed hub is seen at once, and from the
 * cache when the hub cannot be reached, so the app opens and says so. Everything else (the API,
 * clips, thumbnails, live streams) is never touched here: the browser fetches it from the
 * network as if there were no worker, so no answer about the home or picture of it is stored
 * by the worker.
 *
 * Push: shows the hub's notice (pushNotice.ts); a tap focuses the app and opens the link.
 */

declare const self: ServiceWorkerGlobalScope;
/** The shell's content hash, put in by scripts/build-ui.mjs: a new build is a new cache. */
declare const PORCHLIGHT_SHELL_VERSION: string;

const CACHE_PREFIX = 'porchlight-shell-';
const CACHE = `${CACHE_PREFIX}${PORCHLIGHT_SHELL_VERSION}`;
const SHELL = ['/', '/app.js', '/app.css', '/manifest.webmanifest', '/icons/icon-192.png', '/icons/icon-512.png', '/icons/icon-maskable-512.png', '/icons/apple-touch-icon.png'];
/** How long the shell waits for the hub before answering from the cache: a hub gone quiet (not refusing) would otherwise hang the start. */
const NETWORK_WAIT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'no-cache' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

/** The shell file a request is for, or null: only these are ever answered or stored here. */
function shellPath(request: Request): string | null {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return null;
  // The page itself is one file whatever the #/view; a query (?v=) is another file.
  const path = url.pathname === '/index.html' ? '/' : url.pathname;
  if (url.search || !SHELL.includes(path)) return null;
  return path;
}

async function fromNetworkElseCache(request: Request, path: string): Promise<Response> {
  const cache = await caches.open(CACHE);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), NETWORK_WAIT_MS);
  try {
    const response = await fetch(request, { signal: timeout.signal });
    if (response.ok && response.type === 'basic') await cache.put(path, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(path, { ignoreVary: true });
    if (cached) return cached;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

self.addEventListener('fetch', (event) => {
  const path = shellPath(event.request);
  // Not respondWith: the browser goes to the network itself, and nothing is stored.
  if (path === null) return;
  event.respondWith(fromNetworkElseCache(event.request, path));
});

self.addEventListener('push', (event) => {
  let text: string | null;
  try {
    text = event.data ? event.data.text() : null;
  } catch {
    text = null;
  }
  const notice = noticeFromPush(text);
  const options: NotificationOptions & { timestamp?: number; renotify?: boolean; image?: string } = {
    body: notice.body,
    tag: notice.tag,
    // A replaced notice still buzzes: a second person at the door is news.
    renotify: true,
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    data: { url: notice.url },
  };
  if (notice.timestamp !== undefined) options.timestamp = notice.timestamp;
  // Shown large under the text where the platform can (Chrome on Android, Windows); iOS ignores it.
  if (notice.image !== undefined) options.image = notice.image;
  event.waitUntil(self.registration.showNotification(notice.title, options));
});

/** Opens `url` (a path on this page) in the app's window if one is open, else in a new one. */
async function openInApp(url: string): Promise<void> {
  const target = new URL(url, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const app = windows.find((w) => new URL(w.url).origin === self.location.origin);
  if (!app) {
    await self.clients.openWindow(target);
    return;
  }
  // The page routes on the address's #/view; telling it is enough (and works for a window this worker does not control yet).
  app.postMessage({ type: 'porchlight-open', url });
  await app.focus().catch(() => undefined);
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data as { url?: unknown } | null;
  const work = openInApp(safeLink(data?.url) ?? '/');
  try {
    event.waitUntil(work);
  } catch {
    // waitUntil refuses an event the browser did not send (a test's synthetic click); the work still runs.
  }
});

/*
 * Registers the service worker (/sw.js: the offline app shell and the push handler) and hands
 * the page the links of tapped notifications. Browsers allow a worker only in a secure context
 * (a certificate the browser trusts); elsewhere the page works as before, without the app.
 */

export function serviceWorkerPossible(): boolean {
  return window.isSecureContext && 'serviceWorker' in navigator;
}

/** The registration once the worker is active, or null where there can be none. */
export async function workerRegistration(): Promise<ServiceWorkerRegistration | null> {
  if (!serviceWorkerPossible()) return null;
  return navigator.serviceWorker.ready;
}

export function startServiceWorker(openLink: (url: string) => void): void {
  if (!serviceWorkerPossible()) return;
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent<unknown>) => {
    const data = event.data as { type?: unknown; url?: unknown } | null;
    if (data?.type === 'porchlight-open' && typeof data.url === 'string') openLink(data.url);
  });
  navigator.serviceWorker.startMessages();
  // updateViaCache 'none': the worker script is always fetched afresh, whatever caches say.
  navigator.serviceWorker.register('/sw.js', { scope: '/', updateViaCache: 'none' }).catch((err: unknown) => {
    // The page works without it; only the app shell and notifications need it.
    console.warn('Porchlight: the service worker could not be registered:', err);
  });
}

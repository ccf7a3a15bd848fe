import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type HubServices, type RouteDef, route } from '../routeTable';
import { DEVICE_ROLES } from '../users';
import { readCloudHealth } from '../../common/cloud/cloudHealth';
import { HealthSchema, SystemStatusSchema } from '../../common/api/system';
import { cameraHealth, diskSpace, versions } from '../systemStatus';
import { PORCHLIGHT_VERSION } from '../../common/version';
import { hubPaths } from '../../common/dataLayout';
import { acmePaths, readState } from '../acme/acmeStore';

// Built by scripts/build-ui.mjs beside the compiled hub (dist/ui).
const UI_DIR = path.join(__dirname, '..', '..', 'ui');
const UI_FILES: Array<[string, string, string]> = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
  ['/app.css', 'app.css', 'text/css; charset=utf-8'],
  // At the root so its scope is the whole page; no-cache, so a new hub's worker is seen at the next start.
  ['/sw.js', 'sw.js', 'text/javascript; charset=utf-8'],
  ['/manifest.webmanifest', 'manifest.webmanifest', 'application/manifest+json; charset=utf-8'],
];
/** The app's icons (drawn by the build): PNG is compressed already, so there is no .gz of them. */
const ICONS = ['icon-192.png', 'icon-512.png', 'icon-maskable-512.png', 'apple-touch-icon.png'];

/** The page, health (public: the UI shows the ports before sign-in), and system status for owners and installers. */
export function systemRoutes(svc: HubServices): RouteDef[] {
  // The route table is built as the hub starts, so this is the hub's start time.
  const startedAt = svc.now();
  // Every file of the page is served gzipped (the build made each .gz) to a browser that takes
  // gzip, which is every one: a phone on the home Wi-Fi then loads the page's script in a third
  // of the bytes, and the Pi compresses nothing at run time.
  const uiFile = (url: string, file: string, type: string, cacheControl: string, summary: string) => {
    const body = readFileSync(path.join(UI_DIR, file));
    const gzipped = readFileSync(path.join(UI_DIR, `${file}.gz`));
    return route({
      method: 'GET',
      url,
      access: { kind: 'public' },
      summary,
      handler: async (req, reply) => {
        reply.type(type).header('cache-control', cacheControl).header('vary', 'accept-encoding');
        if (acceptsGzip(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(gzipped);
        return reply.send(body);
      },
    });
  };
  const ui = UI_FILES.map(([url, file, type]) => uiFile(url, file, type, 'no-cache', `Web UI: ${file}`));
  // The common-password list's module: fetched by a page only when a new password is chosen,
  // addressed with its content hash (?v=), so browsers keep it for a year.
  const commonPasswords = uiFile(
    '/common-passwords.js',
    'common-passwords.js',
    'text/javascript; charset=utf-8',
    'public, max-age=31536000, immutable',
    'Web UI: the common-password list, loaded when a new password is chosen',
  );
  const icons = ICONS.map((file) => {
    const body = readFileSync(path.join(UI_DIR, 'icons', file));
    return route({
      method: 'GET',
      url: `/icons/${file}`,
      access: { kind: 'public' },
      summary: `Web UI: the app icon ${file}`,
      handler: async (_req, reply) => reply.type('image/png').header('cache-control', 'no-cache').send(body),
    });
  });
  return [
    ...ui,
    ...icons,
    commonPasswords,
    route({
      method: 'GET',
      url: '/api/health',
      access: { kind: 'public' },
      summary: 'Liveness, the ports the hub chose, and whether the cloud upload is working',
      schema: { response: { 200: HealthSchema } },
      // Only the state is public (for the banner before sign-in); the details are in /api/system.
      handler: async () => ({ ok: true, service: 'porchlight-hub', ...svc.runtime(), cloud: { state: readCloudHealth(svc.db, svc.now()).state } }),
    }),
    route({
      method: 'GET',
      url: '/api/system',
      access: { kind: 'user', roles: DEVICE_ROLES },
      summary: 'Version, ports, certificate, mail, relay, cameras online, uptime and disk space',
      schema: { response: { 200: SystemStatusSchema } },
      handler: async () => ({
        version: PORCHLIGHT_VERSION,
        ...svc.runtime(),
        startedAt,
        uptimeSeconds: Math.max(0, Math.round((svc.now() - startedAt) / 1000)),
        versions: await versions(),
        certificate: { ...svc.tls.status(), renewalProblem: await renewalProblem(svc) },
        caFingerprint: svc.tls.local.caFingerprint,
        mailConfigured: svc.mailer.configured,
        cloud: readCloudHealth(svc.db, svc.now()),
        cameras: cameraHealth(svc.db, (id) => svc.channels.isOnline(id)),
        disk: await diskSpace(svc.clips.clipsDir),
      }),
    }),
  ];
}

/** The ACME renewal's last error, from the record the hub keeps for the console too. */
async function renewalProblem(svc: HubServices): Promise<string | null> {
  if (!svc.wholeConfig.hub.acme?.enabled) return null;
  const state = await readState(acmePaths(hubPaths(svc.wholeConfig.dataDir).acme)).catch(() => null);
  if (!state?.lastError) return null;
  return `${state.failures} attempt${state.failures === 1 ? '' : 's'} in a row failed, the last: ${state.lastError}`;
}

/** Whether an Accept-Encoding header takes gzip (RFC 9110 12.5.3): gzip named, or else `*`, with a q above 0. */
export function acceptsGzip(header: string): boolean {
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    weights.set(name.trim(), q === undefined ? 1 : Number(q.slice(2)) || 0);
  }
  return (weights.get('gzip') ?? weights.get('*') ?? 0) > 0;
}

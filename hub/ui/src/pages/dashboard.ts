import { CAMERA_STATE_WORDS } from '../../../../common/api/cameraStateWords';
import type { Dashboard, DashboardCamera } from '../../../../common/api/dashboard';
import { api } from '../api';
import { armingPanel } from '../armingPanel';
import { el, fail, pageSection, panel, say } from '../dom';
import type { Page } from '../page';
import { FOOTAGE_ROLES, hasRole } from '../session';
import { MAY_KNOW } from '../../../../common/disclosure';
import { bytes } from '../format';
import { clockTime, dateTime } from '../homeTime';

/*
 * The landing page: the home's mode as one big control, a tile per camera (its newest
 * picture, online or offline in words, last motion, recording now), and the hub's storage and
 * cloud backup. Refreshed every 10 seconds while shown; a failed refresh keeps what was last
 * shown under a banner saying the hub cannot be reached.
 */

const REFRESH_MS = 10_000;

const CLOUD_STATES: Record<string, string> = {
  online: 'Working',
  offline: 'Offline',
  misconfigured: 'Cloud settings cannot be used (see the System page)',
  'not-running': 'Not running',
};

const arming = armingPanel();
arming.element.classList.add('arming-big');
const banner = el('p', { id: 'dashboard-banner', className: 'banner inline', role: 'status', hidden: true });
const tiles = el('ul', { id: 'camera-tiles', className: 'tiles', 'aria-label': 'Cameras' });
const noCameras = el('p', { id: 'no-cameras', hidden: true, textContent: 'No cameras yet. An owner or the installer pairs them on the Cameras page.' });
const facts = el('dl', { className: 'facts', id: 'storage-facts' });
const storage = panel('Storage and cloud backup', facts);
const camerasPanel = panel('Cameras', noCameras, tiles);
const section = pageSection('dashboard', 'Home', banner, arming.element, camerasPanel, storage);

/** Pictures by clip id, kept across refreshes so a tile does not reload an unchanged picture. */
const pictures = new Map<string, HTMLElement>();
let timer: number | null = null;

function picture(tile: DashboardCamera): HTMLElement {
  const clip = tile.latestClip;
  if (!clip) return el('div', { className: 'thumb placeholder', textContent: 'No clips yet' });
  const cached = pictures.get(clip.id);
  if (cached) return cached;
  const img = el('img', { src: `/api/clips/${encodeURIComponent(clip.id)}/thumbnail`, alt: `Latest picture from ${tile.name}`, width: 320, height: 180, className: 'thumb' });
  const holder = el('div', { className: 'thumb-holder' }, img);
  img.addEventListener('error', () => holder.replaceChildren(el('div', { className: 'thumb placeholder', textContent: `No picture from ${tile.name}` })));
  pictures.set(clip.id, holder);
  return holder;
}

function renderTile(tile: DashboardCamera, tz: string): HTMLLIElement {
  const h = tile.online ? tile.health : null;
  const words = h ? CAMERA_STATE_WORDS[h.state] : null;
  const ok = tile.online && (!h || h.state === 'streaming');
  const status = el('span', { className: `badge ${ok ? 'online' : 'offline'}`, textContent: tile.online ? (ok ? 'Online' : (words?.label ?? 'Online')) : 'Offline' });
  const fix = h && words?.fix ? el('p', { className: 'camera-health', textContent: `${words.fix} (since ${dateTime(h.since, tz)})` }) : null;
  const recording = tile.recording ? el('span', { className: 'badge recording', textContent: 'Recording' }) : null;
  const motion = tile.lastMotionAt === undefined ? null : el('p', { textContent: tile.lastMotionAt ? `Last motion ${dateTime(tile.lastMotionAt, tz)}` : 'No motion seen yet' });
  const seen = tile.online || !tile.lastSeenAt ? null : el('p', { className: 'muted', textContent: `Last heard from ${dateTime(tile.lastSeenAt, tz)}` });
  const shot = tile.latestClip === undefined ? null : picture(tile);
  return el('li', { className: 'tile', 'data-camera': tile.id }, shot, el('h4', { textContent: tile.name }), el('p', { className: 'badges' }, status, recording), fix, motion, seen);
}

function fact(term: string, value: string): DocumentFragment {
  const f = document.createDocumentFragment();
  f.append(el('dt', { textContent: term }), el('dd', { textContent: value }));
  return f;
}

function cloudLine(d: Dashboard): string {
  const c = d.cloud;
  const state = CLOUD_STATES[c.state] ?? c.state;
  const since = c.state !== 'online' && c.since ? ` since ${dateTime(c.since, d.timeZone)}` : '';
  const last = c.lastUploadAt ? `; last upload ${dateTime(c.lastUploadAt, d.timeZone)}` : '';
  const waiting = c.pending ? `; ${c.pending} clip${c.pending === 1 ? '' : 's'} waiting to upload` : '';
  return `${state}${since}${last}${waiting}`;
}

function offlineWarning(d: Dashboard): string {
  const down = d.cameras.filter((c) => !c.online).map((c) => c.name);
  const parts: string[] = [];
  if (down.length === 1) parts.push(`The camera ${down[0]} is offline.`);
  else if (down.length > 1) parts.push(`${down.length} cameras are offline: ${down.join(', ')}.`);
  if (d.cloud.state !== 'online') parts.push(`The cloud backup is ${(CLOUD_STATES[d.cloud.state] ?? d.cloud.state).toLowerCase()}: clips stay safe on the hub${d.cloud.pending ? ` (${d.cloud.pending} waiting)` : ''}.`);
  return parts.join(' ');
}

async function load(): Promise<void> {
  let d: Dashboard;
  try {
    d = await api<Dashboard>('GET', '/api/dashboard');
  } catch (err) {
    banner.textContent = `The hub cannot be reached right now: this page shows what it last knew (${clockTime(Date.now())}).`;
    banner.hidden = false;
    fail(camerasPanel, err);
    return;
  }
  say(camerasPanel, '');
  const warning = offlineWarning(d);
  banner.textContent = warning;
  banner.hidden = !warning;
  noCameras.hidden = d.cameras.length > 0;
  tiles.replaceChildren(...d.cameras.map((t) => renderTile(t, d.timeZone)));
  const wanted = new Set(d.cameras.map((t) => t.latestClip?.id));
  for (const id of pictures.keys()) if (!wanted.has(id)) pictures.delete(id);
  const disk = d.storage.disk;
  facts.replaceChildren(
    fact('Clips on the hub', d.storage.clips === undefined ? 'not shown to your role' : `${d.storage.clips} (${bytes(d.storage.bytes ?? 0)})`),
    fact('Free disk space', disk ? `${bytes(disk.freeBytes)} of ${bytes(disk.totalBytes)}` : 'unknown'),
    fact('Cloud backup', cloudLine(d)),
  );
  if (d.cloud.lastError && d.cloud.state !== 'online') facts.append(fact('Cloud problem', d.cloud.lastError));
}

export const dashboardPage: Page = {
  view: 'dashboard',
  label: 'Home',
  roles: FOOTAGE_ROLES,
  section,
  enter() {
    // The home's mode is the household's (common/disclosure.ts): a viewer sees its cameras, not whether the home is armed.
    const knowsArming = hasRole(...MAY_KNOW.arming);
    arming.element.hidden = !knowsArming;
    if (knowsArming) void arming.load();
    void load();
    if (timer === null) {
      timer = window.setInterval(() => {
        if (knowsArming) void arming.load();
        void load();
      }, REFRESH_MS);
    }
  },
  leave() {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
  },
};

import type { DeviceList, DeviceView } from '../../../../common/api/devices';
import { api } from '../api';
import { el, fail, field, guard, pageSection, panel, say, sentence } from '../dom';
import { LiveStream, type LiveState } from '../liveStream';
import type { DeepLink } from '../deepLink';
import type { Page } from '../page';
import { FOOTAGE_ROLES } from '../session';

/*
 * Live view of one camera at a time (a Pi streams one camera well to a few phones; a wall of
 * streams is for a bigger box). The camera streams only while this page is open and visible:
 * leaving the page, hiding the tab or locking the phone closes the connection, and the hub
 * then tells the camera to stop.
 */

const picker = el('select', { id: 'live-camera' });
const toggle = el('button', { type: 'button', id: 'live-toggle', textContent: 'Stop' });
const badge = el('span', { className: 'badge recording', id: 'live-badge', hidden: true, textContent: 'Live' });
const status = el('p', { id: 'live-status', className: 'live-status', role: 'status' });
const video = el('video', { id: 'live-video', muted: true, playsInline: true, autoplay: true, 'aria-label': 'Live view' });
// Properties alone are not enough for every browser's autoplay check: the attributes too.
video.setAttribute('muted', '');
video.setAttribute('playsinline', '');

const controls = el('div', { className: 'live-controls' }, field('Camera', picker), toggle, badge);
const view = panel('Live view', controls, el('div', { className: 'live-frame' }, video), status);
view.id = 'live-panel';
const section = pageSection('live', 'Live', view);

let stream: LiveStream | null = null;
let active = false;
/** The viewer wants video (they did not press Stop): hiding the page pauses, showing resumes. */
let wanted = true;
let cameras: DeviceView[] = [];
/** The camera a link (a tapped notification) asked for, chosen once the list is loaded. */
let linked: string | null = null;

function show(state: LiveState): void {
  badge.hidden = state.kind !== 'live';
  toggle.textContent = state.kind === 'connecting' || state.kind === 'live' ? 'Stop' : 'Watch';
  if (state.kind === 'connecting') {
    say(view, '');
    status.textContent = 'Connecting…';
  } else if (state.kind === 'live') {
    status.textContent = `Live from ${cameraName()}.`;
  } else {
    status.textContent = '';
    stream = null;
    if (state.kind === 'refused') fail(view, Object.assign(new Error(state.message), { code: state.code }));
    else fail(view, new Error('live view stopped: the connection to the hub closed. Press Watch to try again'));
  }
}

function cameraName(): string {
  return cameras.find((c) => c.id === picker.value)?.name ?? 'the camera';
}

function play(): void {
  halt();
  const id = picker.value;
  if (!id) return;
  video.setAttribute('aria-label', `Live view of ${cameraName()}`);
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  stream = new LiveStream(video, `${scheme}//${location.host}/api/cameras/${encodeURIComponent(id)}/live`, show);
  stream.start();
}

function halt(): void {
  stream?.stop();
  stream = null;
  badge.hidden = true;
}

function stopped(text: string): void {
  halt();
  say(view, '');
  toggle.textContent = 'Watch';
  status.textContent = sentence(text);
}

const load = guard(view, async () => {
  const { devices } = await api<DeviceList>('GET', '/api/devices');
  cameras = devices.filter((d) => !d.revoked);
  const previous = picker.value;
  picker.textContent = '';
  for (const d of cameras) picker.append(el('option', { value: d.id, textContent: d.online === false ? `${d.name} (offline)` : d.name }));
  if (cameras.some((c) => c.id === previous)) picker.value = previous;
  const asked = linked;
  linked = null;
  if (asked !== null) {
    if (cameras.some((c) => c.id === asked)) picker.value = asked;
    else fail(view, new Error('the camera the link names is not one you can watch (removed, or not shared with you)'));
  }
  controls.hidden = cameras.length === 0;
  if (cameras.length === 0) {
    halt();
    status.textContent = 'No cameras to watch yet.';
    return;
  }
  if (active && wanted && !document.hidden) play();
});

picker.addEventListener('change', () => {
  wanted = true;
  play();
});

toggle.addEventListener('click', () => {
  if (stream) {
    wanted = false;
    stopped('live view stopped');
  } else {
    wanted = true;
    play();
  }
});

document.addEventListener('visibilitychange', () => {
  if (!active) return;
  if (document.hidden) {
    // Nobody looks: the camera should not stream (or light its LED) for an unseen tab.
    if (stream) stopped('live view paused while this page was hidden');
  } else if (wanted && !stream) {
    play();
  }
});

export const livePage: Page = {
  view: 'live',
  label: 'Live',
  roles: FOOTAGE_ROLES,
  section,
  enter(link?: DeepLink) {
    active = true;
    wanted = true;
    linked = link?.camera ?? null;
    void load();
  },
  leave() {
    active = false;
    halt();
    video.pause();
  },
};

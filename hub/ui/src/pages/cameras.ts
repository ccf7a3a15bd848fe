import { CAMERA_STATE_WORDS } from '../../../../common/api/cameraStateWords';
import type { DeviceList, DeviceView, PairingInvite } from '../../../../common/api/devices';
import { api } from '../api';
import type { ArmingDecision } from '../../../../common/api/arming';
import { cameraArmingControls } from '../cameraArming';
import { CameraSettingsPanel } from '../cameraSettings';
import { actionButton, el, fail, guard, headRow, pageSection, panel, say, scrollTable, when } from '../dom';
import { ago } from '../format';
import type { Page } from '../page';
import { ARMING_ROLES, DEVICE_ROLES, hasRole, FOOTAGE_ROLES } from '../session';

/*
 * Cameras, for the people who manage devices (owner, installer): pair a new one with a code
 * or its QR code, see which are online, rename, give a new token or revoke, and open one's
 * settings (motion, clips, zones and masks drawn on its picture). Owners also switch each
 * camera's motion on or off and choose in which armed modes it records (installers do not
 * arm, so they get no such column).
 */

/** While a code is shown, how often the list is asked whether the camera has paired. */
const PAIRING_POLL_MS = 2000;
/** Otherwise, how often the list is refreshed, so a camera that starts streaming or drops off shows it. */
const STATUS_POLL_MS = 10_000;

/* Pairing: the code, its QR code, how long it lasts, and what to run on the camera. */
const pairingOpen = el('button', { type: 'button', id: 'pairing-open', textContent: 'Show a pairing code' });
const pairingFor = el('p', { id: 'pairing-for' });
const pairingCode = el('p', { className: 'pairing-code' }, 'Code ', el('strong', { id: 'pairing-code' }));
const pairingQr = el('img', { id: 'pairing-qr', alt: '', width: 200, height: 200 });
const pairingExpiry = el('p', { id: 'pairing-expiry' });
const pairingCommand = el('code', { id: 'pairing-command' });
const pairingManual = el('code', { id: 'pairing-manual' });
const pairingShown = el(
  'div',
  { id: 'pairing-shown', className: 'pairing-shown', hidden: true },
  pairingFor,
  pairingCode,
  pairingQr,
  pairingExpiry,
  el('p', {}, 'On the camera, run (or scan the QR code with a camera that has a scanner):'),
  el('pre', { className: 'command', tabIndex: 0, role: 'region', 'aria-label': 'Pairing command' }, pairingCommand),
  el('p', { className: 'muted' }, 'Or, typing the code yourself: ', pairingManual),
);
const pairing = panel(
  'Add a camera',
  el('p', {}, 'Open a pairing window; the code works once, for a few minutes. The camera checks the hub\'s fingerprint in the QR code before it sends the code.'),
  pairingOpen,
  pairingShown,
);
pairing.id = 'pairing-panel';

/* The list of cameras. */
const table = el('table', { id: 'devices' });
const devices = panel('Paired cameras', scrollTable('Paired cameras', table));
devices.id = 'devices-panel';

const settingsPanel = new CameraSettingsPanel(() => {
  // Back to the button that opened it.
  lastSettingsButton?.focus();
});
let lastSettingsButton: HTMLButtonElement | null = null;

const section = pageSection('cameras', 'Cameras', pairing, devices, settingsPanel.element);

let countdown: number | null = null;
let poller: number | null = null;
let statusTimer: number | null = null;
let shownInvite: { expiresAt: number; known: Set<string>; forName: string | null } | null = null;
let lastList = '';
let renaming: string | null = null;

function stopTimers(): void {
  if (countdown !== null) window.clearInterval(countdown);
  if (poller !== null) window.clearInterval(poller);
  countdown = null;
  poller = null;
}

function hidePairing(): void {
  stopTimers();
  shownInvite = null;
  pairingShown.hidden = true;
  pairingQr.removeAttribute('src');
}

function remaining(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function tick(): void {
  if (!shownInvite) return;
  const left = shownInvite.expiresAt - Date.now();
  if (left <= 0) {
    hidePairing();
    say(pairing, 'The pairing code expired: show a new one when the camera is ready');
    return;
  }
  pairingExpiry.textContent = `Valid for ${remaining(left)} more (until ${when(shownInvite.expiresAt)}).`;
}

/** Shows an invitation from the hub; `forName` when it re-provisions an existing camera. */
function showInvite(invite: PairingInvite, forName: string | null, known: DeviceView[]): void {
  stopTimers();
  shownInvite = { expiresAt: invite.expiresAt, known: new Set(known.map((d) => `${d.id}:${d.revoked}`)), forName };
  pairingFor.textContent = forName ? `A new token for ${forName}: pair it again with this code.` : 'A new camera: pair it with this code.';
  document.getElementById('pairing-code')!.textContent = invite.code;
  if (invite.qr) {
    pairingQr.src = invite.qr;
    pairingQr.alt = `QR code of the pairing link for code ${invite.code}`;
    pairingQr.hidden = false;
  } else pairingQr.hidden = true;
  pairingCommand.textContent = invite.command ?? `porchlight agent pair --code ${invite.code}`;
  pairingManual.textContent = invite.manualCommand ?? '';
  pairingShown.hidden = false;
  tick();
  countdown = window.setInterval(tick, 1000);
  poller = window.setInterval(() => void loadDevices(), PAIRING_POLL_MS);
  say(pairing, `Pairing code ${invite.code} is ready`);
}

async function fetchDevices(): Promise<DeviceView[]> {
  return (await api<DeviceList>('GET', '/api/devices')).devices;
}

pairingOpen.addEventListener('click', guard(pairing, async () => {
  const known = await fetchDevices();
  showInvite(await api<PairingInvite>('POST', '/api/pairing/open'), null, known);
}));

/** Notices a camera that paired with the code shown, and says so. */
function noticePaired(list: DeviceView[]): void {
  if (!shownInvite) return;
  const fresh = list.find((d) => !d.revoked && !shownInvite!.known.has(`${d.id}:${d.revoked}`));
  if (!fresh) return;
  hidePairing();
  say(pairing, `${fresh.name} is paired`);
}

function renameForm(d: DeviceView): HTMLFormElement {
  const id = `rename-${d.id}`;
  const input = el('input', { id, value: d.name, required: true, maxLength: 64, autocomplete: 'off' });
  const save = el('button', { type: 'submit', textContent: 'Save name' });
  const cancel = el('button', { type: 'button', textContent: 'Cancel' });
  const form = el('form', { className: 'inline-form' }, el('label', { htmlFor: id, className: 'vh', textContent: `New name for ${d.name}` }), input, save, cancel);
  cancel.addEventListener('click', () => {
    renaming = null;
    lastList = '';
    void loadDevices().then(() => document.querySelector<HTMLButtonElement>(`button[data-rename="${d.id}"]`)?.focus());
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      try {
        await api('PATCH', `/api/devices/${d.id}`, { name: input.value.trim() });
        renaming = null;
        lastList = '';
        await loadDevices();
        say(devices, `Renamed ${d.name} to ${input.value.trim()}`);
        document.querySelector<HTMLButtonElement>(`button[data-rename="${d.id}"]`)?.focus();
      } catch (err) {
        fail(devices, err);
        input.focus();
      }
    })();
  });
  return form;
}

/** `arming` is null for those who may not change the arming. */
function row(d: DeviceView, canSeePictures: boolean, arming: ArmingDecision | null): HTMLTableRowElement {
  const actions = el('div', { className: 'actions' });
  if (!d.revoked) {
    const settings = el('button', { type: 'button', textContent: 'Settings', 'aria-label': `Settings for ${d.name}`, 'data-settings': d.id });
    settings.addEventListener('click', guard(devices, async () => {
      lastSettingsButton = settings;
      await settingsPanel.open({ id: d.id, name: d.name }, canSeePictures);
    }));
    const rename = el('button', { type: 'button', textContent: 'Rename', 'aria-label': `Rename ${d.name}`, 'data-rename': d.id });
    rename.addEventListener('click', () => {
      renaming = d.id;
      lastList = '';
      void loadDevices().then(() => document.getElementById(`rename-${d.id}`)?.focus());
    });
    actions.append(settings, rename);
  }
  actions.append(actionButton(devices, 'New token', `Give ${d.name} a new token`,
    `Give ${d.name} a new token? Its current token stops working now; you then pair it again with the code shown.`,
    async () => {
      const known = await fetchDevices();
      const invite = await api<PairingInvite>('POST', `/api/devices/${d.id}/reprovision`);
      showInvite(invite, d.name, known.map((k) => (k.id === d.id ? { ...k, revoked: true } : k)));
      return `${d.name}: its old token is refused. Pair it again with code ${invite.code}`;
    }, () => {
      lastList = '';
      void loadDevices();
    }));
  if (!d.revoked) {
    actions.append(actionButton(devices, 'Revoke', `Revoke ${d.name}`, `Revoke ${d.name}? It can no longer upload clips until it gets a new token.`,
      async () => {
        await api('POST', `/api/devices/${d.id}/revoke`);
        if (settingsPanel.openFor === d.id) settingsPanel.close();
        return `${d.name} is revoked`;
      }, () => {
        lastList = '';
        void loadDevices();
      }));
  }
  const h = d.online ? d.health : null;
  const words = h ? CAMERA_STATE_WORDS[h.state] : null;
  const ok = d.online && (!h || h.state === 'streaming');
  const badge = d.revoked
    ? el('span', { className: 'badge offline', textContent: 'Revoked' })
    : el('span', { className: `badge ${ok ? 'online' : 'offline'}`, textContent: d.online ? (ok ? 'Online' : (words?.label ?? 'Online')) : 'Offline' });
  // The state in words with its fix, and ffmpeg's own words for whoever installs the camera.
  const status = !d.revoked && h && words?.fix
    ? el('div', {}, badge, el('p', { className: 'camera-health', textContent: words.fix, title: h.detail ?? '' }))
    : badge;
  const name = renaming === d.id ? renameForm(d) : d.name;
  const camArming = arming?.cameras[d.id];
  const recording = arming === null ? null
    : el('td', {}, !d.revoked && camArming ? cameraArmingControls(d, camArming, devices, (usedId) => {
      // The redraw replaces the boxes: the one just used gets the focus back.
      lastList = '';
      void loadDevices().then(() => document.getElementById(usedId)?.focus());
    }) : '—');
  return el('tr', { 'data-camera': d.id },
    el('th', { scope: 'row' }, name),
    el('td', {}, status),
    recording,
    el('td', { textContent: d.online ? 'now' : ago(d.lastSeenAt), title: when(d.lastSeenAt) }),
    el('td', {}, actions));
}

const loadDevices = guard(devices, async () => {
  const canArm = hasRole(...ARMING_ROLES);
  const [list, arming] = await Promise.all([fetchDevices(), canArm ? api<ArmingDecision>('GET', '/api/arming') : null]);
  noticePaired(list);
  const signature = JSON.stringify([list.map((d) => [d.id, d.name, d.revoked, d.online, d.online ? 0 : d.lastSeenAt, d.health?.state]), arming?.cameras ?? null]);
  // Polling redraws only when something changed, so focus and a half-typed name stay put.
  if (signature === lastList) return;
  lastList = signature;
  table.textContent = '';
  if (list.length === 0) {
    say(devices, 'No cameras are paired yet');
    return;
  }
  const canSeePictures = hasRole(...FOOTAGE_ROLES);
  const body = el('tbody');
  for (const d of list) body.append(row(d, canSeePictures, arming));
  table.append(arming ? headRow('Camera', 'Status', 'Recording', 'Last seen', 'Actions') : headRow('Camera', 'Status', 'Last seen', 'Actions'), body);
});

export const camerasPage: Page = {
  view: 'cameras',
  label: 'Cameras',
  roles: DEVICE_ROLES,
  section,
  enter() {
    lastList = '';
    void loadDevices();
    // Not while a name is being typed: a redraw would take the half-typed name away.
    statusTimer ??= window.setInterval(() => {
      if (renaming === null) void loadDevices();
    }, STATUS_POLL_MS);
  },
  leave() {
    if (statusTimer !== null) window.clearInterval(statusTimer);
    statusTimer = null;
    hidePairing();
    settingsPanel.leave();
    renaming = null;
  },
};

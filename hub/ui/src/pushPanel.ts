import type { DeviceList } from '../../../common/api/devices';
import type { PushDevice, PushDeviceList, SnoozeList, VapidKey } from '../../../common/api/push';
import { api } from './api';
import { deviceName, pushVendor } from './browserName';
import { el, guard, panel, say, when } from './dom';
import { clockTime } from './homeTime';
import { pushProblem, type PushEnvironment } from './pushSupport';
import { workerRegistration } from './serviceWorker';
import { SNOOZE_CHOICES, snoozeWords } from './snoozeWords';

/*
 * Phone notifications (Web Push): "Notify this device" subscribes this browser with the hub's
 * VAPID key and registers it under a name; the list shows the user's devices and which one is
 * this browser; Remove stops one. Snooze quiets motion for a while, for every camera or one.
 * The hub keeps the subscription; this browser remembers only which device id it registered.
 */

/** The device id this browser registered as: the hub never lists endpoints, so the page remembers its own. */
const THIS_DEVICE = 'porchlight.pushDevice';
const WORKER_WAIT_MS = 10_000;

function environment(): PushEnvironment {
  const nav = navigator as Navigator & { standalone?: boolean };
  return {
    secure: window.isSecureContext,
    serviceWorker: 'serviceWorker' in navigator,
    push: 'PushManager' in window && 'Notification' in window,
    permission: 'Notification' in window ? Notification.permission : 'default',
    userAgent: navigator.userAgent,
    maxTouchPoints: navigator.maxTouchPoints ?? 0,
    standalone: nav.standalone === true || matchMedia('(display-mode: standalone)').matches,
  };
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((v, i) => v === b[i]);
}

async function registration(): Promise<ServiceWorkerRegistration> {
  const ready = workerRegistration();
  const late = new Promise<null>((resolve) => setTimeout(() => resolve(null), WORKER_WAIT_MS));
  const reg = await Promise.race([ready, late]);
  if (!reg) throw new Error("the app's service worker did not start, so this browser cannot receive notifications: reload the page and try again");
  return reg;
}

/** This browser's push subscription, or null (none, or no worker here). Never waits for a worker that may never start. */
async function currentSubscription(): Promise<PushSubscription | null> {
  if (pushProblem(environment()) !== null) return null;
  const reg = await navigator.serviceWorker.getRegistration('/');
  return reg ? reg.pushManager.getSubscription() : null;
}

export function pushPanel(): { element: HTMLElement; load: () => Promise<void> } {
  const state = el('p', { id: 'push-state', role: 'status' });
  const problem = el('p', { id: 'push-problem', className: 'warning', hidden: true });
  const name = el('input', { id: 'push-name', maxLength: 60, required: true, autocomplete: 'off' });
  const form = el('form', { id: 'push-form' },
    el('label', { htmlFor: 'push-name', textContent: 'Name of this device' }), name,
    el('button', { type: 'submit', id: 'push-subscribe', textContent: 'Notify this device' }));
  const list = el('ul', { id: 'push-devices', className: 'rows', 'aria-label': 'Your devices that get notifications' });
  const none = el('p', { id: 'push-none', textContent: 'No device of yours gets notifications yet.', hidden: true });
  const element = panel('Notifications on your phone',
    el('p', { textContent: 'Motion, arming changes and camera trouble can pop up on your phone or computer like a message, even when Porchlight is closed. They go through your browser maker\'s push service (Google, Mozilla or Apple) encrypted: it cannot read them. No picture is sent unless an owner turns that on (Pictures in notifications, below).' }),
    problem, state, form, el('h4', { textContent: 'Your devices' }), none, list);
  element.id = 'push-panel';

  const remove = guard(element, async (device: PushDevice) => {
    await api('DELETE', `/api/me/push/devices/${encodeURIComponent(device.id)}`);
    if (localStorage.getItem(THIS_DEVICE) === device.id) {
      localStorage.removeItem(THIS_DEVICE);
      // The hub has forgotten it; the browser's subscription goes too, so nothing is left to push to.
      await (await currentSubscription())?.unsubscribe().catch(() => false);
    }
    say(element, `${device.name} no longer gets notifications`);
    await load();
  });

  function render(devices: PushDevice[], thisOne: PushDevice | null): void {
    list.textContent = '';
    none.hidden = devices.length > 0;
    for (const d of devices) {
      const button = el('button', { type: 'button', textContent: 'Remove', 'aria-label': `Remove ${d.name}` });
      button.addEventListener('click', () => void remove(d));
      list.append(el('li', { 'data-device': d.id },
        el('div', {}, el('strong', { textContent: d.name }), d === thisOne ? ' (this browser)' : '',
          el('br'), el('small', { textContent: `${pushVendor(d.service)} · added ${when(d.createdAt)} · last notified ${d.lastSentAt ? when(d.lastSentAt) : 'never'}` })),
        button));
    }
    state.textContent = thisOne
      ? `This browser gets notifications as “${thisOne.name}”.`
      : 'This browser does not get notifications.';
    form.hidden = thisOne !== null || !problem.hidden;
  }

  const load = guard(element, async () => {
    const why = pushProblem(environment());
    problem.textContent = why ?? '';
    problem.hidden = why === null;
    if (!name.value) name.value = deviceName(navigator.userAgent, navigator.maxTouchPoints ?? 0);
    const [{ devices }, subscription] = await Promise.all([api<PushDeviceList>('GET', '/api/me/push/devices'), currentSubscription().catch(() => null)]);
    const remembered = localStorage.getItem(THIS_DEVICE);
    const thisOne = (subscription && devices.find((d) => d.id === remembered)) || null;
    render(devices, thisOne);
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void subscribe();
  });
  const subscribe = guard(element, async () => {
    const label = name.value.trim();
    if (!label) throw new Error('give this device a name, so you can tell it from your others');
    const early = pushProblem(environment());
    if (early) throw new Error(early);
    // Asked only now, on the person's own tap: browsers quiet sites that ask unprompted.
    const permission = await Notification.requestPermission();
    if (permission === 'default') throw new Error('notifications were not allowed: press "Notify this device" again and choose Allow');
    if (permission === 'denied') throw new Error(pushProblem({ ...environment(), permission: 'denied' }) ?? 'notifications are blocked for this site');
    const reg = await registration();
    const key = keyBytes((await api<VapidKey>('GET', '/api/push/key')).publicKey);
    let subscription = await reg.pushManager.getSubscription();
    // A subscription made with another key (a restored or replaced hub) cannot receive this hub's pushes.
    if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    try {
      subscription ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    } catch (err) {
      throw new Error(`this browser's push service refused to subscribe (${(err as Error).message}): it needs to reach its maker's push service on the internet`, { cause: err });
    }
    const json = subscription.toJSON();
    if (!json.endpoint || !json.keys?.p256dh || !json.keys.auth) throw new Error('this browser gave a push subscription without its keys');
    const device = await api<PushDevice>('POST', '/api/me/push/devices', {
      name: label,
      endpoint: json.endpoint,
      expirationTime: json.expirationTime ?? null,
      keys: { p256dh: json.keys.p256dh, auth: json.keys.auth },
    });
    localStorage.setItem(THIS_DEVICE, device.id);
    await load();
    say(element, `${device.name} now gets notifications`);
  });

  return { element, load };
}

export function snoozePanel(): { element: HTMLElement; load: () => Promise<void> } {
  const what = el('select', { id: 'snooze-what' });
  const buttons = SNOOZE_CHOICES.map((c) => el('button', { type: 'button', className: 'snooze-for', 'data-for': c.value, textContent: c.text }));
  const list = el('ul', { id: 'snoozes', className: 'rows', 'aria-label': 'Snoozes in force' });
  const none = el('p', { id: 'snoozes-none', textContent: 'Nothing is snoozed.' });
  const element = panel('Snooze',
    el('p', { textContent: 'A snooze quiets motion notifications (on this page, by mail and on your phones) for a while. Arming changes by someone else, sign-in warnings and a camera going offline still reach you.' }),
    el('div', { className: 'snooze-controls', role: 'group', 'aria-label': 'Snooze' },
      el('label', { htmlFor: 'snooze-what', textContent: 'Snooze' }), what, ...buttons),
    el('h4', { textContent: 'In force' }), none, list);
  element.id = 'snooze-panel';
  let cameras = new Map<string, string>();
  let shown: SnoozeList = { snoozes: [] };

  const end = guard(element, async (camera: string | null) => {
    const answer = await api<SnoozeList>('DELETE', camera === null ? '/api/me/snoozes' : `/api/me/snoozes?camera=${encodeURIComponent(camera)}`);
    render(answer);
    say(element, 'snooze ended');
  });

  function render(answer: SnoozeList): void {
    shown = answer;
    const now = Date.now();
    list.textContent = '';
    none.hidden = answer.snoozes.length > 0;
    for (const s of answer.snoozes) {
      const words = snoozeWords(s, now, (id) => cameras.get(id) ?? 'A removed camera', clockTime);
      const button = el('button', { type: 'button', textContent: 'End now', 'aria-label': `End the snooze: ${words}` });
      button.addEventListener('click', () => void end(s.camera));
      list.append(el('li', { 'data-camera': s.camera ?? '' }, el('div', { textContent: words }), button));
    }
  }

  for (const button of buttons) {
    button.addEventListener('click', guard(element, async () => {
      const length = button.dataset.for ?? '';
      const answer = await api<SnoozeList>('PUT', '/api/me/snoozes', { for: length, ...(what.value ? { camera: what.value } : {}) });
      render(answer);
      say(element, `${what.value ? cameras.get(what.value) ?? 'the camera' : 'motion notifications'} snoozed`);
    }));
  }

  // The time left counts down while the panel is shown.
  setInterval(() => {
    if (element.isConnected && !element.hidden && shown.snoozes.some((s) => s.until !== null)) render(shown);
  }, 30_000);

  const load = guard(element, async () => {
    const [{ devices }, answer] = await Promise.all([api<DeviceList>('GET', '/api/devices'), api<SnoozeList>('GET', '/api/me/snoozes')]);
    cameras = new Map(devices.filter((d) => !d.revoked).map((d) => [d.id, d.name]));
    const chosen = what.value;
    what.replaceChildren(el('option', { value: '', textContent: 'All cameras' }), ...[...cameras].map(([id, n]) => el('option', { value: id, textContent: n })));
    if (cameras.has(chosen)) what.value = chosen;
    render(answer);
  });

  return { element, load };
}

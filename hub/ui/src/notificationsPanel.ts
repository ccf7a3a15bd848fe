import type { NotificationPrefs } from '../../../common/api/alerts';
import type { DeviceList } from '../../../common/api/devices';
import { api } from './api';
import { el, guard, onSubmit, panel, say } from './dom';

/*
 * What the signed-in person is told about: motion (always, only while armed, never), changes
 * of the home's mode, and which cameras. Each person sets their own; the hub only ever tells
 * someone about cameras they may watch.
 */

const MOTION: Array<[NotificationPrefs['motion'], string]> = [
  ['armed', 'Only while the home is armed'],
  ['all', 'Always, armed or not'],
  ['none', 'Never'],
];

export function notificationsPanel(): { element: HTMLElement; load: () => Promise<void> } {
  const motion = MOTION.map(([value]) => el('input', { type: 'radio', name: 'notify-motion', id: `notify-motion-${value}`, value }));
  const arming = el('input', { type: 'checkbox', id: 'notify-arming' });
  const allCameras = el('input', { type: 'radio', name: 'notify-cameras', id: 'notify-cameras-all', value: 'all' });
  const someCameras = el('input', { type: 'radio', name: 'notify-cameras', id: 'notify-cameras-some', value: 'some' });
  const cameraBoxes = el('div', { id: 'notify-camera-list', className: 'indent' });
  const form = el('form', { id: 'notifications-form' },
    el('fieldset', {}, el('legend', { textContent: 'Motion alerts' }),
      ...motion.map((r, i) => el('label', { className: 'check', htmlFor: r.id }, r, MOTION[i]![1]))),
    el('label', { className: 'check', htmlFor: 'notify-arming' }, arming, 'Tell me when someone or something changes the mode'),
    el('fieldset', {}, el('legend', { textContent: 'Cameras' }),
      el('label', { className: 'check', htmlFor: allCameras.id }, allCameras, 'All cameras, including ones added later'),
      el('label', { className: 'check', htmlFor: someCameras.id }, someCameras, 'Only these:'),
      cameraBoxes),
    el('button', { type: 'submit', textContent: 'Save alerts' }));
  const element = panel('Alerts', el('p', { textContent: 'Alerts show on this page and are mailed to your confirmed address when the hub has a mail server. One per camera every few minutes at most, however long the motion lasts.' }), form);
  element.id = 'notifications-panel';

  const boxes = (): HTMLInputElement[] => [...cameraBoxes.querySelectorAll<HTMLInputElement>('input[type=checkbox]')];
  const syncDisabled = () => boxes().forEach((b) => { b.disabled = allCameras.checked; });
  allCameras.addEventListener('change', syncDisabled);
  someCameras.addEventListener('change', syncDisabled);

  function show(p: NotificationPrefs, cameras: Array<{ id: string; name: string }>): void {
    for (const r of motion) r.checked = r.value === p.motion;
    arming.checked = p.arming;
    allCameras.checked = p.cameras === 'all';
    someCameras.checked = p.cameras !== 'all';
    cameraBoxes.textContent = '';
    for (const c of cameras) {
      const box = el('input', { type: 'checkbox', id: `notify-camera-${c.id}`, value: c.id, checked: p.cameras !== 'all' && p.cameras.includes(c.id) });
      cameraBoxes.append(el('label', { className: 'check', htmlFor: box.id }, box, c.name));
    }
    if (cameras.length === 0) cameraBoxes.append(el('p', { textContent: 'You may not watch any camera yet.' }));
    syncDisabled();
  }

  onSubmit(form, async () => {
    const chosen = motion.find((r) => r.checked)?.value as NotificationPrefs['motion'] | undefined;
    if (!chosen) throw new Error('choose when to hear about motion');
    const cameras = allCameras.checked ? 'all' : boxes().filter((b) => b.checked).map((b) => b.value);
    const saved = await api<NotificationPrefs>('PUT', '/api/me/notifications', { motion: chosen, arming: arming.checked, cameras });
    say(form, saved.motion === 'none' ? 'Saved: you get no motion alerts' : 'Your alerts are saved');
  });

  const load = guard(element, async () => {
    const [prefs, { devices }] = await Promise.all([
      api<NotificationPrefs>('GET', '/api/me/notifications'),
      api<DeviceList>('GET', '/api/devices'),
    ]);
    show(prefs, devices.filter((d) => !d.revoked));
  });

  return { element, load };
}

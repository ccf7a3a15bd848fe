import type { DeviceList, DeviceView } from '../../../common/api/devices';
import type { UserList, UserSummary } from '../../../common/api/users';
import { api } from './api';
import { el, guard, panel, say } from './dom';
import type { Role } from './session';

/*
 * Which cameras each person may watch, on the owner's household page. Only viewers are
 * limited to the cameras granted to them: owners and members live there and see every
 * camera, installers never see footage. The panel says so rather than offering checkboxes
 * that would change nothing.
 */

const WHY: Record<Exclude<Role, 'viewer'>, string> = {
  owner: 'sees every camera (owners always do)',
  member: 'sees every camera (members live here and always do)',
  installer: 'sees no footage (installers manage cameras without watching them)',
};

export function grantsPanel(): { element: HTMLElement; load: () => Promise<void> } {
  const list = el('div', { id: 'grants' });
  const element = panel('Camera access', el('p', { textContent: 'Viewers watch only the cameras you tick for them; a camera paired later is not shown to them until you add it.' }), list);
  element.id = 'grants-panel';

  function viewerForm(u: UserSummary, cameras: DeviceView[]): HTMLElement {
    const boxes = cameras.map((c) =>
      el('input', { type: 'checkbox', id: `grant-${u.id}-${c.id}`, value: c.id, checked: u.grants.includes(c.id) }));
    const save = el('button', { type: 'submit', textContent: 'Save', 'aria-label': `Save cameras for ${u.username}` });
    const form = el('form', { className: 'grants', 'data-user': u.username },
      el('fieldset', {},
        el('legend', { textContent: `Cameras ${u.username} may watch` }),
        ...(cameras.length
          ? boxes.map((b, i) => el('label', { className: 'check', htmlFor: b.id }, b, cameras[i]!.name))
          : [el('p', { textContent: 'No cameras are paired yet.' })])),
      save);
    form.addEventListener('submit', guard(element, async (event: Event) => {
      event.preventDefault();
      const devices = boxes.filter((b) => b.checked).map((b) => b.value);
      save.disabled = true;
      try {
        await api('PUT', `/api/users/${u.id}/grants`, { devices });
      } finally {
        save.disabled = false;
      }
      u.grants = devices;
      const names = cameras.filter((c) => devices.includes(c.id)).map((c) => c.name);
      say(element, names.length ? `${u.username} may now watch ${names.join(', ')}` : `${u.username} may now watch no camera`);
    }));
    return form;
  }

  const load = guard(element, async () => {
    const [{ users }, { devices }] = await Promise.all([api<UserList>('GET', '/api/users'), api<DeviceList>('GET', '/api/devices')]);
    const cameras = devices.filter((d) => !d.revoked);
    list.textContent = '';
    const others = el('ul', { className: 'rows' });
    for (const u of users) {
      if (u.role === 'viewer') list.append(viewerForm(u, cameras));
      else others.append(el('li', {}, el('div', { textContent: `${u.username} ${WHY[u.role]}.` })));
    }
    list.append(others);
  });

  return { element, load };
}

import { api } from '../api';
import { actionButton, el, guard, headRow, pageSection, panel, say, scrollTable, when } from '../dom';
import type { Page } from '../page';
import { DEVICE_ROLES } from '../session';

interface Device {
  id: string;
  name: string;
  revoked: boolean;
  lastSeenAt: number | null;
}

interface PairingWindow {
  code: string;
  expiresAt: number;
}

const codeMessage = (w: PairingWindow): string => `Pairing code ${w.code}: enter it on the camera before ${when(w.expiresAt)}. It works once`;

const pairingOpen = el('button', { type: 'button', id: 'pairing-open', textContent: 'Show a pairing code' });
const pairing = panel('Add a camera',
  el('p', {}, 'Open a pairing window, then run ', el('code', { textContent: 'porchlight agent pair' }), ' on the camera with the code shown here.'),
  pairingOpen);
pairing.id = 'pairing-panel';

const table = el('table', { id: 'devices' });
const devices = panel('Paired cameras', scrollTable('Paired cameras', table));
devices.id = 'devices-panel';

const section = pageSection('cameras', 'Cameras', pairing, devices);

pairingOpen.addEventListener('click', guard(pairing, async () => {
  say(pairing, codeMessage(await api<PairingWindow>('POST', '/api/pairing/open')));
}));

const loadDevices = guard(devices, async () => {
  const { devices: list } = await api<{ devices: Device[] }>('GET', '/api/devices');
  table.textContent = '';
  if (list.length === 0) {
    say(devices, 'No cameras are paired yet');
    return;
  }
  const body = el('tbody');
  for (const d of list) {
    const actions = el('div', { className: 'actions' });
    actions.append(actionButton(devices, 'New token', `Give ${d.name} a new token`,
      `Give ${d.name} a new token? Its current token stops working now; you then pair it again with the code shown.`,
      async () => `${d.name}: its old token is refused. ${codeMessage(await api<PairingWindow>('POST', `/api/devices/${d.id}/reprovision`))}`, loadDevices));
    if (!d.revoked) {
      actions.append(actionButton(devices, 'Revoke', `Revoke ${d.name}`, `Revoke ${d.name}? It can no longer upload clips until it gets a new token.`,
        async () => {
          await api('POST', `/api/devices/${d.id}/revoke`);
          return `${d.name} is revoked`;
        }, loadDevices));
    }
    body.append(el('tr', {},
      el('th', { scope: 'row', textContent: d.name }),
      el('td', { textContent: d.revoked ? 'Revoked' : 'Active' }),
      el('td', { textContent: when(d.lastSeenAt) }),
      el('td', {}, actions)));
  }
  table.append(headRow('Camera', 'State', 'Last seen', 'Actions'), body);
});

export const camerasPage: Page = {
  view: 'cameras',
  label: 'Cameras',
  roles: DEVICE_ROLES,
  section,
  enter() {
    void loadDevices();
  },
};

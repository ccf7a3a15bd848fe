import type { NewRemotePeer, RemoteState } from '../../../../common/api/remote';
import { api } from '../api';
import { actionButton, el, field, guard, onSubmit, pageSection, panel, say, when } from '../dom';
import type { Page } from '../page';

/*
 * Remote access (owners; docs/remote.md): the hub's WireGuard endpoint, and the phones and
 * laptops that reach the page from away through it. A new peer's config (its private key in it)
 * is shown once, as a QR code for the WireGuard app and as text, and cleared when the page is left.
 */

/* ---------- The endpoint ---------- */

const summary = el('p', { id: 'remote-summary' });
const endpoint = el('input', { id: 'remote-endpoint', type: 'text', required: true, maxLength: 253, autocomplete: 'off', spellcheck: false, placeholder: 'home.example.net' });
const port = el('input', { id: 'remote-port', type: 'number', min: '1', max: '65535', step: '1', placeholder: '51820' });
const setupButton = el('button', { type: 'submit', textContent: 'Set up remote access' });
const setupForm = el('form', { id: 'remote-setup-form' },
  field("The home's public name or address (as phones reach it from the internet)", endpoint),
  field('UDP port (forward it on the router to this hub)', port),
  setupButton);
const endpointPanel = panel('Reaching home from away',
  el('p', { textContent: "Phones and laptops with the WireGuard app reach this page from anywhere through an encrypted tunnel to the hub. The page itself stays off the internet: the router forwards one UDP port, which answers nobody without a key. Only the hub's address goes through the tunnel; the phone's other traffic does not." }),
  summary, setupForm);
endpointPanel.id = 'remote-endpoint-panel';

/* ---------- Peers ---------- */

const peerList = el('ul', { id: 'remote-peers', className: 'rows' });
const peerName = el('input', { id: 'remote-peer-name', type: 'text', required: true, maxLength: 40, autocomplete: 'off', placeholder: "Anna's phone" });
const addForm = el('form', { id: 'remote-add-form' }, field('Name of the phone or laptop', peerName), el('button', { type: 'submit', textContent: 'Add' }));
const newPeer = el('div', { id: 'remote-new-peer', hidden: true });
const peersPanel = panel('Phones and laptops', peerList, addForm, newPeer);
peersPanel.id = 'remote-peers-panel';

function clearNewPeer(): void {
  newPeer.textContent = '';
  newPeer.hidden = true;
}

function draw(state: RemoteState): void {
  const s = state.settings;
  summary.textContent = s
    ? `Set up: phones dial ${s.endpoint}, UDP port ${s.listenPort}. Inside the tunnel this hub is https://${s.hubAddress}/ (tunnel ${s.subnet}).`
    : 'Not set up yet. Give the public name or address of your home first.';
  if (s) {
    endpoint.value = s.endpoint;
    port.value = String(s.listenPort);
  }
  setupButton.textContent = s ? 'Save' : 'Set up remote access';
  peersPanel.hidden = !s;
  peerList.textContent = '';
  for (const p of state.peers) {
    peerList.append(el('li', {},
      el('div', {}, el('strong', { textContent: p.name }), el('br'), el('small', { textContent: `${p.address} · added ${when(p.createdAt)} by ${p.createdBy.replace(/^user:/, '')}` })),
      actionButton(peersPanel, 'Revoke', `Revoke ${p.name}`, `Revoke ${p.name}? Its WireGuard key stops working at once.`, async () => {
        draw(await api<RemoteState>('DELETE', `/api/remote/peers/${encodeURIComponent(p.id)}`));
        return `${p.name} is revoked`;
      })));
  }
  if (state.peers.length === 0) peerList.append(el('li', {}, el('div', { textContent: 'No phones or laptops yet.' })));
}

const load = guard(endpointPanel, async () => draw(await api<RemoteState>('GET', '/api/remote')));

onSubmit(setupForm, async () => {
  // Left empty: the hub keeps its port (51820 at first).
  const listenPort = port.value.trim() === '' ? undefined : Number(port.value);
  draw(await api<RemoteState>('PUT', '/api/remote', { endpoint: endpoint.value.trim(), listenPort }));
  say(setupForm, 'Saved. Forward the UDP port on the router, then add a phone');
});

onSubmit(addForm, async () => {
  const added = await api<NewRemotePeer>('POST', '/api/remote/peers', { name: peerName.value.trim() });
  peerName.value = '';
  clearNewPeer();
  const qr = el('img', { id: 'remote-qr', alt: `QR code of the WireGuard config for ${added.peer.name}`, src: `data:image/svg+xml;base64,${btoa(added.qrSvg)}` });
  newPeer.append(
    el('p', { textContent: `In the WireGuard app on ${added.peer.name}: "+", then "Scan from QR code". This is the only time it is shown: its private key is kept nowhere. Lost? Revoke it and add it again.` }),
    qr,
    el('pre', { className: 'secret', id: 'remote-config', textContent: added.config }));
  newPeer.hidden = false;
  say(addForm, `${added.peer.name} is added`);
  await load();
});

const section = pageSection('remote', 'Remote access', endpointPanel, peersPanel);

export const remotePage: Page = {
  view: 'remote',
  label: 'Remote access',
  roles: ['owner'],
  section,
  enter() {
    clearNewPeer();
    void load();
  },
  leave() {
    clearNewPeer(); // the private key does not stay on the page
  },
};

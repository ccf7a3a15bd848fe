import type { SystemStatus } from '../../../../common/api/system';
import { api } from '../api';
import { el, guard, headRow, pageSection, panel, say, scrollTable, when } from '../dom';
import { ago, bytes, daysUntil, duration } from '../format';
import type { Page } from '../page';
import { cloudBackupPanel } from '../cloudBackupPanel';
import { footageKeyPanel } from '../footageKeyPanel';
import { trustHubPanel } from '../trustHubPanel';
import { DEVICE_ROLES } from '../session';

/*
 * The machine, for the owner and the installer: is every service running, which versions,
 * the certificate browsers and cameras see, the ports, mail and disk space. Refreshed while
 * shown, so an installer can watch a camera come online.
 */

const REFRESH_MS = 10_000;
// Below this the relay's retention starts deleting local copies sooner than the owner expects.
const LOW_DISK_FRACTION = 0.1;

const RELAY: Record<SystemStatus['cloud']['state'], string> = {
  online: 'Running, uploads work',
  offline: 'Running, but the cloud cannot be reached: clips wait on the hub',
  misconfigured: 'Running, but its cloud settings cannot be used: clips wait safely on the hub',
  'not-running': 'Not running',
};

const servicesTable = el('table', { id: 'system-services' });
const servicesPanel = panel('Services', scrollTable('Services', servicesTable));
servicesPanel.id = 'system-services-panel';

const facts = (id: string) => el('dl', { id, className: 'facts' });
const versionsList = facts('system-versions');
const certList = facts('system-certificate');
const networkList = facts('system-network');
const storageList = facts('system-storage');
const versionsPanel = panel('Versions', versionsList);
const certPanel = panel('Certificate', certList);
const networkPanel = panel('Network and mail', networkList);
const storagePanel = panel('Storage', storageList);
const updated = el('p', { id: 'system-updated', className: 'muted' });

function fill(list: HTMLElement, rows: Array<[string, string | Node]>): void {
  list.textContent = '';
  for (const [term, value] of rows) list.append(el('dt', { textContent: term }), el('dd', {}, value));
}

const code = (text: string) => el('code', { className: 'secret', textContent: text });

function relayDetail(c: SystemStatus['cloud']): string {
  const parts = [RELAY[c.state]];
  if (c.heartbeatAt !== null) parts.push(`last heartbeat ${ago(c.heartbeatAt)}`);
  else parts.push('it has never run');
  if (c.target) parts.push(`target ${c.target}`);
  parts.push(c.pending === 1 ? '1 clip waiting to upload' : `${c.pending} clips waiting to upload`);
  if (c.state === 'misconfigured') {
    // The relay checks the settings again every few seconds: a fix here or in its files needs no restart.
    if (c.lastError) parts.push(`to fix: ${c.lastError}`);
    parts.push('the relay tries again by itself every few seconds and uploads the waiting clips once the settings work');
  } else if (c.lastError && c.state !== 'online') parts.push(`last error: ${c.lastError}`);
  return parts.join(' · ');
}

function draw(s: SystemStatus): void {
  const body = el('tbody');
  const row = (name: string, ok: boolean, state: string, detail: string) =>
    el('tr', { className: ok ? 'ok' : 'bad' }, el('th', { scope: 'row', textContent: name }), el('td', {}, el('span', { className: 'status-dot', 'aria-hidden': 'true' }), state), el('td', { textContent: detail }));
  body.append(row('Hub', true, 'Running', `up for ${duration(s.uptimeSeconds)}, since ${when(s.startedAt)}`));
  body.append(row('Cloud backup (relay)', s.cloud.state === 'online', s.cloud.state === 'not-running' ? 'Not running' : s.cloud.state === 'online' ? 'Online' : 'Needs attention', relayDetail(s.cloud)));
  for (const c of s.cameras) {
    body.append(row(`Camera ${c.name}`, c.online, c.online ? 'Online' : 'Offline', c.online ? 'connected to the hub now' : `last seen ${ago(c.lastSeenAt)}`));
  }
  if (s.cameras.length === 0) body.append(el('tr', {}, el('td', { colSpan: 3, textContent: 'No cameras are paired yet.' })));
  servicesTable.textContent = '';
  servicesTable.append(headRow('Service', 'State', 'Details'), body);

  fill(versionsList, [
    ['Porchlight', s.version],
    ['Node.js', s.versions.node],
    ['ffmpeg', s.versions.ffmpeg ?? 'not found: cameras on this machine cannot record'],
    ['System', s.versions.os],
  ]);

  const expires = Date.parse(s.certificate.validTo);
  const left = daysUntil(expires);
  fill(certList, [
    ['Browsers see', s.certificate.source === 'user' ? 'your own certificate' : s.certificate.source === 'acme' ? "a certificate from Let's Encrypt (hub.acme)" : "the hub's own certificate, from its household CA (trusted by phones that installed it: see below)"],
    ['Issued to', s.certificate.subject.replace(/\n/g, ', ')],
    ['Issued by', s.certificate.issuer.replace(/\n/g, ', ')],
    ['Expires', `${new Date(expires).toLocaleDateString()} (${left < 0 ? 'expired' : left === 1 ? 'in 1 day' : `in ${left} days`})${s.certificate.source === 'local' ? '; the hub renews its own before then' : s.certificate.source === 'acme' ? '; the hub renews it 30 days before' : ''}`],
    ['SHA-256 fingerprint', code(s.certificate.fingerprint)],
    ["Hub CA fingerprint (cameras pin it)", code(s.caFingerprint)],
    ...(s.certificate.userCertificateProblem ? [['Your certificate', `not used: ${s.certificate.userCertificateProblem}`] as [string, string]] : []),
    ...(s.certificate.renewalProblem ? [['Renewal', `failing: ${s.certificate.renewalProblem}; the current certificate stays in use`] as [string, string]] : []),
  ]);

  fill(networkList, [
    ['Address', s.url],
    ['HTTPS port', String(s.httpsPort)],
    ['HTTP port', s.httpPort === null ? 'off' : `${s.httpPort} (only redirects to HTTPS)`],
    ['Mail', s.mailConfigured ? 'set up: invitations and alerts are mailed' : 'not set up: you hand invitation codes over yourself, and alerts show only here'],
  ]);

  fill(storageList, s.disk
    ? [
        ['Clips are kept in', code(s.disk.path)],
        ['Free', `${bytes(s.disk.freeBytes)} of ${bytes(s.disk.totalBytes)}${s.disk.freeBytes < s.disk.totalBytes * LOW_DISK_FRACTION ? ' — low: old clips will be removed sooner' : ''}`],
      ]
    : [['Disk', 'the hub could not read its disk space']]);
  updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
}

const load = guard(servicesPanel, async () => {
  draw(await api<SystemStatus>('GET', '/api/system'));
  say(servicesPanel, '');
});

const cloudBackup = cloudBackupPanel();
const footageKey = footageKeyPanel();
const trustHub = trustHubPanel('system-trust');
const section = pageSection('system', 'System', updated, servicesPanel, versionsPanel, certPanel, trustHub.panel, networkPanel, storagePanel, footageKey.panel, cloudBackup.panel);

let timer: ReturnType<typeof setInterval> | null = null;

export const systemPage: Page = {
  view: 'system',
  label: 'System',
  roles: DEVICE_ROLES,
  section,
  enter() {
    void load();
    cloudBackup.show();
    footageKey.show();
    void trustHub.show();
    timer ??= setInterval(() => void load(), REFRESH_MS);
  },
  leave() {
    if (timer) clearInterval(timer);
    timer = null;
  },
};

import type { HouseholdCa } from '../../../common/api/system';
import { api } from './api';
import { el, guard, panel, say } from './dom';

/*
 * "Trust this hub on your phone": the household CA (docs/phone.md, "Trusting the hub") to
 * download, short steps for Android and iOS, and the fingerprint to compare with the one the
 * phone shows. On the System page and at the end of first-run setup; the facts are public,
 * so it works before anyone is signed in.
 */

const steps = (...items: string[]) => el('ol', {}, ...items.map((text) => el('li', { textContent: text })));

export function trustHubPanel(idPrefix: string): { panel: HTMLDivElement; show(): Promise<void> } {
  const fingerprint = el('code', { id: `${idPrefix}-fingerprint`, className: 'secret' });
  const name = el('span', { id: `${idPrefix}-name` });
  const covers = el('p', { id: `${idPrefix}-covers`, className: 'muted' });
  const notice = el('p', { id: `${idPrefix}-notice`, className: 'warning', hidden: true });
  const android = el('a', { id: `${idPrefix}-android`, className: 'button-link', textContent: 'Download for Android (.crt)', download: '' });
  const ios = el('a', { id: `${idPrefix}-ios`, className: 'button-link', textContent: 'Download for iPhone and iPad (profile)', download: '' });
  const pem = el('a', { id: `${idPrefix}-pem`, textContent: 'PEM, for computers', download: '' });

  const area = panel(
    'Trust this hub on your phone',
    el('p', {
      textContent:
        "Install the hub's own certificate authority once on each phone: the page then opens without a warning, can be added to the home screen as an app, and can send notifications. It can only vouch for this hub's names and your home network's addresses, never for another site.",
    }),
    notice,
    el('h4', { textContent: 'Android' }),
    el('p', {}, android),
    steps(
      'Download the certificate with the button above.',
      'Open Settings → Security → Encryption & credentials → Install a certificate → CA certificate (on some phones: Settings → Security → More security settings). Confirm "Install anyway".',
      'Pick the downloaded file. Android shows its SHA-256 fingerprint under the certificate\'s details: it must be the one below.',
    ),
    el('h4', { textContent: 'iPhone and iPad' }),
    el('p', {}, ios),
    steps(
      'Open this page in Safari and download the profile; allow the download.',
      'Open Settings → Profile Downloaded → Install, and enter your passcode. It says "Not Verified": that is normal for a profile made by your own hub.',
      'Then Settings → General → About → Certificate Trust Settings, and turn on full trust for the certificate named below.',
    ),
    el('h4', { textContent: 'Compare before you trust it' }),
    el('dl', { className: 'facts' },
      el('dt', { textContent: 'Certificate' }), el('dd', {}, name),
      el('dt', { textContent: 'SHA-256 fingerprint' }), el('dd', {}, fingerprint)),
    covers,
    el('p', { className: 'muted' }, 'Other devices: ', pem, '.'),
  );
  area.id = `${idPrefix}-panel`;

  const show = guard(area, async () => {
    const ca = await api<HouseholdCa>('GET', '/api/household-ca');
    fingerprint.textContent = ca.fingerprint;
    name.textContent = ca.name;
    android.href = ca.downloads.android;
    ios.href = ca.downloads.ios;
    pem.href = ca.downloads.pem;
    covers.textContent = `It can vouch only for: ${ca.permitted.join(', ')}.`;
    const notes: string[] = [];
    if (!ca.inUse) notes.push('Browsers are given your own certificate (set in the hub\'s configuration) instead, so phones do not need this one unless they open the hub by its local address.');
    if (ca.uncovered.length > 0) {
      notes.push(`The hub now also answers at ${ca.uncovered.join(', ')}, which this certificate authority does not cover (the hub moved to another network or was renamed): use one of its other names, or see "Trusting the hub" in the documentation to make a new one.`);
    }
    notice.textContent = notes.join(' ');
    notice.hidden = notes.length === 0;
    say(area, '');
  });
  return { panel: area, show: async () => show() };
}

import type { ArmingSettings, GeofenceState, LocationAnswer, OwnTracksCredentials, Presence } from '../../../../common/api/arming';
import { api } from '../api';
import { el, guard, headRow, onSubmit, pageSection, panel, say, scrollTable } from '../dom';
import { ago } from '../format';
import type { Page } from '../page';
import { currentUser, hasRole } from '../session';

/*
 * Geofencing: who is home (presence only: the hub never shows a position), the home's
 * location, radius and time zone (owners), and each person's own phone: taking part,
 * sharing the browser's location, and credentials for the OwnTracks app.
 */

const PRESENCE: Record<Presence, string> = { home: 'Home', away: 'Away', unknown: 'Unknown' };
const HOUSEHOLD: Record<GeofenceState['household']['household'], string> = {
  'someone-home': 'Someone is home',
  'all-away': 'Everyone is away',
  unknown: 'Nobody knows yet whether anyone is home',
};

function browserPosition(): Promise<GeolocationPosition> {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) return reject(new Error('this browser cannot share its location'));
    navigator.geolocation.getCurrentPosition(resolve, (err) =>
      reject(new Error(err.code === 1 ? 'the browser was not allowed to share your location: allow it in the site settings and try again' : 'your location could not be found: try again outside or with Wi-Fi on')),
    { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 });
  });
}

/* ---------- Who is home ---------- */

const householdLine = el('p', { id: 'household-presence' });
const membersTable = el('table', { id: 'geofence-members' });
const statusPanel = panel('Who is home', householdLine, scrollTable('Geofencing members', membersTable));
statusPanel.id = 'geofence-status-panel';

/* ---------- Your phone ---------- */

const takePart = el('input', { type: 'checkbox', id: 'geofence-me' });
const shareButton = el('button', { type: 'button', id: 'share-my-location', textContent: 'Share my location now' });
const ownTracksButton = el('button', { type: 'button', id: 'owntracks-setup', textContent: 'Set up the OwnTracks app' });
const ownTracksBox = el('div', { id: 'owntracks', hidden: true });
const mePanel = panel('Your phone',
  el('p', { textContent: 'The hub disarms when the first person arrives and arms away when everyone taking part has left. Only whether you are home is kept, never where you are.' }),
  el('label', { className: 'check', htmlFor: 'geofence-me' }, takePart, 'Take part in geofencing'),
  el('div', { className: 'actions' }, shareButton, ownTracksButton),
  ownTracksBox);
mePanel.id = 'geofence-me-panel';

takePart.addEventListener('change', guard(mePanel, async () => {
  const enabled = takePart.checked;
  if (!enabled && !window.confirm('Stop taking part in geofencing? The hub forgets your last position and your OwnTracks credentials.')) {
    takePart.checked = true;
    return;
  }
  try {
    await api('PUT', '/api/me/geofence', { enabled });
  } catch (err) {
    takePart.checked = !enabled;
    throw err;
  }
  say(mePanel, enabled ? 'You take part in geofencing: share your location or set up OwnTracks' : 'You no longer take part in geofencing');
  await loadStatus();
}));

shareButton.addEventListener('click', guard(mePanel, async () => {
  say(mePanel, 'Finding your location…');
  const pos = await browserPosition();
  // Sharing is taking part, as asking for OwnTracks credentials is.
  if (!takePart.checked) {
    await api('PUT', '/api/me/geofence', { enabled: true });
    takePart.checked = true;
  }
  const { presence } = await api<LocationAnswer>('POST', '/api/me/location', { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy });
  say(mePanel, presence === 'home' ? 'The hub counts you as home' : presence === 'away' ? 'The hub counts you as away from home' : 'Your location was too vague to count; try again with a better signal');
  await loadStatus();
}));

ownTracksButton.addEventListener('click', guard(mePanel, async () => {
  if (!window.confirm('Make new OwnTracks credentials? Any phone using the old ones stops reporting until you enter the new ones.')) return;
  const c = await api<OwnTracksCredentials>('POST', '/api/me/geofence/owntracks');
  const row = (label: string, value: string) => el('li', {}, el('div', {}, `${label}: `, el('code', { className: 'secret', textContent: value })));
  ownTracksBox.textContent = '';
  ownTracksBox.append(
    el('p', { textContent: 'In OwnTracks: Preferences → Connection → Mode: HTTP. Enter these; they are shown only now.' }),
    el('ul', { className: 'rows' }, row('URL', c.url), row('Authentication', 'on'), row('User ID', c.username), row('Password', c.password)),
    el('p', { textContent: 'The phone must trust the hub\'s certificate (or reach it through a name with a certificate of yours).' }));
  ownTracksBox.hidden = false;
  say(mePanel, 'New OwnTracks credentials are ready below; you now take part in geofencing');
  await loadStatus();
}));

/* ---------- The home (owners) ---------- */

const num = (id: string, label: string, unit: string) => {
  const input = el('input', { id, type: 'number', step: 'any', inputMode: 'decimal', 'aria-describedby': unit ? `${id}-unit` : undefined });
  return { input, nodes: [el('label', { htmlFor: id, textContent: label }), input, unit ? el('small', { id: `${id}-unit`, textContent: unit }) : null] };
};
const lat = num('home-lat', 'Latitude', 'degrees, −90 to 90');
const lon = num('home-lon', 'Longitude', 'degrees, −180 to 180');
const radius = num('home-radius', 'Radius', 'metres from the home that count as home (25 to 10000)');
const hysteresis = num('home-hysteresis', 'Leaving margin', 'extra metres before someone counts as away, so GPS jitter at the edge does not flap');
const accuracy = num('home-accuracy', 'Worst accepted accuracy', 'metres; vaguer fixes are ignored');
const stale = num('home-stale', 'Unknown after', 'minutes without a report');
const timeZone = el('input', { id: 'home-tz', autocomplete: 'off', spellcheck: false });
timeZone.setAttribute('list', 'time-zones'); // a read-only property: only the attribute sets it
const zones = el('datalist', { id: 'time-zones' });
const geofenceOn = el('input', { type: 'checkbox', id: 'geofence-enabled' });
const beatsSchedule = el('input', { type: 'checkbox', id: 'geofence-beats-schedule' });
const hereButton = el('button', { type: 'button', id: 'use-my-location', textContent: "Use this device's location" });

const homeForm = el('form', { id: 'home-form' },
  ...lat.nodes, ...lon.nodes, hereButton, ...radius.nodes,
  el('label', { htmlFor: 'home-tz', textContent: 'Time zone (schedules follow it)' }), timeZone, zones,
  el('label', { className: 'check', htmlFor: 'geofence-enabled' }, geofenceOn, 'Geofencing on'),
  el('label', { className: 'check', htmlFor: 'geofence-beats-schedule' }, beatsSchedule, 'Geofence beats schedule (while everyone is away, the schedule does not disarm)'),
  el('details', {}, el('summary', { textContent: 'More settings' }), ...hysteresis.nodes, ...accuracy.nodes, ...stale.nodes),
  el('button', { type: 'submit', textContent: 'Save' }));
const homeSummary = el('p', { id: 'home-summary' });
const homePanel = panel('The home', homeSummary, homeForm);
homePanel.id = 'home-panel';

hereButton.addEventListener('click', guard(homeForm, async () => {
  say(homeForm, 'Finding this device\'s location…');
  const pos = await browserPosition();
  lat.input.value = pos.coords.latitude.toFixed(6);
  lon.input.value = pos.coords.longitude.toFixed(6);
  say(homeForm, `Filled in this device's location (accurate to about ${Math.round(pos.coords.accuracy)} m): save to keep it`);
}));

/** A number from a field, or the sentence that says what is missing. */
function numberFrom(input: HTMLInputElement, what: string): number {
  const value = input.value.trim();
  if (value === '' || !Number.isFinite(Number(value))) throw new Error(`enter ${what} as a number`);
  return Number(value);
}

onSubmit(homeForm, async () => {
  const bothEmpty = lat.input.value.trim() === '' && lon.input.value.trim() === '';
  const body: ArmingSettings = {
    home: bothEmpty ? null : { lat: numberFrom(lat.input, 'the latitude'), lon: numberFrom(lon.input, 'the longitude') },
    radiusM: numberFrom(radius.input, 'the radius'),
    hysteresisM: numberFrom(hysteresis.input, 'the leaving margin'),
    maxAccuracyM: numberFrom(accuracy.input, 'the worst accepted accuracy'),
    staleAfterMinutes: numberFrom(stale.input, 'the minutes after which a phone counts as unknown'),
    timeZone: timeZone.value.trim(),
    geofenceEnabled: geofenceOn.checked,
    geofenceBeatsSchedule: beatsSchedule.checked,
  };
  showSettings(await api<ArmingSettings>('PUT', '/api/arming/settings', body));
  say(homeForm, 'Saved');
  await loadStatus();
});

function showSettings(s: ArmingSettings): void {
  lat.input.value = s.home ? String(s.home.lat) : '';
  lon.input.value = s.home ? String(s.home.lon) : '';
  radius.input.value = String(s.radiusM);
  hysteresis.input.value = String(s.hysteresisM);
  accuracy.input.value = String(s.maxAccuracyM);
  stale.input.value = String(s.staleAfterMinutes);
  timeZone.value = s.timeZone;
  geofenceOn.checked = s.geofenceEnabled;
  beatsSchedule.checked = s.geofenceBeatsSchedule;
  homeSummary.textContent = `${s.home ? `Home is set, with a radius of ${s.radiusM} m` : 'The home location is not set'}. Geofencing is ${s.geofenceEnabled ? 'on' : 'off'}; time zone ${s.timeZone}.`;
}

/* ---------- Loading ---------- */

const loadStatus = guard(statusPanel, async () => {
  const g = await api<GeofenceState>('GET', '/api/geofence');
  householdLine.textContent = g.enabled ? `${HOUSEHOLD[g.household.household]}${g.household.member ? ` (last change: ${g.household.member})` : ''}.` : 'Geofencing is off: the hub does not track who is home.';
  membersTable.textContent = '';
  const body = el('tbody');
  for (const m of g.members) {
    body.append(el('tr', {},
      el('th', { scope: 'row', textContent: m.username }),
      el('td', { textContent: m.enabled ? 'Yes' : 'No' }),
      el('td', { textContent: m.enabled ? PRESENCE[m.presence] : '—' }),
      el('td', { textContent: ago(m.lastReportAt) })));
  }
  if (g.members.length === 0) body.append(el('tr', {}, el('td', { colSpan: 4, textContent: 'Nobody takes part yet.' })));
  membersTable.append(headRow('Person', 'Takes part', 'Status', 'Last report'), body);
  const me = g.members.find((m) => m.username === currentUser().username);
  takePart.checked = me?.enabled ?? false;
});

const loadSettings = guard(homePanel, async () => {
  const s = await api<ArmingSettings>('GET', '/api/arming/settings');
  showSettings(s);
  if (zones.childElementCount === 0) {
    const supported = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
    zones.append(...supported.map((z) => el('option', { value: z })));
  }
});

const section = pageSection('geofence', 'Geofence', statusPanel, mePanel, homePanel);

let timer: ReturnType<typeof setInterval> | null = null;

export const geofencePage: Page = {
  view: 'geofence',
  label: 'Geofence',
  roles: ['owner', 'member'],
  section,
  enter() {
    const owner = hasRole('owner');
    homeForm.hidden = !owner;
    ownTracksBox.hidden = true;
    ownTracksBox.textContent = ''; // credentials are shown once, not kept on the page
    void loadStatus();
    void loadSettings();
    timer ??= setInterval(() => void loadStatus(), 30_000);
  },
  leave() {
    if (timer) clearInterval(timer);
    timer = null;
    ownTracksBox.textContent = '';
  },
};

import type { ArmingDecision, Cause, LocationAnswer } from '../../../common/api/arming';
import type { Mode } from '../../../common/modes';
import { api } from './api';
import { addMessageLines, el, fail, guard, say } from './dom';
import { ARMING_ROLES, hasRole } from './session';

export type { Mode };

export const MODE_NAMES: Record<Mode, string> = {
  disarmed: 'Disarmed',
  armed_home: 'Armed (home)',
  armed_away: 'Armed (away)',
  privacy: 'Privacy: cameras record nothing',
};

export function describeCause(cause: Cause): string {
  if (cause.source === 'manual') return `set by ${cause.by.replace(/^user:/, '')}`;
  if (cause.source === 'schedule') return 'set by the schedule';
  if (cause.source === 'geofence') return cause.member ? `set by geofencing (${cause.member})` : 'set by geofencing';
  return 'not set yet';
}

/** The home's mode, who or what set it, and (for owners and members) the buttons that change it. */
export function armingPanel(): { element: HTMLElement; load: () => Promise<void> } {
  const state = el('p', { id: 'arming-state' });
  const modeButtons = (Object.keys(MODE_NAMES) as Mode[]).map((mode) =>
    el('button', { type: 'button', 'data-mode': mode, textContent: { disarmed: 'Disarmed', armed_home: 'Home', armed_away: 'Away', privacy: 'Privacy' }[mode] }));
  const share = el('button', { type: 'button', id: 'share-location', textContent: 'Share my location' });
  const buttons = el('div', { id: 'arming-buttons', role: 'group', 'aria-label': 'Set the mode', hidden: true }, ...modeButtons, share);
  const element = addMessageLines(el('div', { className: 'panel', id: 'arming-panel' }, el('h3', { textContent: 'Arming' }), state, buttons));

  const load = guard(element, async () => {
    const a = await api<ArmingDecision>('GET', '/api/arming');
    const since = a.since ? `, since ${new Date(a.since).toLocaleString()}` : '';
    state.textContent = `${MODE_NAMES[a.mode]} — ${describeCause(a.cause)}${since}.`;
    buttons.hidden = !hasRole(...ARMING_ROLES);
    for (const b of modeButtons) b.setAttribute('aria-pressed', String(b.dataset.mode === a.mode));
  });

  for (const button of modeButtons) {
    button.addEventListener('click', guard(element, async () => {
      const mode = button.dataset.mode as Mode;
      await api('PUT', '/api/arming/mode', { mode });
      await load();
      say(element, MODE_NAMES[mode]);
    }));
  }

  share.addEventListener('click', () => {
    if (!navigator.geolocation) return fail(element, new Error('this browser cannot share its location'));
    navigator.geolocation.getCurrentPosition(
      guard(element, async (pos: GeolocationPosition) => {
        const r = await api<LocationAnswer>('POST', '/api/me/location', { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy });
        say(element, r.presence === 'home' ? 'you are home' : r.presence === 'away' ? 'you are away from home' : 'your location was too vague to count');
        await load();
      }),
      (err) => fail(element, new Error(err.code === 1 ? 'the browser was not allowed to share your location' : 'your location could not be found')),
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
    );
  });
  return { element, load };
}

import type { ClipPage, ClipRecord } from '../../../../common/api/clips';
import type { DeviceList } from '../../../../common/api/devices';
import { api } from '../api';
import { addMessageLines, confirmAction, el, fail, guard, pageSection, say } from '../dom';
import { dayLabel, shiftDay, timeOfDay } from '../homeTime';
import { clipAt, dayIn, type DeepLink } from '../deepLink';
import type { Page } from '../page';
import { FOOTAGE_ROLES, hasRole } from '../session';

/*
 * The timeline: one day of clips (the home's calendar day), newest first, optionally from one
 * camera. Each row is a button that plays the clip in place (one video, moved into the row),
 * with its picture, time, camera, length and where copies are kept. Keyboard: the list is one
 * tab stop; Up and Down (Home, End) move between clips, Enter or Space plays, Tab reaches the
 * row's Download link and, for owners, its Delete button.
 */

const PAGE_SIZE = 100;

const state = { day: '', today: '', timeZone: 'UTC', camera: '', labels: '', next: null as string | null, playing: '', linkedAt: null as number | null };

/** The label filter's choices: the API's `labels` value and what the household reads. */
const LABEL_CHOICES: ReadonlyArray<{ value: string; text: string; words: string }> = [
  { value: '', text: 'All clips', words: '' },
  { value: 'person', text: 'People', words: ' with people' },
  { value: 'vehicle', text: 'Vehicles', words: ' with vehicles' },
  { value: 'animal', text: 'Animals', words: ' with animals' },
];

const prev = el('button', { type: 'button', id: 'timeline-prev', textContent: '‹ Previous day' });
const next = el('button', { type: 'button', id: 'timeline-next', textContent: 'Next day ›' });
const dayInput = el('input', { type: 'date', id: 'timeline-day' });
const cameraSelect = el('select', { id: 'timeline-camera' });
const labelSelect = el('select', { id: 'timeline-labels' }, ...LABEL_CHOICES.map((c) => el('option', { value: c.value, textContent: c.text })));
const controls = el(
  'div',
  { className: 'timeline-controls', role: 'group', 'aria-label': 'Which clips' },
  prev,
  el('span', { className: 'field' }, el('label', { htmlFor: 'timeline-day', textContent: 'Day' }), dayInput),
  next,
  el('span', { className: 'field' }, el('label', { htmlFor: 'timeline-camera', textContent: 'Camera' }), cameraSelect),
  el('span', { className: 'field' }, el('label', { htmlFor: 'timeline-labels', textContent: 'Seen' }), labelSelect),
);
const summary = el('p', { id: 'timeline-summary', role: 'status' });
const empty = el('p', { id: 'clips-empty', hidden: true });
const list = el('ul', { id: 'clips', className: 'timeline', 'aria-label': 'Clips of the day' });
const more = el('button', { type: 'button', id: 'timeline-more', hidden: true, textContent: 'Show older clips of this day' });
const player = el('video', { id: 'player', controls: true, playsInline: true, preload: 'metadata', hidden: true });
const listArea = addMessageLines(el('div', { id: 'timeline-area' }, summary, empty, list, more, player));
const section = pageSection('clips', 'Timeline', controls, listArea);

function length(clip: ClipRecord): string {
  return `${Math.max(1, Math.round((clip.endedAt - clip.startedAt) / 1000))} s`;
}

/** "person 91%, vehicle 70%": what the detector counted in the clip. */
function labelWords(clip: ClipRecord): string {
  return clip.labels.map((l) => `${l.label} ${Math.round(l.score * 100)}%`).join(', ');
}

function describe(clip: ClipRecord): string {
  const seen = labelWords(clip);
  return `${timeOfDay(clip.startedAt, state.timeZone)}, ${clip.deviceName}, ${length(clip)}${seen ? `, ${seen}` : ''}`;
}

/** Where the clip's copies are, in words (clips whose local copy retention removed play from the cloud). */
function whereKept(clip: ClipRecord): string {
  if (!clip.local && clip.inCloud) return 'only in the cloud';
  if (clip.inCloud) return 'in cloud';
  if (clip.local) return 'on the hub, not backed up yet';
  return 'no copy left';
}

function rowButtons(): HTMLButtonElement[] {
  return [...list.querySelectorAll<HTMLButtonElement>('button.clip')];
}

/** Roving tabindex: the list is one tab stop, at `active`, whose row's actions are reachable too. */
function activate(active: HTMLButtonElement | undefined, focus: boolean): void {
  for (const li of list.children) {
    const on = active !== undefined && li.contains(active);
    for (const c of li.querySelectorAll<HTMLElement>('button, a')) c.tabIndex = on ? 0 : -1;
  }
  if (active && focus) active.focus();
}

function play(clip: ClipRecord, row: HTMLLIElement, button: HTMLButtonElement): void {
  state.playing = clip.id;
  for (const b of rowButtons()) b.removeAttribute('aria-current');
  button.setAttribute('aria-current', 'true');
  row.append(player);
  player.hidden = false;
  player.setAttribute('aria-label', `Clip from ${clip.deviceName} at ${timeOfDay(clip.startedAt, state.timeZone)}`);
  player.src = `/api/clips/${encodeURIComponent(clip.id)}/video`;
  player.play().catch(() => undefined);
}

function renderRow(clip: ClipRecord): HTMLLIElement {
  const text = describe(clip);
  const thumb = el('img', { src: `/api/clips/${encodeURIComponent(clip.id)}/thumbnail`, alt: '', loading: 'lazy', width: 160, height: 90, className: 'thumb' });
  thumb.addEventListener('error', () => thumb.replaceWith(el('span', { className: 'thumb placeholder', textContent: 'No picture' })));
  const where = whereKept(clip);
  const button = el(
    'button',
    { type: 'button', className: 'clip' },
    thumb,
    el(
      'span',
      { className: 'clip-text' },
      el('strong', { textContent: timeOfDay(clip.startedAt, state.timeZone) }),
      el('span', { textContent: `${clip.deviceName} · ${length(clip)}` }),
      el('span', { className: where === 'only in the cloud' ? 'mark cloud-only' : 'mark', textContent: where }),
      ...(clip.labels.length > 0
        ? [
            el(
              'span',
              { className: 'clip-labels', 'aria-label': `Seen: ${labelWords(clip)}` },
              ...clip.labels.map((l) => el('span', { className: `chip label-${l.label}`, textContent: l.label, title: `${l.label}, score ${Math.round(l.score * 100)}%` })),
            ),
          ]
        : []),
    ),
  );
  const download = el('a', {
    href: `/api/clips/${encodeURIComponent(clip.id)}/video?download=1`,
    download: '',
    textContent: 'Download',
    'aria-label': `Download ${text}`,
    className: 'button-link',
  });
  const row = el('li', { 'data-clip': clip.id }, button, el('span', { className: 'actions' }, download));
  button.addEventListener('click', () => {
    activate(button, false);
    play(clip, row, button);
  });
  button.addEventListener('focus', () => activate(button, false));
  if (hasRole('owner')) {
    const remove = el('button', { type: 'button', className: 'danger', textContent: 'Delete', 'aria-label': `Delete ${text}` });
    remove.addEventListener('click', guard(listArea, async () => {
      if (!confirmAction(`Delete the clip from ${clip.deviceName} at ${timeOfDay(clip.startedAt, state.timeZone)}? It is deleted from the hub and from the cloud backup, for everyone. This cannot be undone.`)) return;
      await api('DELETE', `/api/clips/${encodeURIComponent(clip.id)}`);
      const buttons = rowButtons();
      const at = buttons.indexOf(button);
      if (state.playing === clip.id) stopPlayer();
      row.remove();
      const rest = rowButtons();
      say(listArea, `clip from ${clip.deviceName} at ${timeOfDay(clip.startedAt, state.timeZone)} deleted`);
      updateSummary(rest.length);
      activate(rest[Math.min(at, rest.length - 1)], true);
    }));
    row.querySelector('.actions')?.append(remove);
  }
  return row;
}

function updateSummary(count: number): void {
  const seen = LABEL_CHOICES.find((c) => c.value === state.labels)?.words ?? '';
  const where = `${seen}${state.camera ? ` from ${cameraSelect.selectedOptions[0]?.textContent ?? 'this camera'}` : ''}`;
  summary.textContent = count ? `${count}${state.next ? '+' : ''} clip${count === 1 ? '' : 's'}${where} on ${dayLabel(state.day)}.` : '';
  empty.hidden = count > 0;
  empty.textContent = `No clips${where} on ${dayLabel(state.day)}. Cameras record when they see motion while the home is armed.`;
}

function stopPlayer(): void {
  player.pause();
  player.removeAttribute('src');
  player.load();
  player.hidden = true;
  listArea.append(player);
  state.playing = '';
}

list.addEventListener('keydown', (event) => {
  const buttons = rowButtons();
  const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
  if (at < 0) return;
  const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
  if (to === undefined) return;
  event.preventDefault();
  const target = buttons[Math.max(0, Math.min(buttons.length - 1, to))];
  activate(target, true);
});

function query(before?: string): string {
  const q = new URLSearchParams({ day: state.day, limit: String(PAGE_SIZE) });
  if (state.camera) q.set('camera', state.camera);
  if (state.labels) q.set('labels', state.labels);
  if (before) q.set('before', before);
  return `/api/clips?${q.toString()}`;
}

const loadDay = guard(listArea, async () => {
  if (!state.day) {
    // The home's "today" and time zone come from the hub, not the browser's clock.
    const probe = await api<ClipPage>('GET', '/api/clips?limit=1');
    state.today = probe.today;
    state.timeZone = probe.timeZone;
    state.day = probe.today;
  }
  const linkedAt = state.linkedAt;
  state.linkedAt = null;
  // A link's moment: its day in the home's calendar, whatever the phone's zone.
  if (linkedAt !== null) state.day = dayIn(linkedAt, state.timeZone);
  dayInput.value = state.day;
  dayInput.max = state.today;
  next.disabled = state.day >= state.today;
  const page = await api<ClipPage>('GET', query());
  state.timeZone = page.timeZone;
  state.today = page.today;
  state.next = page.next;
  if (state.playing) stopPlayer();
  say(listArea, '');
  list.replaceChildren(...page.clips.map(renderRow));
  more.hidden = !page.next;
  updateSummary(page.clips.length);
  activate(rowButtons()[0], false);
  if (linkedAt !== null) playLinked(page.clips, linkedAt);
});

/** Plays the clip a link (a tapped notification) points at, or says it is not there. */
function playLinked(clips: ClipRecord[], at: number): void {
  const clip = clipAt(clips, at);
  const row = clip ? list.querySelector<HTMLLIElement>(`li[data-clip="${CSS.escape(clip.id)}"]`) : null;
  const button = row?.querySelector<HTMLButtonElement>('button.clip');
  if (!clip || !row || !button) {
    say(listArea, `no clip at ${timeOfDay(at, state.timeZone)} here: it may still be uploading, or was removed`);
    return;
  }
  activate(button, true);
  play(clip, row, button);
  row.scrollIntoView({ block: 'center' });
}

more.addEventListener('click', guard(listArea, async () => {
  if (!state.next) return;
  const page = await api<ClipPage>('GET', query(state.next));
  state.next = page.next;
  const first = list.children.length;
  list.append(...page.clips.map(renderRow));
  more.hidden = !page.next;
  updateSummary(list.children.length);
  activate(rowButtons()[first], true);
}));

const loadCameras = guard(listArea, async () => {
  const { devices } = await api<DeviceList>('GET', '/api/devices');
  const options = [el('option', { value: '', textContent: 'All cameras' }), ...devices.map((d) => el('option', { value: d.id, textContent: d.revoked ? `${d.name} (removed)` : d.name }))];
  cameraSelect.replaceChildren(...options);
  cameraSelect.value = devices.some((d) => d.id === state.camera) ? state.camera : '';
  state.camera = cameraSelect.value;
});

function goTo(day: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return fail(listArea, new Error('choose a day'));
  state.day = state.today && day > state.today ? state.today : day;
  void loadDay();
}

prev.addEventListener('click', () => goTo(shiftDay(state.day, -1)));
next.addEventListener('click', () => goTo(shiftDay(state.day, 1)));
dayInput.addEventListener('change', () => goTo(dayInput.value));
cameraSelect.addEventListener('change', () => {
  state.camera = cameraSelect.value;
  void loadDay();
});
labelSelect.addEventListener('change', () => {
  state.labels = labelSelect.value;
  void loadDay();
});

export const timelinePage: Page = {
  view: 'clips',
  label: 'Timeline',
  roles: FOOTAGE_ROLES,
  section,
  enter(link?: DeepLink) {
    if (link?.camera) state.camera = link.camera;
    if (link?.camera || link?.at) state.labels = '';
    labelSelect.value = state.labels;
    state.linkedAt = link?.at ?? null;
    void loadCameras().then(() => loadDay());
  },
  leave() {
    player.pause();
  },
};

import type { DeviceList, DeviceView } from '../../../../common/api/devices';
import type { ArmingEvent, ArmingEventList, ArmingSettings, Rules } from '../../../../common/api/arming';
import { api } from '../api';
import { describeCause, MODE_NAMES, type Mode } from '../armingPanel';
import { actionButton, el, fail, guard, headRow, onSubmit, pageSection, panel, say, scrollTable, when } from '../dom';
import type { Page } from '../page';
import {
  addDays,
  DAY_LONG,
  DAY_SHORT,
  daySegments,
  describeDays,
  localDate,
  quarterHours,
  scheduleWeek,
  weekStart,
  type CameraMotionRule,
  type DayColumn,
  type HomeRule,
  type LocalDate,
} from '../scheduleGrid';
import { hasRole } from '../session';

/*
 * Weekly schedules: the week as the rules paint it, the rules themselves, a form to add one
 * (owners), and the arming timeline. The coloured week is a picture only (aria-hidden); each
 * day also says its modes in words, and the rule list and form are the accessible way to
 * read and change the schedule.
 */

// Monday first, as most of the world reads a week (and the way the rule days are listed).
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0] as const;
const state = {
  rules: { rules: [], cameraRules: [] } as Rules,
  cameras: [] as DeviceView[],
  timeZone: 'UTC',
  weekOffset: 0,
  day: 0, // index into the shown week, for the one-day-at-a-time phone view
  dayPicked: false,
};

const modeClass = (mode: Mode | null): string => `m-${mode ?? 'none'}`;
const modeName = (mode: Mode | null): string => (mode ? MODE_NAMES[mode] : 'no schedule');
const cameraName = (id: string): string => state.cameras.find((c) => c.id === id)?.name ?? 'a removed camera';

function ruleText(rule: HomeRule | CameraMotionRule): string {
  const what = 'mode' in rule ? MODE_NAMES[rule.mode] : `${cameraName(rule.cameraId)}: motion ${rule.motion ? 'on' : 'off'}`;
  const days = describeDays(rule.days);
  return `${days[0]!.toUpperCase()}${days.slice(1)} at ${rule.at} → ${what}`;
}

/* ---------- The week ---------- */

const weekLabel = el('p', { id: 'schedule-week-label' });
const dayButtons = WEEK_ORDER.map((weekday, i) => {
  const b = el('button', { type: 'button', textContent: DAY_SHORT[weekday], title: DAY_LONG[weekday], 'data-day': String(i) });
  b.addEventListener('click', () => {
    state.day = i;
    state.dayPicked = true;
    drawWeek();
  });
  return b;
});
const dayTabs = el('div', { className: 'day-tabs', role: 'group', 'aria-label': 'Day to show' }, ...dayButtons);
const weekBox = el('div', { id: 'schedule-week', className: 'week' });
const legend = el('ul', { className: 'legend', 'aria-label': 'Colours of the week' },
  ...(['disarmed', 'armed_home', 'armed_away', 'privacy', null] as Array<Mode | null>).map((m) =>
    el('li', {}, el('span', { className: `swatch ${modeClass(m)}`, 'aria-hidden': 'true' }), m ? MODE_NAMES[m] : 'No schedule yet')),
  el('li', {}, el('span', { className: 'swatch missing', 'aria-hidden': 'true' }), 'Skipped by the clock change'),
  el('li', {}, el('span', { className: 'swatch fires', 'aria-hidden': 'true' }), 'A rule takes effect'));

const weekNav = el('div', { className: 'actions' });
for (const [label, delta] of [['Previous week', -1], ['This week', 0], ['Next week', 1]] as const) {
  const b = el('button', { type: 'button', textContent: label });
  b.addEventListener('click', () => {
    state.weekOffset = delta === 0 ? 0 : state.weekOffset + delta;
    drawWeek();
  });
  weekNav.append(b);
}

const weekPanel = panel('The week', weekLabel, weekNav, dayTabs, weekBox, legend);
weekPanel.id = 'schedule-week-panel';

function hourScale(): HTMLElement {
  return el('div', { className: 'hours', 'aria-hidden': 'true' }, ...['00', '06', '12', '18', '24'].map((h) => el('span', { textContent: h })));
}

function dayBlock(day: DayColumn, index: number): HTMLElement {
  const bar = el('div', { className: 'bar', 'aria-hidden': 'true' });
  for (const c of day.cells) {
    const classes = ['cell', c.missing ? 'missing' : modeClass(c.mode), c.fires.length ? 'fires' : ''].filter(Boolean).join(' ');
    bar.append(el('span', { className: classes, title: c.missing ? `${c.time} does not exist this day` : `${c.time} ${modeName(c.mode)}` }));
  }
  const { year, month, day: dom } = day.date;
  const dateText = new Date(Date.UTC(year, month - 1, dom)).toLocaleDateString(undefined, { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long' });
  const words = daySegments(day).map((s) => `${s.from}–${s.to} ${modeName(s.mode)}`).join('; ');
  const missing = day.cells.filter((c) => c.missing);
  const gap = missing.length ? ` (the clocks skip ${missing[0]!.time}–${quarterHours()[quarterHours().indexOf(missing.at(-1)!.time) + 1] ?? '24:00'})` : '';
  return el('div', { className: index === state.day ? 'day current' : 'day', 'data-day': String(index) },
    el('h4', { textContent: dateText }),
    hourScale(),
    bar,
    el('p', { className: 'segments', textContent: `${words}${gap}.` }));
}

function drawWeek(): void {
  const today = localDate(Date.now(), state.timeZone);
  const start = addDays(weekStart(today, 1), 7 * state.weekOffset);
  let days: DayColumn[];
  try {
    days = scheduleWeek(state.rules.rules, state.rules.cameraRules, state.timeZone, start);
  } catch (err) {
    fail(weekPanel, err);
    return;
  }
  const end: LocalDate = addDays(start, 6);
  const fmt = (d: LocalDate) => new Date(Date.UTC(d.year, d.month - 1, d.day)).toLocaleDateString(undefined, { timeZone: 'UTC', day: 'numeric', month: 'short' });
  weekLabel.textContent = `${fmt(start)} – ${fmt(end)}, in the home's time zone (${state.timeZone}).`;
  weekBox.textContent = '';
  days.forEach((d, i) => weekBox.append(dayBlock(d, i)));
  dayButtons.forEach((b, i) => b.setAttribute('aria-pressed', String(i === state.day)));
}

/* ---------- Rules ---------- */

const rulesList = el('ul', { id: 'rules', className: 'rows' });
const rulesPanel = panel('Rules', el('p', { id: 'rules-intro' }), rulesList);
rulesPanel.id = 'rules-panel';

function drawRules(): void {
  const owner = hasRole('owner');
  rulesList.textContent = '';
  const all: Array<HomeRule | CameraMotionRule> = [...state.rules.rules, ...state.rules.cameraRules];
  all.sort((a, b) => a.at.localeCompare(b.at) || describeDays(a.days).localeCompare(describeDays(b.days)));
  (rulesPanel.querySelector('#rules-intro') as HTMLElement).textContent = all.length === 0
    ? 'There are no rules: the mode changes only by hand or by geofencing.'
    : `Each rule switches at its time and holds until the next one${owner ? '' : '. Only an owner can change them'}.`;
  for (const rule of all) {
    const text = ruleText(rule);
    const item = el('li', { 'data-rule': rule.id }, el('div', { textContent: text }));
    if (owner) {
      item.append(actionButton(rulesPanel, 'Delete', `Delete rule: ${text}`, `Delete the rule "${text}"?`, async () => {
        await api('DELETE', `/api/arming/rules/${encodeURIComponent(rule.id)}`);
        return `Deleted: ${text}`;
      }, load));
    }
    rulesList.append(item);
  }
}

/* ---------- Adding a rule (owners) ---------- */

const dayChecks = WEEK_ORDER.map((weekday) => el('input', { type: 'checkbox', id: `rule-day-${weekday}`, value: String(weekday) }));
const daysBox = el('fieldset', { id: 'rule-days' },
  el('legend', { textContent: 'Days' }),
  ...dayChecks.map((box, i) => el('label', { className: 'check', htmlFor: box.id }, box, DAY_LONG[WEEK_ORDER[i]!])));
const presets = el('div', { className: 'actions' });
for (const [label, set] of [['Weekdays', [1, 2, 3, 4, 5]], ['Weekends', [0, 6]], ['Every day', [0, 1, 2, 3, 4, 5, 6]]] as const) {
  const b = el('button', { type: 'button', textContent: label, 'aria-label': `Select ${label.toLowerCase()}` });
  b.addEventListener('click', () => dayChecks.forEach((box) => { box.checked = (set as readonly number[]).includes(Number(box.value)); }));
  presets.append(b);
}
// defaultSelected, not value: signing out resets every form to its defaults.
const timeSelect = el('select', { id: 'rule-time' }, ...quarterHours().map((t) => el('option', { value: t, textContent: t, defaultSelected: t === '22:00' })));
const actionSelect = el('select', { id: 'rule-action' });
const ruleForm = el('form', { id: 'schedule-form', className: 'wide' },
  daysBox, presets,
  el('label', { htmlFor: 'rule-time', textContent: 'Time (15-minute steps)' }), timeSelect,
  el('label', { htmlFor: 'rule-action', textContent: 'Switch to' }), actionSelect,
  el('button', { type: 'submit', textContent: 'Add rule' }));
const formPanel = panel('Add a rule', el('p', { textContent: 'A rule switches the home (or one camera\'s motion recording) at a time of day, on the days you choose.' }), ruleForm);
formPanel.id = 'schedule-form-panel';

function fillActions(): void {
  const before = actionSelect.value;
  actionSelect.textContent = '';
  actionSelect.append(el('optgroup', { label: 'The home' }, ...(Object.keys(MODE_NAMES) as Mode[]).map((m) => el('option', { value: `mode:${m}`, textContent: MODE_NAMES[m] }))));
  for (const c of state.cameras.filter((x) => !x.revoked)) {
    actionSelect.append(el('optgroup', { label: `Camera ${c.name}` },
      el('option', { value: `camera:${c.id}:on`, textContent: `${c.name}: motion recording on` }),
      el('option', { value: `camera:${c.id}:off`, textContent: `${c.name}: motion recording off` })));
  }
  actionSelect.value = [...actionSelect.options].some((o) => o.value === before) ? before : 'mode:armed_home';
}

onSubmit(ruleForm, async () => {
  const days = dayChecks.filter((b) => b.checked).map((b) => Number(b.value));
  if (days.length === 0) throw new Error('choose at least one day');
  const [kind, id, on] = actionSelect.value.split(':');
  const body = kind === 'mode' ? { days, at: timeSelect.value, mode: id } : { days, at: timeSelect.value, cameraId: id, motion: on === 'on' };
  await api('POST', '/api/arming/rules', body);
  const added = actionSelect.selectedOptions[0]?.textContent ?? '';
  await load();
  say(ruleForm, `Added: ${describeDays(days)} at ${timeSelect.value} → ${added}`);
});

/* ---------- Timeline ---------- */

const eventsTable = el('table', { id: 'arming-events' });
const eventsPanel = panel('Arming timeline', el('p', { textContent: 'Each change of mode, newest first, with who or what made it.' }), scrollTable('Arming timeline', eventsTable));
eventsPanel.id = 'arming-events-panel';

function causeText(cause: ArmingEvent['cause']): string {
  if (cause.source === 'schedule') {
    const rule = state.rules.rules.find((r) => r.id === cause.ruleId);
    return rule ? `the schedule (${ruleText(rule)})` : 'the schedule (a rule since deleted)';
  }
  if (cause.source === 'default') return 'the hub (nothing set yet)';
  return describeCause(cause).replace(/^set by /, '');
}

const loadEvents = guard(eventsPanel, async () => {
  const { events } = await api<ArmingEventList>('GET', '/api/arming/events?limit=50');
  eventsTable.textContent = '';
  if (events.length === 0) {
    say(eventsPanel, 'The mode has not changed yet');
    return;
  }
  const body = el('tbody');
  for (const e of events) {
    body.append(el('tr', {}, el('td', { textContent: when(e.at) }), el('td', { textContent: MODE_NAMES[e.mode] ?? e.mode }), el('td', { textContent: causeText(e.cause) })));
  }
  eventsTable.append(headRow('When', 'Mode', 'Set by'), body);
});

/* ---------- The page ---------- */

const section = pageSection('schedules', 'Schedules', weekPanel, rulesPanel, formPanel, eventsPanel);

async function load(): Promise<void> {
  try {
    const [rules, settings, cams] = await Promise.all([
      api<Rules>('GET', '/api/arming/rules'),
      api<ArmingSettings>('GET', '/api/arming/settings'),
      api<DeviceList>('GET', '/api/devices'),
    ]);
    state.rules = rules;
    state.timeZone = settings.timeZone;
    state.cameras = cams.devices;
    if (!state.dayPicked) {
      // Today, in the home's zone, with Monday as index 0.
      const today = localDate(Date.now(), state.timeZone);
      state.day = (new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay() + 6) % 7;
    }
  } catch (err) {
    fail(weekPanel, err);
    return;
  }
  formPanel.hidden = !hasRole('owner');
  fillActions();
  drawWeek();
  drawRules();
  void loadEvents();
}

export const schedulesPage: Page = {
  view: 'schedules',
  label: 'Schedules',
  roles: ['owner', 'member'],
  section,
  enter() {
    state.dayPicked = false;
    state.weekOffset = 0;
    void load();
  },
};

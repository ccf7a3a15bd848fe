/*
 * Weekly schedules as transitions, the way a thermostat holds them: "weekdays at 22:00 →
 * armed_home" rather than "armed_home from 22:00 to 07:00". The mode at any moment is the last
 * transition before it, so a rule spanning midnight (armed_home at 22:00, disarmed at 07:00
 * the next day) needs nothing special: a lookup at 01:00 simply goes back to yesterday's 22:00.
 * Pure: every instant comes in as an argument, so the DST cases are testable with a fake clock.
 *
 * Rules are in the home's local time (IANA zone) on local weekdays, on 15-minute steps. Across
 * DST changes:
 *  - A rule whose local time does not exist (02:30 on the spring-forward night) fires once, at
 *    the first instant after the gap (03:00 local in Europe/Berlin and America/New_York). It
 *    is not skipped: skipping would leave the house in yesterday's mode for a whole day.
 *  - A rule in the repeated autumn hour (01:30 in New York, 02:30 in Berlin) fires once, at
 *    its FIRST occurrence. Firing twice would undo a manual change made in between.
 *  - Rules that land on the same instant (02:30 and 03:00 both at 03:00 on the spring night,
 *    or two rules at the same time) are ordered by their local time, then by their position in
 *    the list, and the last one takes effect: the owner's 03:00 rule is meant to follow 02:30.
 *
 * Local time is computed with Intl alone (no time-zone library): the zone's offset at an
 * instant is the difference between its wall clock there, read with formatToParts, and the
 * instant itself.
 */

import { isMode, MODES } from '../../common/modes';
import type { CameraRule, ScheduleRule } from '../../common/api/arming';

export type { CameraRule, ScheduleRule };

/** What occurrences() needs of a rule: both kinds above qualify. */
export interface WeeklyRule {
  id: string;
  days: number[];
  at: string;
}

export interface Occurrence<R> {
  at: number; // ms since epoch
  rule: R;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const STEP_MINUTES = 15;
// A weekly rule recurs within 7 days; 8 leaves room for a day shortened or lengthened by DST.
const LOOK_MS = 8 * DAY;

const DAY_NAMES = '0 = Sunday … 6 = Saturday';

function parseAt(at: string): { hour: number; minute: number } | null {
  const m = /^(\d{2}):(\d{2})$/.exec(at);
  if (!m) return null;
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

// The part of validation occurrences() relies on; the kind-specific fields are validateRule's.
function timingProblem(r: Record<string, unknown>): string | null {
  if (typeof r.id !== 'string' || r.id === '') return 'A rule needs a non-empty id.';
  const name = `Rule "${r.id}"`;
  const parsed = typeof r.at === 'string' ? parseAt(r.at) : null;
  if (parsed === null) return `${name}: the time ${JSON.stringify(r.at)} is not of the form HH:MM.`;
  if (parsed.hour > 23 || parsed.minute > 59) return `${name}: ${String(r.at)} is not a time of day (00:00 to 23:45).`;
  if (parsed.minute % STEP_MINUTES !== 0) return `${name}: ${String(r.at)} is not on a 15-minute step (minutes must be 00, 15, 30 or 45).`;
  if (!Array.isArray(r.days) || r.days.length === 0) return `${name}: it must apply on at least one day.`;
  for (const d of r.days as unknown[]) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > 6) return `${name}: day ${JSON.stringify(d)} is not a day of the week (${DAY_NAMES}).`;
  }
  return null;
}

/**
 * null when the rule is fine, else one sentence naming the problem. Takes unknown because rules
 * arrive from JSON; a rule with a cameraId is checked as a CameraRule, any other as a
 * ScheduleRule. A day listed twice is tolerated: it fires once.
 */
export function validateRule(r: unknown): string | null {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'A rule must be an object.';
  const rule = r as Record<string, unknown>;
  const problem = timingProblem(rule);
  if (problem !== null) return problem;
  const name = `Rule "${String(rule.id)}"`;
  if ('cameraId' in rule) {
    if (typeof rule.cameraId !== 'string' || rule.cameraId === '') return `${name}: it needs the id of its camera.`;
    if (typeof rule.motion !== 'boolean') return `${name}: motion must be true or false.`;
    return null;
  }
  if (!isMode(rule.mode)) return `${name}: unknown mode ${JSON.stringify(rule.mode)} (one of ${MODES.join(', ')}).`;
  return null;
}

// Constructing a DateTimeFormat costs far more than formatting with one, and a week of
// occurrences formats hundreds of times.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23', // 'h24' would print midnight as 24
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || tz === '') return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The zone's wall clock at instant t, expressed as if that wall time were UTC (to the second). */
export function wallClock(t: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(t)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year ?? NaN, (p.month ?? NaN) - 1, p.day ?? NaN, p.hour ?? NaN, p.minute ?? NaN, p.second ?? NaN);
}

function offsetAt(t: number, timeZone: string): number {
  return wallClock(t, timeZone) - Math.floor(t / SECOND) * SECOND;
}

/**
 * The instant (ms) at which the wall clock in timeZone shows year-month-day hour:minute
 * (month 1–12). A wall time that does not exist (DST gap) gives the first instant after the
 * gap; one that exists twice (DST overlap) gives the first of the two.
 */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // The true instant is within 14 h of `wall`, so these two sample the offsets on either side
  // of any DST change near it. Outside a change they agree and the first candidate is it.
  const earlier = wall - offsetAt(wall - DAY, timeZone);
  const later = wall - offsetAt(wall + DAY, timeZone);
  const fits = [earlier, later].filter((t) => wallClock(t, timeZone) === wall);
  if (fits.length > 0) return Math.min(...fits);

  // In a gap neither offset reproduces the wall time; the change itself lies between the two
  // candidates, and the instant of the change is the first one after the gap. Offsets change
  // on whole seconds, so the search runs in seconds.
  let lo = Math.min(earlier, later);
  let hi = Math.max(earlier, later);
  const before = offsetAt(lo, timeZone);
  while (hi - lo > SECOND) {
    const mid = lo + Math.floor((hi - lo) / (2 * SECOND)) * SECOND;
    if (offsetAt(mid, timeZone) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

interface Firing<R> {
  at: number;
  rule: R;
  minutes: number; // local minute of day the rule names, for ordering rules that collide
  index: number;
}

function byFiringOrder<R>(a: Firing<R>, b: Firing<R>): number {
  return a.at - b.at || a.minutes - b.minutes || a.index - b.index;
}

/**
 * All firing instants (epoch ms) of rules in [from, to), sorted, each with its rule. Throws a
 * RangeError for an invalid rule or time zone: rules are validated when saved, so one here is a
 * bug to surface, not a rule to skip silently.
 */
export function occurrences<R extends WeeklyRule>(rules: readonly R[], timeZone: string, from: number, to: number): Array<Occurrence<R>> {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`schedule: unknown time zone ${JSON.stringify(timeZone)}`);
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError(`schedule: from and to must be finite, got ${from} and ${to}`);
  const parsed = rules.map((rule, index) => {
    const problem = timingProblem(rule as unknown as Record<string, unknown>);
    if (problem !== null) throw new RangeError(`schedule: ${problem}`);
    const { hour, minute } = parseAt(rule.at)!;
    return { rule, index, hour, minute, days: new Set(rule.days) };
  });
  if (!(to > from) || parsed.length === 0) return [];

  // Local dates, as UTC midnights. One day of margin each side: in an overlap an instant after
  // `from` can show an earlier wall time than `from` does.
  const first = Math.floor(wallClock(from, timeZone) / DAY) * DAY - DAY;
  const last = Math.floor(wallClock(to, timeZone) / DAY) * DAY + DAY;

  // The offset sampled once a day, from the day before `first` to two days after `last`. A
  // date whose four surrounding samples agree has no DST change near it, so its wall times
  // convert with plain arithmetic; only the dates around a change pay for zonedInstant. This
  // keeps a decision to a few dozen Intl calls, which matters on a Pi.
  const samples: number[] = [];
  for (let t = first - DAY; t <= last + 2 * DAY; t += DAY) samples.push(offsetAt(t, timeZone));

  const found: Array<Firing<R>> = [];
  for (let i = 0, date = first; date <= last; i++, date += DAY) {
    const d = new Date(date);
    const weekday = d.getUTCDay();
    const near = samples.slice(i, i + 4);
    const steady = near.every((o) => o === near[0]) ? near[0] : undefined;
    const instants = new Map<number, number>(); // minute of day → instant, shared by rules at the same time
    for (const p of parsed) {
      if (!p.days.has(weekday)) continue;
      const minutes = p.hour * 60 + p.minute;
      let at = instants.get(minutes);
      if (at === undefined) {
        at = steady !== undefined ? date + minutes * MINUTE - steady : zonedInstant(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), p.hour, p.minute, timeZone);
        instants.set(minutes, at);
      }
      if (at >= from && at < to) found.push({ at, rule: p.rule, minutes, index: p.index });
    }
  }
  return found.sort(byFiringOrder).map(({ at, rule }) => ({ at, rule }));
}

/** The latest occurrence at or before `now` (looking back up to 8 days), or null. */
export function lastTransition<R extends WeeklyRule>(rules: readonly R[], timeZone: string, now: number): Occurrence<R> | null {
  return occurrences(rules, timeZone, now - LOOK_MS, now + 1).at(-1) ?? null;
}

/**
 * The next occurrence after `now` (up to 8 days ahead), or null. When several rules fire at
 * that instant, the one that takes effect: the last in firing order, as lastTransition would
 * report it once the instant has passed.
 */
export function nextTransition<R extends WeeklyRule>(rules: readonly R[], timeZone: string, now: number): Occurrence<R> | null {
  const ahead = occurrences(rules, timeZone, now + 1, now + LOOK_MS + 1);
  const first = ahead[0];
  if (first === undefined) return null;
  return ahead.filter((o) => o.at === first.at).at(-1) ?? first;
}

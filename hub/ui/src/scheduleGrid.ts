import { occurrences, zonedInstant, type WeeklyRule } from '../../arming/schedule';
import type { Mode } from '../../../common/modes';
import type { CameraRule, ScheduleRule } from '../../../common/api/arming';

/*
 * What the Schedules page draws: one real calendar week in the home's time zone, 7 days of
 * 96 quarter-hours, each with the mode the weekly rules put in force there. Computed from the
 * same occurrences() the hub's arming decision uses, so the picture cannot disagree with what
 * the house will do — across DST too. No DOM here: the main tsconfig compiles it for its
 * unit tests, the UI bundle for the page.
 *
 * DST, as the grid shows it (see docs/arming.md for how rules fire):
 *  - quarter-hours that do not exist on the spring-forward night are marked `missing`; a
 *    rule set inside the gap shows firing in the first quarter-hour after it;
 *  - the repeated autumn hour is drawn once (a week is always 7 × 96 cells), with the mode
 *    of its first pass, which is when a rule set inside it fires.
 */

export const STEP_MINUTES = 15;
export const SLOTS_PER_DAY = (24 * 60) / STEP_MINUTES;

const DAY_MS = 24 * 3600 * 1000;
// The hub's decision looks back 8 days for the last transition; so does the grid.
const LOOK_BACK_MS = 8 * DAY_MS;

export const DAY_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
export const DAY_LONG = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** The rules as GET /api/arming/rules lists them. */
export type HomeRule = ScheduleRule;
export type CameraMotionRule = CameraRule;

/** A calendar date in the home's zone (month 1–12). */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface Cell {
  /** 'HH:MM' wall time of the quarter-hour's start. */
  time: string;
  /** The instant the quarter-hour starts (for a missing one: the end of the gap). */
  at: number;
  /** The mode the home rules have in force as the quarter-hour starts; null without home rules. */
  mode: Mode | null;
  /** This wall time does not exist on this date (the clocks jump over it). */
  missing: boolean;
  /** Ids of the rules (home or camera) that fire within this quarter-hour, in firing order. */
  fires: string[];
}

export interface DayColumn {
  date: LocalDate;
  weekday: number; // 0 = Sunday
  cells: Cell[];
}

export interface Segment {
  from: string;
  /** 'HH:MM', or '24:00' for the end of the day. */
  to: string;
  mode: Mode | null;
}

const pad = (n: number): string => String(n).padStart(2, '0');

export function slotTime(slot: number): string {
  const minutes = slot * STEP_MINUTES;
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** Every time a rule may name: '00:00', '00:15' … '23:45'. */
export function quarterHours(): string[] {
  return Array.from({ length: SLOTS_PER_DAY }, (_, i) => slotTime(i));
}

export function weekdayOf(d: LocalDate): number {
  return new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
}

export function addDays(d: LocalDate, n: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** The date at instant `now` in `timeZone`. */
export function localDate(now: number, timeZone: string): LocalDate {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** The latest date on or before `d` that falls on `firstDay` (0 = Sunday, 1 = Monday). */
export function weekStart(d: LocalDate, firstDay: number): LocalDate {
  return addDays(d, -((weekdayOf(d) - firstDay + 7) % 7));
}

/**
 * The week of 7 days from `start` in `timeZone`, with the mode in force in each quarter-hour.
 * Throws a RangeError for an unknown zone or an invalid rule, as occurrences() does.
 */
export function scheduleWeek(homeRules: readonly HomeRule[], cameraRules: readonly CameraMotionRule[], timeZone: string, start: LocalDate): DayColumn[] {
  const starts: number[][] = [];
  for (let i = 0; i < 7; i++) {
    const date = addDays(start, i);
    // Slot 96 is the next midnight; Date.UTC inside zonedInstant rolls hour 24 over.
    starts.push(Array.from({ length: SLOTS_PER_DAY + 1 }, (_, s) => zonedInstant(date.year, date.month, date.day, 0, s * STEP_MINUTES, timeZone)));
  }
  const weekFrom = starts[0]![0]!;
  const weekTo = starts[6]![SLOTS_PER_DAY]!;
  const homeFirings = occurrences(homeRules, timeZone, weekFrom - LOOK_BACK_MS, weekTo);
  const allFirings = occurrences<WeeklyRule>([...homeRules, ...cameraRules], timeZone, weekFrom, weekTo);

  let h = 0;
  let a = 0;
  let mode: Mode | null = null;
  const days: DayColumn[] = [];
  for (let i = 0; i < 7; i++) {
    const date = addDays(start, i);
    const cells: Cell[] = [];
    const bounds = starts[i]!;
    for (let s = 0; s < SLOTS_PER_DAY; s++) {
      const at = bounds[s]!;
      const end = bounds[s + 1]!;
      while (h < homeFirings.length && homeFirings[h]!.at <= at) mode = homeFirings[h++]!.rule.mode;
      const fires: string[] = [];
      while (a < allFirings.length && allFirings[a]!.at < end) {
        if (allFirings[a]!.at >= at) fires.push(allFirings[a]!.rule.id);
        a++;
      }
      cells.push({ time: slotTime(s), at, mode, missing: end === at, fires });
    }
    days.push({ date, weekday: weekdayOf(date), cells });
  }
  return days;
}

/** A day as runs of one mode ('00:00–07:00 disarmed'), the text twin of the coloured row. */
export function daySegments(day: DayColumn): Segment[] {
  const segments: Segment[] = [];
  day.cells.forEach((cell, s) => {
    if (cell.missing) return;
    const last = segments.at(-1);
    if (last && last.mode === cell.mode) last.to = slotTime(s + 1);
    else segments.push({ from: cell.time, to: slotTime(s + 1), mode: cell.mode });
  });
  const last = segments.at(-1);
  if (last && last.to === slotTime(SLOTS_PER_DAY)) last.to = '24:00';
  return segments;
}

/** 'every day', 'weekdays', 'weekends', or 'Mon, Wed, Fri' (Monday first, as a week is read). */
export function describeDays(days: readonly number[]): string {
  const set = new Set(days);
  const has = (...ds: number[]) => ds.every((d) => set.has(d));
  if (set.size === 7) return 'every day';
  if (set.size === 5 && has(1, 2, 3, 4, 5)) return 'weekdays';
  if (set.size === 2 && has(0, 6)) return 'weekends';
  return [1, 2, 3, 4, 5, 6, 0].filter((d) => set.has(d)).map((d) => DAY_SHORT[d]).join(', ');
}

import { OBJECT_LABELS, type ObjectLabel } from '../common/detection';
import { isValidTimeZone, zonedInstant } from './arming/schedule';

/*
 * What a timeline request asks for, checked and turned into a time window. Pure: the home's
 * time zone comes in as an argument, so days across DST changes are testable without a hub.
 *
 * A day is the home's calendar day (the arming settings' time zone), not the browser's or the
 * Pi's: a clip at 23:30 in Berlin belongs to that evening for everyone in the household. A day
 * is [local midnight, next local midnight), so it is 23 or 25 hours long across a DST change.
 *
 * Paging is by cursor: `before` is the `next` of the previous page, "<startedAt>_<clip id>", so
 * clips that started in the same millisecond are neither skipped nor shown twice. A bare
 * number (the older API) still works and means "started before this time".
 */

export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 200;

export interface RawTimelineQuery {
  camera?: string;
  day?: string;
  from?: string;
  to?: string;
  before?: string;
  limit?: string;
  labels?: string;
}

export interface TimelineQuery {
  camera: string | null;
  /** Inclusive start, ms. */
  from: number | null;
  /** Exclusive end, ms. */
  to: number | null;
  before: { startedAt: number; id: string | null } | null;
  limit: number;
  /** The day asked for, when the window is a day. */
  day: string | null;
  /** Only clips holding one of these (counted by the camera's settings); none: every clip. */
  labels: ObjectLabel[];
}

export class TimelineQueryError extends Error {}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS = /^\d{1,15}$/;
const CURSOR = /^(\d{1,15})(?:_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))?$/;
const CAMERA = /^[0-9a-f-]{36}$/;

function refuse(message: string): never {
  throw new TimelineQueryError(message);
}

/** The local calendar day of instant `t` in `timeZone`, as YYYY-MM-DD. */
export function localDay(t: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(t);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** [start, end) of a local calendar day; throws a TimelineQueryError for a day that is not one. */
export function dayWindow(day: string, timeZone: string): { from: number; to: number } {
  const m = DAY.exec(day);
  if (!m) refuse('day must be a date written YYYY-MM-DD, like 2026-11-22');
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.UTC rolls 2026-02-30 over to March: a day that does not round-trip does not exist.
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1970 || probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) refuse(`${day} is not a date in the calendar`);
  const next = new Date(Date.UTC(y, mo - 1, d + 1));
  return {
    from: zonedInstant(y, mo, d, 0, 0, timeZone),
    to: zonedInstant(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, timeZone),
  };
}

function millis(name: string, value: string): number {
  if (!MS.test(value)) refuse(`${name} must be a time in milliseconds since 1970 (a whole number)`);
  return Number(value);
}

/** Checks a timeline request's query parameters; every refusal says which parameter is wrong and how. */
export function parseTimelineQuery(raw: RawTimelineQuery, timeZone: string): TimelineQuery {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`timeline: unknown time zone ${JSON.stringify(timeZone)}`);
  const q: TimelineQuery = { camera: null, from: null, to: null, before: null, limit: DEFAULT_PAGE, day: null, labels: [] };
  if (raw.camera !== undefined) {
    if (!CAMERA.test(raw.camera)) refuse('camera must be the id of a camera');
    q.camera = raw.camera;
  }
  if (raw.day !== undefined) {
    if (raw.from !== undefined || raw.to !== undefined) refuse('ask for a day or for from/to, not both');
    ({ from: q.from, to: q.to } = dayWindow(raw.day, timeZone));
    q.day = raw.day;
  } else {
    if (raw.from !== undefined) q.from = millis('from', raw.from);
    if (raw.to !== undefined) q.to = millis('to', raw.to);
    if (q.from !== null && q.to !== null && q.to <= q.from) refuse('to must be later than from');
  }
  if (raw.before !== undefined) {
    const m = CURSOR.exec(raw.before);
    if (!m) refuse('before must be the next cursor of the previous page (or a time in milliseconds)');
    q.before = { startedAt: Number(m[1]), id: m[2] ?? null };
  }
  if (raw.limit !== undefined) {
    if (!/^\d{1,4}$/.test(raw.limit) || Number(raw.limit) < 1 || Number(raw.limit) > MAX_PAGE) refuse(`limit must be a whole number from 1 to ${MAX_PAGE}`);
    q.limit = Number(raw.limit);
  }
  if (raw.labels !== undefined) q.labels = parseLabels(raw.labels);
  return q;
}

/** "person" or "person,vehicle": each a label the detector gives, named once. */
export function parseLabels(raw: string): ObjectLabel[] {
  const names = raw.split(',').map((n) => n.trim());
  const labels: ObjectLabel[] = [];
  for (const name of names) {
    if (!(OBJECT_LABELS as readonly string[]).includes(name)) {
      refuse(`labels must be ${OBJECT_LABELS.join(', ')} or several of them separated by commas; ${JSON.stringify(name.slice(0, 32))} is not one`);
    }
    const label = name as ObjectLabel;
    if (!labels.includes(label)) labels.push(label);
  }
  return labels;
}

/** The cursor of the page after one that ended with this clip. */
export function cursorAfter(clip: { startedAt: number; id: string }): string {
  return `${clip.startedAt}_${clip.id}`;
}

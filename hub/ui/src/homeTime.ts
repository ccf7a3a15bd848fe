/*
 * Times as the household reads them: in the home's time zone (the arming settings', which the
 * hub sends with its answers), so a clip at 23:30 shows on the same day for everyone, whatever
 * the zone of the phone looking at it.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

function format(key: string, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let f = formats.get(`${key}|${timeZone}`);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, { timeZone, ...options });
    formats.set(`${key}|${timeZone}`, f);
  }
  return f;
}

/** "22 Nov 2026, 14:03". */
export function dateTime(ms: number, timeZone: string): string {
  return format('dt', timeZone, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

/** "14:03:05". */
export function timeOfDay(ms: number, timeZone: string): string {
  return format('t', timeZone, { timeStyle: 'medium' }).format(ms);
}

/** The browser's own clock time, for "as of" notes. */
export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString();
}

/** "Sunday, 22 November 2026" for a YYYY-MM-DD day (a calendar day: no zone shifts it). */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return format('day', 'UTC', { dateStyle: 'full' }).format(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1));
}

/** The day before or after a YYYY-MM-DD day. */
export function shiftDay(day: string, by: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + by)).toISOString().slice(0, 10);
}

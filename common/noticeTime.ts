/*
 * Times in notices as the household reads them: in the home's time zone (the arming settings'),
 * through Intl, never with hand-written offsets. A short "14:32" for titles, which names the zone
 * only in the hour a DST change repeats ("01:30 EDT" and "01:30 EST" are an hour apart); a full
 * date with the zone for mail, which is read later and perhaps elsewhere. A hub that does not
 * know its zone (or a zone name Intl does not know) says UTC plainly rather than guess.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

function format(locale: string, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone, ...options });
    formats.set(key, f);
  }
  return f;
}

/** The zone if Intl knows it, else null. */
function knownZone(timeZone: string | null): string | null {
  if (!timeZone) return null;
  try {
    format('en-GB', timeZone, { hour: '2-digit' });
    return timeZone;
  } catch {
    return null;
  }
}

function part(f: Intl.DateTimeFormat, at: number, type: Intl.DateTimeFormatPartTypes): string {
  return f.formatToParts(at).find((p) => p.type === type)?.value ?? '';
}

/** The zone's offset from UTC at `at`, in minutes, as Intl reports it ("GMT-05:00"). */
export function zoneOffsetMinutes(at: number, timeZone: string): number {
  const name = part(format('en-US', timeZone, { timeZoneName: 'longOffset' }), at, 'timeZoneName');
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** "EST", "CEST", "BST"; where neither English usage has a name, the offset ("GMT+10"). */
export function zoneAbbreviation(at: number, timeZone: string): string {
  const us = part(format('en-US', timeZone, { timeZoneName: 'short' }), at, 'timeZoneName');
  if (/^[A-Z]{2,5}$/.test(us)) return us;
  const gb = part(format('en-GB', timeZone, { timeZoneName: 'short' }), at, 'timeZoneName');
  return /^[A-Z]{2,5}$/.test(gb) ? gb : us;
}

const HOUR_MS = 3_600_000;

/** Whether the wall-clock minute of `at` also happens at another instant (the hour a DST change repeats). */
export function repeatedWallClock(at: number, timeZone: string): boolean {
  const here = zoneOffsetMinutes(at, timeZone);
  for (const probe of [at - 3 * HOUR_MS, at + 3 * HOUR_MS]) {
    const other = zoneOffsetMinutes(probe, timeZone);
    if (other === here) continue;
    // The instant whose wall clock would read the same under the other offset.
    const twin = at + (here - other) * 60_000;
    if (twin !== at && zoneOffsetMinutes(twin, timeZone) === other) return true;
  }
  return false;
}

const hhmm = (at: number, tz: string) => format('en-GB', tz, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

/** "14:32" in the home's time zone; "01:30 EDT" in a repeated hour; "14:32 UTC" when the hub does not know its zone. */
export function alertTime(at: number, timeZone: string | null): string {
  const tz = knownZone(timeZone);
  if (!tz) return `${hhmm(at, 'UTC')} UTC`;
  return repeatedWallClock(at, tz) ? `${hhmm(at, tz)} ${zoneAbbreviation(at, tz)}` : hhmm(at, tz);
}

/** "Sun, 6 Dec 2026, 14:32 EST": a notice's time in full, for mail and the notices list. */
export function noticeDateTime(at: number, timeZone: string | null): string {
  const tz = knownZone(timeZone) ?? 'UTC';
  const day = format('en-GB', tz, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }).format(at);
  return `${day}, ${hhmm(at, tz)} ${tz === 'UTC' ? 'UTC' : zoneAbbreviation(at, tz)}`;
}

/*
 * How times and sizes read on the settings pages. No DOM: unit-tested from the main tsconfig.
 */

const UNITS: Array<[number, string]> = [
  [86400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
];

/** A length of time in its largest whole unit: '3 hours', '1 day', 'less than a minute'. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  for (const [size, name] of UNITS) {
    if (s >= size) {
      const n = Math.floor(s / size);
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return 'less than a minute';
}

/** How long ago `at` was: '5 minutes ago', 'just now', or 'never' when there is no time. */
export function ago(at: number | null, now = Date.now()): string {
  if (at === null) return 'never';
  const s = (now - at) / 1000;
  return s < 60 ? 'just now' : `${duration(s)} ago`;
}

/** Bytes the way a disk is sold (SI, 1000): '12.3 GB', '870 MB'; the one formatter every page uses. */
export function bytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} bytes` : `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** Whole days from `now` until `at` (negative once past). */
export function daysUntil(at: number, now = Date.now()): number {
  return Math.floor((at - now) / 86_400_000);
}

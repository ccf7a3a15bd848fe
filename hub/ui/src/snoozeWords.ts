/*
 * How a snooze reads in the Notifications panel: what it quiets and for how long yet.
 * No DOM: unit-tested.
 */

import type { Snooze, SnoozeLength } from '../../../common/api/push';

export const SNOOZE_CHOICES: ReadonlyArray<{ value: SnoozeLength; text: string }> = [
  { value: '30m', text: '30 min' },
  { value: '1h', text: '1 hour' },
  { value: '4h', text: '4 hours' },
  { value: 'disarmed', text: 'Until disarmed' },
];

/** "1 h 5 min left", "4 min left", "less than a minute left". */
export function timeLeft(until: number, now: number): string {
  const minutes = Math.ceil((until - now) / 60_000);
  if (minutes <= 1) return until > now ? 'less than a minute left' : 'ending now';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h ? `${h} h` : ''}${h && m ? ' ' : ''}${m ? `${m} min` : ''} left`;
}

/** "All notifications: snoozed, 25 min left (until 14:30)" / "Porch: snoozed until the home is disarmed". */
export function snoozeWords(s: Snooze, now: number, cameraName: (id: string) => string, clock: (ms: number) => string): string {
  const what = s.camera === null ? 'All motion notifications' : cameraName(s.camera);
  if (s.until === null) return `${what}: snoozed until the home is next disarmed`;
  return `${what}: snoozed, ${timeLeft(s.until, now)} (until ${clock(s.until)})`;
}

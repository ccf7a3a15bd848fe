import type { NotificationPrefs } from '../common/api/alerts';
import type { Mode } from '../common/protocol';
import { SNOOZE_LENGTHS, type Snooze, type SnoozeLength } from '../common/api/push';

/*
 * Who is told about what, as pure functions of (preferences, event, last notice, now), so
 * every rule is table-tested without a database, a mailer or a clock.
 *
 * The per-camera cooldown is Blink's retrigger idea applied to messages: a cat pacing in
 * front of the porch camera keeps the clip recording, but the homeowner hears about it once,
 * not fifty times.
 */

export type { NotificationPrefs, Snooze, SnoozeLength };

// Motion while someone is home and disarmed is mostly the household itself, so the default is
// quiet until the home is armed; arming changes are rare and always worth knowing about.
export const DEFAULT_PREFS: Readonly<NotificationPrefs> = Object.freeze({ motion: 'armed', arming: true, cameras: 'all' });

const FIELDS = ['motion', 'arming', 'cameras'] as const;
const MOTION_CHOICES = ['all', 'armed', 'none'] as const;

/**
 * Preferences arrive from JSON bodies and stored settings, so this takes anything. A missing
 * field takes its default, so preferences saved before a field existed keep working; an unknown
 * or ill-typed field is refused rather than dropped, so a typo in the UI or API surfaces instead
 * of silently leaving the default in force.
 */
export function parsePrefs(v: unknown): NotificationPrefs {
  if (v === undefined || v === null) return { ...DEFAULT_PREFS };
  if (typeof v !== 'object' || Array.isArray(v)) throw new RangeError('notification preferences must be an object');
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw new RangeError(`notification preferences: unknown field "${key}"`);
  }

  let motion = DEFAULT_PREFS.motion;
  if (o.motion !== undefined) {
    if (typeof o.motion !== 'string' || !(MOTION_CHOICES as readonly string[]).includes(o.motion)) {
      throw new RangeError(`notification preferences: "motion" must be one of ${MOTION_CHOICES.join(', ')}`);
    }
    motion = o.motion as NotificationPrefs['motion'];
  }

  let arming = DEFAULT_PREFS.arming;
  if (o.arming !== undefined) {
    if (typeof o.arming !== 'boolean') throw new RangeError('notification preferences: "arming" must be true or false');
    arming = o.arming;
  }

  let cameras: NotificationPrefs['cameras'] = DEFAULT_PREFS.cameras;
  if (o.cameras !== undefined) {
    if (o.cameras === 'all') cameras = 'all';
    else if (Array.isArray(o.cameras) && o.cameras.every((c): c is string => typeof c === 'string' && c.length > 0)) {
      cameras = [...new Set(o.cameras)];
    } else {
      throw new RangeError('notification preferences: "cameras" must be "all" or a list of camera ids');
    }
  }

  return { motion, arming, cameras };
}

export interface MotionNotifyInput {
  prefs: NotificationPrefs;
  cameraId: string;
  mode: Mode;
  /** The camera's own flag: motion that continues an event already being recorded. */
  retrigger: boolean;
  /** When this user was last notified about this camera's motion, or null if never. */
  lastSentAt: number | null;
  cooldownMs: number;
  now: number;
  /** This user's snoozes; none given: nothing snoozed. */
  snoozes?: readonly Snooze[];
}

/** Whether one user should be told about the start of motion on one camera. */
export function shouldNotifyMotion(p: MotionNotifyInput): boolean {
  // Privacy means the household asked the cameras to look away; a notice would say they did not.
  if (p.mode === 'privacy') return false;
  if (p.prefs.motion === 'none') return false;
  if (p.prefs.motion === 'armed' && p.mode !== 'armed_home' && p.mode !== 'armed_away') return false;
  if (p.prefs.cameras !== 'all' && !p.prefs.cameras.includes(p.cameraId)) return false;
  // The event it continues was already announced (or deliberately not); this adds nothing new.
  if (p.retrigger) return false;
  if (p.snoozes && isSnoozed(p.snoozes, p.cameraId, p.now)) return false;
  if (p.lastSentAt !== null && p.cooldownMs > 0) {
    // Distance, not difference: if the wall clock steps backwards past the last notice, a plain
    // difference would stay negative and mute the camera until the clock caught up, possibly
    // for hours. With the distance, one notice gets through, and the cooldown restarts from it.
    if (Math.abs(p.now - p.lastSentAt) < p.cooldownMs) return false;
  }
  return true;
}

/*
 * Snooze (Blink's): a user silences every notification, or one camera's, for a while or until
 * the home is next disarmed. Stored as { camera, until }; these decide without I/O.
 */

const SNOOZE_MS: Record<Exclude<SnoozeLength, 'disarmed'>, number> = { '30m': 30 * 60_000, '1h': 60 * 60_000, '4h': 4 * 60 * 60_000 };

/** When a snooze chosen now ends (null: at the next disarm); throws a RangeError naming the choices for anything else. */
export function snoozeEnd(length: string, now: number): number | null {
  if (!(SNOOZE_LENGTHS as readonly string[]).includes(length)) throw new RangeError(`snooze: "for" must be one of ${SNOOZE_LENGTHS.join(', ')}`);
  if (length === 'disarmed') return null;
  return now + SNOOZE_MS[length as Exclude<SnoozeLength, 'disarmed'>];
}

/** Whether a notice about `cameraId` (null: not about one camera, e.g. an arming change) is snoozed. */
export function isSnoozed(snoozes: readonly Snooze[], cameraId: string | null, now: number): boolean {
  return snoozes.some((s) => (s.camera === null || s.camera === cameraId) && (s.until === null || now < s.until));
}

/** The snoozes still in force: timed ones not yet over; 'until disarmed' ones unless the home has just been disarmed. */
export function snoozesInForce(snoozes: readonly Snooze[], now: number, disarmedNow = false): Snooze[] {
  return snoozes.filter((s) => (s.until === null ? !disarmedNow : now < s.until));
}

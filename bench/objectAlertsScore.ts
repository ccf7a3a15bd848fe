import { DEFAULT_PREFS, shouldNotifyMotion } from '../hub/notificationPolicy';

/*
 * Scoring for the object-alerts benchmark (bench/objectAlertsBench.ts), pure: which of the
 * alerts a system would have sent survive the hub's per-camera cooldown, and which of them
 * were about a person. Times are seconds of footage time (0 = the file's first frame).
 */

/** When a labelled person is in view, in footage seconds. */
export interface Span {
  start: number;
  end: number;
}

/** An alert a system would send: when, and the motion event it is about. */
export interface CandidateAlert {
  /** When the alert goes out. */
  at: number;
  /** The motion event it is about (its end is unknown when the footage ended first). */
  eventStart: number;
  eventEnd: number | null;
}

/**
 * Motion noticed this close to a person's span still counts as theirs: a walker's first
 * steps into the frame and the last out of it are in no label, and the camera's clock and
 * the file's are matched to about a frame or two (bench/objectAlertsBench.ts).
 */
export const PERSON_TOLERANCE_SECONDS = 1;

/**
 * The alerts that would reach a user, in time order: the hub's own rule
 * (hub/notificationPolicy.ts `shouldNotifyMotion`) with prefs "motion: all", so that only the
 * cooldown decides. A cooldown of 0 keeps every alert.
 */
export function afterCooldown<T extends CandidateAlert>(alerts: readonly T[], cooldownSeconds: number): T[] {
  if (!Number.isFinite(cooldownSeconds) || cooldownSeconds < 0) throw new Error(`cooldownSeconds must be 0 or more, not ${cooldownSeconds}`);
  const sent: T[] = [];
  let lastSentAt: number | null = null;
  for (const a of [...alerts].sort((x, y) => x.at - y.at)) {
    const now = a.at * 1000;
    const ok = shouldNotifyMotion({ prefs: { ...DEFAULT_PREFS, motion: 'all' }, cameraId: 'bench', mode: 'armed_away', retrigger: false, lastSentAt, cooldownMs: cooldownSeconds * 1000, now });
    if (!ok) continue;
    lastSentAt = now;
    sent.push(a);
  }
  return sent;
}

/**
 * Whether the alert's motion event was a labelled person: the event (from its start to its
 * end, or to the end of the footage when it never ended) meets a person's span widened by
 * the tolerance.
 */
export function wasPerson(alert: CandidateAlert, persons: readonly Span[], footageSeconds: number, tolerance = PERSON_TOLERANCE_SECONDS): boolean {
  const end = alert.eventEnd ?? footageSeconds;
  return persons.some((p) => alert.eventStart <= p.end + tolerance && end >= p.start - tolerance);
}

export interface AlertCount {
  alerts: number;
  /** Of them, about a labelled person. */
  people: number;
}

export function countAlerts(alerts: readonly CandidateAlert[], persons: readonly Span[], footageSeconds: number, cooldownSeconds: number): AlertCount {
  const sent = afterCooldown(alerts, cooldownSeconds);
  return { alerts: sent.length, people: sent.filter((a) => wasPerson(a, persons, footageSeconds)).length };
}

export function addCounts(a: AlertCount, b: AlertCount): AlertCount {
  return { alerts: a.alerts + b.alerts, people: a.people + b.people };
}

/** The motion event an alert sent at `at` is about: the latest that started at or before it. */
export function eventOf<E extends { start: number }>(events: readonly E[], at: number): E | null {
  let found: E | null = null;
  for (const e of events) if (e.start <= at && (!found || e.start >= found.start)) found = e;
  return found;
}

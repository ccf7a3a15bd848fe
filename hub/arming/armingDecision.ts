/*
 * The armed state as a pure function of (rules, inputs, now). Nothing here is stored: the hub
 * keeps only the last manual change, the last household transition and the rules, and asks
 * again whenever one of them changes or a scheduled transition comes due. That is what makes
 * "a manual change holds until the next scheduled transition" true without a timer to cancel.
 *
 * The decision is a replay. The events are the last manual change, the last household
 * transition (only when geofencing is enabled and the household is someone-home → disarmed or
 * all-away → armed_away), and every home-rule transition of the last 8 days up to and
 * including now. They are applied oldest first to a state that starts as disarmed (cause
 * 'default', since 0); at the same instant schedule goes first, then geofence, then manual,
 * so a person's act at the instant a rule fires is the later intent. Each event sets the state
 * to its mode, cause and time, except as follows:
 *
 *  a. Privacy beats everything.
 *     - After a manual 'privacy' nothing changes the state: it holds until the next MANUAL
 *       change (which replaces the manual input, so it is a later replay).
 *     - A schedule rule may set privacy too. A geofence transition after it changes nothing,
 *       in either direction and whatever geofenceBeatsSchedule says; the next schedule
 *       transition or a manual change ends it.
 *  b. Otherwise the most recent event wins: a manual change holds until the next scheduled
 *     transition or the next geofence transition, whichever comes first.
 *  c. Geofence beats schedule: when geofenceBeatsSchedule is true and the household is
 *     all-away, a non-privacy schedule transition after the departure does not set its own
 *     mode. If the house is armed_away by the departure, it changes nothing (since stays the
 *     departure). If something interrupted that since — a manual change (the neighbour who
 *     disarms to water the plants) or a privacy rule — the transition ends the interruption,
 *     as any scheduled transition ends a manual change, and the house goes back to
 *     armed_away, cause geofence, since that transition. With someone home the schedule
 *     applies as in b: the 22:00 armed_home rule still arms the night mode after an arrival
 *     at 18:00. When geofenceBeatsSchedule is false the latest wins as in b.
 *  d. With no event at all: disarmed, cause 'default', since 0.
 *  e. since = the time of the event that set the current state (in b, the winning cause's
 *     time). nextScheduledAt = the next home-rule transition after now, or null; it is
 *     reported even when a or c will hold the mode through it.
 *  f. Cameras: motion = the more recent of the camera's manual switch and its last camera-rule
 *     transition (a tie goes to the switch; on when neither exists). record = the mode is in
 *     the camera's armedIn and motion is on and the mode is not privacy. live = the mode is not
 *     privacy. armedIn is passed through, so the decision says what the camera is set to.
 *
 * A manual change or household transition time later than `now` is taken as having happened
 * (it is "the last change", and a clock stepped back by NTP must not undo a button press).
 * An invalid time zone or rule throws a RangeError: both are validated when saved.
 */

import type { ArmingDecision, CameraDecision, Cause } from '../../common/api/arming';
import type { Household } from './geofence';
import type { Mode } from '../../common/protocol';
import type { ArmableMode } from '../../common/armedIn';
import { isValidTimeZone, lastTransition, nextTransition, occurrences, type CameraRule, type ScheduleRule } from './schedule';

export type { ArmingDecision, CameraDecision, Cause };

export interface ArmingInputs {
  timeZone: string;
  rules: ScheduleRule[];
  cameraRules: CameraRule[];
  /** The last manual change of the home's mode (privacy included). */
  manual: { mode: Mode; at: number; by: string } | null;
  /**
   * The last change of the household's presence (someone-home ⇄ all-away); `member` is who
   * arrived or left last. 'unknown' means no such change is known, and contributes nothing.
   * The caller should keep the last known side when members merely go stale rather than write
   * 'unknown': otherwise phones falling silent after a departure would drop armed_away back to
   * the schedule.
   */
  geofence: { enabled: boolean; household: Household; since: number; member: string | null };
  geofenceBeatsSchedule: boolean; // owner's choice, default true
  /** Per camera: its manual motion switch (with when), and in which modes it records. */
  cameras: Array<{ id: string; motion: { on: boolean; at: number } | null; armedIn: ArmableMode[] }>;
}


interface State {
  mode: Mode;
  cause: Cause;
  since: number;
}

type ArmingEvent =
  | { kind: 'schedule'; at: number; rule: ScheduleRule }
  | { kind: 'geofence'; at: number; mode: Mode; member: string | null }
  | { kind: 'manual'; at: number; mode: Mode; by: string };

// Order at the same instant: the later in this list is applied last, so it wins.
const SAME_INSTANT_ORDER: Record<ArmingEvent['kind'], number> = { schedule: 0, geofence: 1, manual: 2 };

// As far back as lastTransition looks. Every weekly rule fires within it, so mode and cause come
// out exact; only a `since` that rule c set more than 8 days ago can come out later than it was.
const LOOK_BACK_MS = 8 * 86_400_000;

function homeMode(inputs: ArmingInputs, now: number): State {
  const { manual, geofence } = inputs;
  const fenceCounts = geofence.enabled && geofence.household !== 'unknown';
  const departedAt = fenceCounts && geofence.household === 'all-away' ? geofence.since : null;
  const holdForDeparture = departedAt !== null && inputs.geofenceBeatsSchedule;

  const events: ArmingEvent[] = occurrences(inputs.rules, inputs.timeZone, now - LOOK_BACK_MS, now + 1).map((o) => ({ kind: 'schedule', at: o.at, rule: o.rule }));
  if (fenceCounts) events.push({ kind: 'geofence', at: geofence.since, mode: departedAt !== null ? 'armed_away' : 'disarmed', member: geofence.member });
  if (manual !== null) events.push({ kind: 'manual', at: manual.at, mode: manual.mode, by: manual.by });
  // Stable, so rules at the same instant keep the order occurrences() gave them.
  events.sort((x, y) => x.at - y.at || SAME_INSTANT_ORDER[x.kind] - SAME_INSTANT_ORDER[y.kind]);

  let state: State = { mode: 'disarmed', cause: { source: 'default' }, since: 0 };
  for (const e of events) {
    if (e.kind === 'manual') {
      state = { mode: e.mode, cause: { source: 'manual', by: e.by }, since: e.at };
      continue;
    }
    if (state.mode === 'privacy' && state.cause.source === 'manual') continue; // a
    if (e.kind === 'geofence') {
      if (state.mode !== 'privacy') state = { mode: e.mode, cause: { source: 'geofence', member: e.member }, since: e.at };
      continue;
    }
    if (e.rule.mode !== 'privacy' && holdForDeparture && e.at > departedAt) {
      // c: the departure's armed_away stands, or comes back after an interruption.
      if (state.cause.source !== 'geofence') state = { mode: 'armed_away', cause: { source: 'geofence', member: geofence.member }, since: e.at };
      continue;
    }
    state = { mode: e.rule.mode, cause: { source: 'schedule', ruleId: e.rule.id }, since: e.at };
  }
  return state;
}

function cameraDecisions(inputs: ArmingInputs, mode: Mode, now: number): Record<string, CameraDecision> {
  const out: Record<string, CameraDecision> = {};
  for (const cam of inputs.cameras) {
    const rule = lastTransition(
      inputs.cameraRules.filter((r) => r.cameraId === cam.id),
      inputs.timeZone,
      now,
    );
    let motion = true;
    if (rule !== null) motion = rule.rule.motion;
    if (cam.motion !== null && (rule === null || cam.motion.at >= rule.at)) motion = cam.motion.on;
    out[cam.id] = {
      record: (cam.armedIn as readonly Mode[]).includes(mode) && motion && mode !== 'privacy',
      live: mode !== 'privacy',
      motion,
      armedIn: cam.armedIn,
    };
  }
  return out;
}

export function decideArming(inputs: ArmingInputs, now: number): ArmingDecision {
  if (!isValidTimeZone(inputs.timeZone)) throw new RangeError(`arming: unknown time zone ${JSON.stringify(inputs.timeZone)}`);
  if (!Number.isFinite(now)) throw new RangeError(`arming: now must be finite, got ${now}`);
  const { mode, cause, since } = homeMode(inputs, now);
  return {
    mode,
    cause,
    since,
    nextScheduledAt: nextTransition(inputs.rules, inputs.timeZone, now)?.at ?? null,
    cameras: cameraDecisions(inputs, mode, now),
  };
}

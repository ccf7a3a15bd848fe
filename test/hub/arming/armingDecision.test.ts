import { strict as assert } from 'node:assert';
import { decideArming, type ArmingInputs, type Cause, type CameraDecision } from '../../../hub/arming/armingDecision';
import type { Mode } from '../../../common/protocol';
import type { CameraRule, ScheduleRule } from '../../../hub/arming/schedule';

// Every instant is an ISO string with its offset, so each row says which local time it means
// without relying on the conversion under test. Most rows are in June 2024 in Berlin (CEST):
// jun('05 22:00') is Wednesday 5 June, 22:00; the 3rd and the 10th are Mondays.
const t = (iso: string): number => Date.parse(iso);
const jun = (dayTime: string): string => `2024-06-${dayTime.replace(' ', 'T')}+02:00`;
const iso = (ms: number): string => new Date(ms).toISOString();

const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6];
const WEEKDAYS = [1, 2, 3, 4, 5];
const rule = (id: string, at: string, mode: Mode, days = EVERY_DAY): ScheduleRule => ({ id, days, at, mode });
const NIGHT = [rule('night', '22:00', 'armed_home'), rule('morning', '07:00', 'disarmed')];
const EVENING_PRIVACY = [rule('evening', '18:00', 'privacy'), ...NIGHT];

const manual = (mode: Mode, at: string, by = 'anna'): ArmingInputs['manual'] => ({ mode, at: t(at), by });
const NO_FENCE: ArmingInputs['geofence'] = { enabled: false, household: 'unknown', since: 0, member: null };
const departed = (since: string, member = 'ben'): ArmingInputs['geofence'] => ({ enabled: true, household: 'all-away', since: t(since), member });
const arrived = (since: string, member = 'anna'): ArmingInputs['geofence'] => ({ enabled: true, household: 'someone-home', since: t(since), member });

const byHand = (by = 'anna'): Cause => ({ source: 'manual', by });
const bySchedule = (ruleId: string): Cause => ({ source: 'schedule', ruleId });
const byFence = (member: string | null): Cause => ({ source: 'geofence', member });
const DEFAULT: Cause = { source: 'default' };

type Camera = ArmingInputs['cameras'][number];
const porch = (motion?: [on: boolean, at: string]): Camera => ({ id: 'porch', motion: motion ? { on: motion[0], at: t(motion[1]) } : null, armedIn: ['armed_home', 'armed_away'] });
const garden: Camera = { id: 'garden', motion: null, armedIn: ['armed_away'] };
const camRule = (id: string, cameraId: string, at: string, motion: boolean): CameraRule => ({ id, cameraId, days: EVERY_DAY, at, motion });

/** What a camera does; its armedIn is the input passed through, checked apart. */
type Does = Omit<CameraDecision, 'armedIn'>;
const RECORDING: Does = { record: true, live: true, motion: true };
const IDLE: Does = { record: false, live: true, motion: true }; // watching, not armed in this mode
const MOTION_OFF: Does = { record: false, live: true, motion: false };
const PRIVATE: Does = { record: false, live: false, motion: true };

function inputs(given: Partial<ArmingInputs>): ArmingInputs {
  return { timeZone: 'Europe/Berlin', rules: [], cameraRules: [], manual: null, geofence: NO_FENCE, geofenceBeatsSchedule: true, cameras: [], ...given };
}

interface Row {
  name: string;
  given: Partial<ArmingInputs>;
  now: string;
  mode: Mode;
  cause: Cause;
  since: string | 0;
  next?: string | null; // checked when present
  cameras?: Record<string, Does>; // checked when present
}

const rows: Row[] = [
  // Each source alone.
  { name: 'no input at all: disarmed by default', given: {}, now: jun('05 12:00'), mode: 'disarmed', cause: DEFAULT, since: 0, next: null },
  { name: 'a manual change alone', given: { manual: manual('armed_away', jun('05 08:00')) }, now: jun('05 12:00'), mode: 'armed_away', cause: byHand(), since: jun('05 08:00'), next: null },
  { name: 'the schedule alone, at night', given: { rules: NIGHT }, now: jun('05 23:00'), mode: 'armed_home', cause: bySchedule('night'), since: jun('05 22:00'), next: jun('06 07:00') },
  { name: 'the schedule alone, by day', given: { rules: NIGHT }, now: jun('05 12:00'), mode: 'disarmed', cause: bySchedule('morning'), since: jun('05 07:00'), next: jun('05 22:00') },
  { name: 'the geofence alone: everyone left', given: { geofence: departed(jun('05 09:00')) }, now: jun('05 12:00'), mode: 'armed_away', cause: byFence('ben'), since: jun('05 09:00') },
  { name: 'the geofence alone: someone arrived', given: { geofence: arrived(jun('05 17:30')) }, now: jun('05 18:00'), mode: 'disarmed', cause: byFence('anna'), since: jun('05 17:30') },
  { name: 'an unknown household counts for nothing', given: { geofence: { enabled: true, household: 'unknown', since: t(jun('05 09:00')), member: 'ben' } }, now: jun('05 12:00'), mode: 'disarmed', cause: DEFAULT, since: 0 },
  { name: 'geofencing switched off counts for nothing', given: { geofence: { ...departed(jun('05 09:00')), enabled: false } }, now: jun('05 12:00'), mode: 'disarmed', cause: DEFAULT, since: 0 },

  // Manual and schedule.
  { name: 'a manual change holds until the next scheduled transition', given: { rules: NIGHT, manual: manual('armed_away', jun('05 20:00')) }, now: jun('05 21:59'), mode: 'armed_away', cause: byHand(), since: jun('05 20:00'), next: jun('05 22:00') },
  { name: 'the next scheduled transition ends the manual change', given: { rules: NIGHT, manual: manual('armed_away', jun('05 20:00')) }, now: jun('05 22:00'), mode: 'armed_home', cause: bySchedule('night'), since: jun('05 22:00'), next: jun('06 07:00') },
  { name: 'the schedule holds past midnight after ending the manual change', given: { rules: NIGHT, manual: manual('armed_away', jun('05 20:00')) }, now: jun('06 01:00'), mode: 'armed_home', cause: bySchedule('night'), since: jun('05 22:00') },
  { name: 'a transition to the same mode still ends the manual change', given: { rules: NIGHT, manual: manual('armed_home', jun('05 21:00')) }, now: jun('05 22:30'), mode: 'armed_home', cause: bySchedule('night'), since: jun('05 22:00') },
  { name: 'schedule then manual: the manual change wins', given: { rules: NIGHT, manual: manual('disarmed', jun('05 23:00'), 'ben') }, now: jun('05 23:30'), mode: 'disarmed', cause: byHand('ben'), since: jun('05 23:00'), next: jun('06 07:00') },
  { name: 'a manual change at night holds until the morning rule', given: { rules: NIGHT, manual: manual('armed_away', jun('05 23:00'), 'ben') }, now: jun('06 06:59'), mode: 'armed_away', cause: byHand('ben'), since: jun('05 23:00') },
  { name: 'a manual change at the instant a rule fires wins the tie', given: { rules: NIGHT, manual: manual('armed_away', jun('05 22:00')) }, now: jun('05 22:05'), mode: 'armed_away', cause: byHand(), since: jun('05 22:00') },
  { name: 'a manual change from weeks ago is long overtaken', given: { rules: NIGHT, manual: manual('armed_away', '2024-05-01T12:00+02:00') }, now: jun('05 12:00'), mode: 'disarmed', cause: bySchedule('morning'), since: jun('05 07:00') },
  { name: 'a manual privacy from weeks ago still holds', given: { rules: NIGHT, manual: manual('privacy', '2024-05-01T12:00+02:00') }, now: jun('05 12:00'), mode: 'privacy', cause: byHand(), since: '2024-05-01T12:00+02:00' },

  // Geofence and schedule.
  { name: 'a departure beats a later schedule rule', given: { rules: NIGHT, geofence: departed(jun('05 21:00')) }, now: jun('05 23:00'), mode: 'armed_away', cause: byFence('ben'), since: jun('05 21:00'), next: jun('06 07:00') },
  { name: 'a departure beats the morning disarm too', given: { rules: NIGHT, geofence: departed(jun('05 21:00')) }, now: jun('06 08:00'), mode: 'armed_away', cause: byFence('ben'), since: jun('05 21:00') },
  { name: 'geofenceBeatsSchedule off: the later rule wins', given: { rules: NIGHT, geofence: departed(jun('05 21:00')), geofenceBeatsSchedule: false }, now: jun('05 23:00'), mode: 'armed_home', cause: bySchedule('night'), since: jun('05 22:00') },
  { name: 'geofenceBeatsSchedule off: the morning rule disarms an empty house', given: { rules: NIGHT, geofence: departed(jun('05 21:00')), geofenceBeatsSchedule: false }, now: jun('06 08:00'), mode: 'disarmed', cause: bySchedule('morning'), since: jun('06 07:00') },
  { name: 'geofenceBeatsSchedule off: a departure after the rule still wins', given: { rules: NIGHT, geofence: departed(jun('05 22:30')), geofenceBeatsSchedule: false }, now: jun('05 23:00'), mode: 'armed_away', cause: byFence('ben'), since: jun('05 22:30') },
  { name: 'a departure at the instant a rule fires wins the tie', given: { rules: NIGHT, geofence: departed(jun('05 22:00')), geofenceBeatsSchedule: false }, now: jun('05 22:05'), mode: 'armed_away', cause: byFence('ben'), since: jun('05 22:00') },
  { name: 'an arrival disarms even at night', given: { rules: NIGHT, geofence: arrived(jun('05 23:30')) }, now: jun('05 23:45'), mode: 'disarmed', cause: byFence('anna'), since: jun('05 23:30'), next: jun('06 07:00') },
  { name: 'with someone home the next rule still applies', given: { rules: NIGHT, geofence: arrived(jun('05 18:00')) }, now: jun('05 22:30'), mode: 'armed_home', cause: bySchedule('night'), since: jun('05 22:00') },

  // Manual and geofence.
  { name: 'a manual change after an arrival', given: { geofence: arrived(jun('05 18:00')), manual: manual('armed_home', jun('05 19:00'), 'ben') }, now: jun('05 20:00'), mode: 'armed_home', cause: byHand('ben'), since: jun('05 19:00') },
  { name: 'an arrival after a manual arm', given: { geofence: arrived(jun('05 18:00')), manual: manual('armed_away', jun('05 08:00')) }, now: jun('05 18:10'), mode: 'disarmed', cause: byFence('anna'), since: jun('05 18:00') },
  { name: 'a departure after a manual disarm', given: { geofence: departed(jun('05 09:00')), manual: manual('disarmed', jun('05 08:00')) }, now: jun('05 10:00'), mode: 'armed_away', cause: byFence('ben'), since: jun('05 09:00') },
  { name: 'a manual disarm after the departure holds (the neighbour waters the plants)', given: { rules: NIGHT, geofence: departed(jun('05 09:00')), manual: manual('disarmed', jun('05 10:00'), 'neighbour') }, now: jun('05 21:00'), mode: 'disarmed', cause: byHand('neighbour'), since: jun('05 10:00'), next: jun('05 22:00') },
  { name: '… until the next transition, which re-arms away, not home', given: { rules: NIGHT, geofence: departed(jun('05 09:00')), manual: manual('disarmed', jun('05 10:00'), 'neighbour') }, now: jun('05 22:30'), mode: 'armed_away', cause: byFence('ben'), since: jun('05 22:00') },
  { name: '… and the morning rule changes nothing while all are away', given: { rules: NIGHT, geofence: departed(jun('05 09:00')), manual: manual('disarmed', jun('05 10:00'), 'neighbour') }, now: jun('06 08:00'), mode: 'armed_away', cause: byFence('ben'), since: jun('05 22:00') },

  // Privacy.
  { name: 'a manual privacy holds through the schedule', given: { rules: NIGHT, manual: manual('privacy', jun('05 20:00')), cameras: [porch()] }, now: jun('06 08:00'), mode: 'privacy', cause: byHand(), since: jun('05 20:00'), next: jun('06 22:00'), cameras: { porch: PRIVATE } },
  { name: 'a manual privacy holds through a later departure', given: { rules: NIGHT, manual: manual('privacy', jun('05 20:00')), geofence: departed(jun('05 21:00')) }, now: jun('05 23:00'), mode: 'privacy', cause: byHand(), since: jun('05 20:00') },
  { name: 'a manual privacy holds through a later arrival', given: { manual: manual('privacy', jun('05 20:00')), geofence: arrived(jun('05 21:00')) }, now: jun('05 23:00'), mode: 'privacy', cause: byHand(), since: jun('05 20:00') },
  { name: 'a privacy rule', given: { rules: EVENING_PRIVACY, cameras: [porch(), garden] }, now: jun('05 19:00'), mode: 'privacy', cause: bySchedule('evening'), since: jun('05 18:00'), next: jun('05 22:00'), cameras: { porch: PRIVATE, garden: PRIVATE } },
  { name: 'a privacy rule beats a later departure', given: { rules: EVENING_PRIVACY, geofence: departed(jun('05 18:30')) }, now: jun('05 19:00'), mode: 'privacy', cause: bySchedule('evening'), since: jun('05 18:00') },
  { name: 'a privacy rule beats a later arrival', given: { rules: EVENING_PRIVACY, geofence: arrived(jun('05 18:30')) }, now: jun('05 19:00'), mode: 'privacy', cause: bySchedule('evening'), since: jun('05 18:00') },
  { name: 'a privacy rule after the departure is not held off by it', given: { rules: EVENING_PRIVACY, geofence: departed(jun('05 17:00')) }, now: jun('05 19:00'), mode: 'privacy', cause: bySchedule('evening'), since: jun('05 18:00') },
  { name: 'after the privacy rule, the next transition returns to the departure\'s armed_away', given: { rules: EVENING_PRIVACY, geofence: departed(jun('05 17:00')) }, now: jun('05 22:30'), mode: 'armed_away', cause: byFence('ben'), since: jun('05 22:00') },
  { name: 'a manual change after the privacy rule ends it', given: { rules: EVENING_PRIVACY, manual: manual('armed_home', jun('05 19:00'), 'ben') }, now: jun('05 20:00'), mode: 'armed_home', cause: byHand('ben'), since: jun('05 19:00') },
  { name: 'a manual change before the privacy rule loses to it', given: { rules: EVENING_PRIVACY, manual: manual('armed_away', jun('05 17:00')) }, now: jun('05 19:00'), mode: 'privacy', cause: bySchedule('evening'), since: jun('05 18:00') },
  { name: 'a privacy rule ends at the next schedule transition', given: { rules: EVENING_PRIVACY }, now: jun('05 23:00'), mode: 'armed_home', cause: bySchedule('night'), since: jun('05 22:00') },

  // Cameras.
  { name: 'armed away: cameras armed in away record', given: { manual: manual('armed_away', jun('05 08:00')), cameras: [porch(), garden] }, now: jun('05 12:00'), mode: 'armed_away', cause: byHand(), since: jun('05 08:00'), cameras: { porch: RECORDING, garden: RECORDING } },
  { name: 'armed home: only cameras armed in home record', given: { manual: manual('armed_home', jun('05 08:00')), cameras: [porch(), garden] }, now: jun('05 12:00'), mode: 'armed_home', cause: byHand(), since: jun('05 08:00'), cameras: { porch: RECORDING, garden: IDLE } },
  { name: 'disarmed: nothing records, everything is live', given: { rules: NIGHT, cameras: [porch(), garden] }, now: jun('05 12:00'), mode: 'disarmed', cause: bySchedule('morning'), since: jun('05 07:00'), cameras: { porch: IDLE, garden: IDLE } },
  { name: 'a camera switched off does not record even when armed', given: { manual: manual('armed_away', jun('05 08:00')), cameras: [porch([false, jun('05 08:30')]), garden] }, now: jun('05 12:00'), mode: 'armed_away', cause: byHand(), since: jun('05 08:00'), cameras: { porch: MOTION_OFF, garden: RECORDING } },
  { name: 'a camera rule turns motion off after the switch turned it on', given: { rules: NIGHT, cameraRules: [camRule('porch-off', 'porch', '22:00', false), camRule('porch-on', 'porch', '07:00', true)], cameras: [porch([true, jun('05 20:00')])] }, now: jun('05 23:00'), mode: 'armed_home', cause: bySchedule('night'), since: jun('05 22:00'), cameras: { porch: MOTION_OFF } },
  { name: 'the switch after the camera rule wins', given: { rules: NIGHT, cameraRules: [camRule('porch-off', 'porch', '22:00', false)], cameras: [porch([true, jun('05 22:30')])] }, now: jun('05 23:00'), mode: 'armed_home', cause: bySchedule('night'), since: jun('05 22:00'), cameras: { porch: RECORDING } },
  { name: 'the camera rule turns motion back on in the morning', given: { rules: NIGHT, cameraRules: [camRule('porch-off', 'porch', '22:00', false), camRule('porch-on', 'porch', '07:00', true)], cameras: [porch([false, jun('05 23:00')])], manual: manual('armed_away', jun('06 07:30')) }, now: jun('06 08:00'), mode: 'armed_away', cause: byHand(), since: jun('06 07:30'), cameras: { porch: RECORDING } },
  { name: 'a camera rule for another camera leaves this one alone', given: { manual: manual('armed_away', jun('05 08:00')), cameraRules: [camRule('garden-off', 'garden', '09:00', false)], cameras: [porch(), garden] }, now: jun('05 12:00'), mode: 'armed_away', cause: byHand(), since: jun('05 08:00'), cameras: { porch: RECORDING, garden: MOTION_OFF } },
  { name: 'privacy: nothing live or recorded, the motion switch kept as set', given: { manual: manual('privacy', jun('05 08:00')), cameras: [porch([false, jun('05 07:00')]), garden] }, now: jun('05 12:00'), mode: 'privacy', cause: byHand(), since: jun('05 08:00'), cameras: { porch: { record: false, live: false, motion: false }, garden: PRIVATE } },

  // Weekdays, midnight, the week boundary.
  { name: 'a weekday rule on a Wednesday', given: { rules: [rule('work', '09:00', 'armed_away', WEEKDAYS), ...NIGHT] }, now: jun('05 10:00'), mode: 'armed_away', cause: bySchedule('work'), since: jun('05 09:00'), next: jun('05 22:00') },
  { name: 'a weekday rule does not fire on Saturday', given: { rules: [rule('work', '09:00', 'armed_away', WEEKDAYS), ...NIGHT] }, now: jun('08 10:00'), mode: 'disarmed', cause: bySchedule('morning'), since: jun('08 07:00') },
  { name: 'a rule spanning midnight: Friday 22:00 armed_home holds at 02:00 Saturday', given: { rules: [rule('fri-night', '22:00', 'armed_home', [5]), rule('sat-morning', '07:00', 'disarmed', [6])] }, now: jun('08 02:00'), mode: 'armed_home', cause: bySchedule('fri-night'), since: jun('07 22:00'), next: jun('08 07:00') },
  { name: 'a rule spanning midnight ends at Saturday 07:00; the next is a week on', given: { rules: [rule('fri-night', '22:00', 'armed_home', [5]), rule('sat-morning', '07:00', 'disarmed', [6])] }, now: jun('08 08:00'), mode: 'disarmed', cause: bySchedule('sat-morning'), since: jun('08 07:00'), next: jun('14 22:00') },
  { name: 'nextScheduledAt across the week boundary (Saturday → Monday)', given: { rules: [rule('monday', '07:00', 'armed_away', [1])] }, now: jun('08 12:00'), mode: 'armed_away', cause: bySchedule('monday'), since: jun('03 07:00'), next: jun('10 07:00') },
  { name: 'a transition almost a week old still holds', given: { rules: [rule('monday', '07:00', 'armed_away', [1])] }, now: jun('10 06:59'), mode: 'armed_away', cause: bySchedule('monday'), since: jun('03 07:00'), next: jun('10 07:00') },

  // DST in Berlin: spring forward 2024-03-31 02:00 → 03:00, fall back 2024-10-27 03:00 → 02:00.
  { name: 'Berlin spring: before the gap the manual change holds', given: { rules: [rule('gap', '02:30', 'armed_home', [0])], manual: manual('disarmed', '2024-03-30T23:00+01:00') }, now: '2024-03-31T01:59+01:00', mode: 'disarmed', cause: byHand(), since: '2024-03-30T23:00+01:00', next: '2024-03-31T03:00+02:00' },
  { name: 'Berlin spring: the 02:30 rule fires at 03:00 CEST', given: { rules: [rule('gap', '02:30', 'armed_home', [0])], manual: manual('disarmed', '2024-03-30T23:00+01:00') }, now: '2024-03-31T03:00+02:00', mode: 'armed_home', cause: bySchedule('gap'), since: '2024-03-31T03:00+02:00', next: '2024-04-07T02:30+02:00' },
  { name: 'Berlin spring: the 02:30 rule does not fire again at 03:30', given: { rules: [rule('gap', '02:30', 'armed_home', [0])], manual: manual('disarmed', '2024-03-31T03:15+02:00') }, now: '2024-03-31T03:45+02:00', mode: 'disarmed', cause: byHand(), since: '2024-03-31T03:15+02:00' },
  { name: 'Berlin autumn: the 02:30 rule fires at the first 02:30 (CEST)', given: { rules: [rule('repeat', '02:30', 'armed_home', [0])], manual: manual('disarmed', '2024-10-26T23:00+02:00') }, now: '2024-10-27T02:40+02:00', mode: 'armed_home', cause: bySchedule('repeat'), since: '2024-10-27T02:30+02:00' },
  { name: 'Berlin autumn: the second 02:30 (CET) does not undo a manual change', given: { rules: [rule('repeat', '02:30', 'armed_home', [0])], manual: manual('disarmed', '2024-10-27T02:45+02:00') }, now: '2024-10-27T02:40+01:00', mode: 'disarmed', cause: byHand(), since: '2024-10-27T02:45+02:00', next: '2024-11-03T02:30+01:00' },
  { name: 'Berlin spring: the night after, 23:00 CET to 07:00 CEST', given: { rules: NIGHT }, now: '2024-03-30T23:00+01:00', mode: 'armed_home', cause: bySchedule('night'), since: '2024-03-30T22:00+01:00', next: '2024-03-31T07:00+02:00' },

  // DST in New York: spring forward 2024-03-10 02:00 → 03:00, fall back 2024-11-03 02:00 → 01:00.
  { name: 'New York spring: before the gap the Saturday rule holds', given: { timeZone: 'America/New_York', rules: [rule('gap', '02:30', 'armed_home', [0]), rule('sat', '23:00', 'disarmed', [6])] }, now: '2024-03-10T01:59-05:00', mode: 'disarmed', cause: bySchedule('sat'), since: '2024-03-09T23:00-05:00', next: '2024-03-10T03:00-04:00' },
  { name: 'New York spring: the 02:30 rule fires at 03:00 EDT', given: { timeZone: 'America/New_York', rules: [rule('gap', '02:30', 'armed_home', [0]), rule('sat', '23:00', 'disarmed', [6])] }, now: '2024-03-10T03:10-04:00', mode: 'armed_home', cause: bySchedule('gap'), since: '2024-03-10T03:00-04:00', next: '2024-03-16T23:00-04:00' },
  { name: 'New York autumn: the 01:30 rule fires at the first 01:30 (EDT)', given: { timeZone: 'America/New_York', rules: [rule('repeat', '01:30', 'armed_home', [0])], manual: manual('disarmed', '2024-11-02T23:00-04:00') }, now: '2024-11-03T01:35-04:00', mode: 'armed_home', cause: bySchedule('repeat'), since: '2024-11-03T01:30-04:00' },
  { name: 'New York autumn: the second 01:30 (EST) does not undo a manual change', given: { timeZone: 'America/New_York', rules: [rule('repeat', '01:30', 'armed_home', [0])], manual: manual('disarmed', '2024-11-03T01:40-04:00') }, now: '2024-11-03T01:45-05:00', mode: 'disarmed', cause: byHand(), since: '2024-11-03T01:40-04:00', next: '2024-11-10T01:30-05:00' },
  { name: 'New York autumn: a departure in the repeated hour beats the rule after it', given: { timeZone: 'America/New_York', rules: [rule('early', '06:00', 'disarmed', [0])], geofence: departed('2024-11-03T01:50-05:00') }, now: '2024-11-03T06:30-05:00', mode: 'armed_away', cause: byFence('ben'), since: '2024-11-03T01:50-05:00' },

  // Tokyo has no DST: Berlin's spring-forward night is an ordinary night there.
  { name: 'Tokyo: 02:29 on 31 March, the manual change holds', given: { timeZone: 'Asia/Tokyo', rules: [rule('gap', '02:30', 'armed_home', [0])], manual: manual('disarmed', '2024-03-30T23:00+09:00') }, now: '2024-03-31T02:29+09:00', mode: 'disarmed', cause: byHand(), since: '2024-03-30T23:00+09:00', next: '2024-03-31T02:30+09:00' },
  { name: 'Tokyo: the 02:30 rule fires at 02:30', given: { timeZone: 'Asia/Tokyo', rules: [rule('gap', '02:30', 'armed_home', [0])], manual: manual('disarmed', '2024-03-30T23:00+09:00') }, now: '2024-03-31T02:45+09:00', mode: 'armed_home', cause: bySchedule('gap'), since: '2024-03-31T02:30+09:00' },
];

describe('arming decision', function () {
  this.timeout(10_000); // the week-long sweep makes ~2,700 decisions
  it(`has a table of at least 40 rows (${rows.length})`, () => assert.ok(rows.length >= 40));

  for (const r of rows) {
    it(r.name, () => {
      const given = inputs(r.given);
      const before = structuredClone(given);
      const d = decideArming(given, t(r.now));
      assert.deepEqual({ mode: d.mode, cause: d.cause }, { mode: r.mode, cause: r.cause });
      assert.equal(iso(d.since), iso(r.since === 0 ? 0 : t(r.since)), 'since');
      if (r.next !== undefined) assert.equal(d.nextScheduledAt === null ? null : iso(d.nextScheduledAt), r.next === null ? null : iso(t(r.next)), 'nextScheduledAt');
      if (r.cameras !== undefined) {
        assert.deepEqual(Object.fromEntries(Object.entries(d.cameras).map(([id, c]) => [id, { record: c.record, live: c.live, motion: c.motion }])), r.cameras);
        for (const cam of given.cameras) assert.deepEqual(d.cameras[cam.id]?.armedIn, cam.armedIn, `${cam.id}: the modes it records in, as given`);
      }
      assert.deepEqual(given, before, 'the inputs are not modified');
    });
  }

  it('a manual change made at any quarter hour of a week holds exactly until nextScheduledAt', () => {
    const rules = [rule('work', '09:00', 'armed_away', WEEKDAYS), ...NIGHT];
    for (let at = t(jun('03 00:00')); at < t(jun('10 00:00')); at += 15 * 60_000) {
      const given = inputs({ rules, manual: { mode: 'privacy', at, by: 'anna' } });
      const asMade = decideArming({ ...given, manual: { mode: 'armed_home', at, by: 'anna' } }, at);
      assert.equal(asMade.cause.source, 'manual', iso(at));
      const end = asMade.nextScheduledAt!;
      const justBefore = decideArming({ ...given, manual: { mode: 'armed_home', at, by: 'anna' } }, end - 1);
      const atEnd = decideArming({ ...given, manual: { mode: 'armed_home', at, by: 'anna' } }, end);
      assert.equal(justBefore.cause.source, 'manual', `${iso(at)}: still manual just before ${iso(end)}`);
      assert.equal(atEnd.cause.source, 'schedule', `${iso(at)}: schedule at ${iso(end)}`);
      // …while privacy outlasts it.
      assert.equal(decideArming(given, end).mode, 'privacy');
    }
  });

  it('rejects an unknown time zone and a non-finite now', () => {
    assert.throws(() => decideArming(inputs({ timeZone: 'Europe/Atlantis' }), t(jun('05 12:00'))), { name: 'RangeError', message: /Europe\/Atlantis/ });
    assert.throws(() => decideArming(inputs({}), NaN), { name: 'RangeError', message: /now/ });
  });
});

import { Type, type Static } from '@sinclair/typebox';
import { said } from './words';
import type { Mode } from '../protocol';
import type { ArmableMode } from '../armedIn';

/*
 * What the hub and the web UI say to each other about arming: the mode in force and why, the
 * weekly rules, the timeline, the home's arming settings and who is home. These schemas are
 * the one source: the routes validate and serialise with them, the hub's arming modules and
 * the UI take their types from them.
 */

const Strict = { additionalProperties: false } as const;

export const ModeSchema = Type.Union([Type.Literal('disarmed'), Type.Literal('armed_home'), Type.Literal('armed_away'), Type.Literal('privacy')]);
/** The protocol's modes and this schema's are the same: this stops compiling when they drift apart. */
export const MODES_MATCH: [Static<typeof ModeSchema>, Mode] extends [Mode, Static<typeof ModeSchema>] ? true : false = true;

export const CauseSchema = Type.Union([
  Type.Object({ source: Type.Literal('manual'), by: Type.String() }),
  Type.Object({ source: Type.Literal('schedule'), ruleId: Type.String() }),
  Type.Object({ source: Type.Literal('geofence'), member: Type.Union([Type.String(), Type.Null()]) }),
  Type.Object({ source: Type.Literal('default') }),
]);
/** Who or what set the mode. */
export type Cause = Static<typeof CauseSchema>;

export const ArmableModeSchema = Type.Union([Type.Literal('armed_home'), Type.Literal('armed_away')]);
/** As MODES_MATCH: the armable modes of common/armedIn.ts and this schema's are the same. */
export const ARMABLE_MODES_MATCH: [Static<typeof ArmableModeSchema>, ArmableMode] extends [ArmableMode, Static<typeof ArmableModeSchema>] ? true : false = true;
export const CameraDecisionSchema = Type.Object({
  record: Type.Boolean(),
  live: Type.Boolean(),
  motion: Type.Boolean(),
  /** The armed modes this camera records in (a subset of armed_home, armed_away). */
  armedIn: Type.Array(ArmableModeSchema),
});
export type CameraDecision = Static<typeof CameraDecisionSchema>;

export const ArmingDecisionSchema = Type.Object({
  mode: ModeSchema,
  cause: CauseSchema,
  since: Type.Number(),
  nextScheduledAt: Type.Union([Type.Number(), Type.Null()]),
  /** By camera id. */
  cameras: Type.Record(Type.String(), CameraDecisionSchema),
});
/** The mode in force, why, since when, the next scheduled change and what each camera does (GET /api/arming). */
export type ArmingDecision = Static<typeof ArmingDecisionSchema>;

export const ArmingEventsQuery = Type.Object({ limit: Type.Optional(Type.Integer({ ...said('the number of entries asked for'), minimum: 1, maximum: 1000 })), before: Type.Optional(Type.Integer({ ...said('the page cursor'), minimum: 0 })) }, Strict);
export const ArmingEventSchema = Type.Object({ at: Type.Number(), mode: ModeSchema, cause: CauseSchema });
export const ArmingEventsSchema = Type.Object({ events: Type.Array(ArmingEventSchema) });
export type ArmingEvent = Static<typeof ArmingEventSchema>;
export type ArmingEventList = Static<typeof ArmingEventsSchema>;

export const ModeBody = Type.Object({ mode: Type.String({ ...said('the mode'), maxLength: 40 }) }, Strict);
export const MotionBody = Type.Object({ on: Type.Boolean(said('the motion recording switch')) }, Strict);
/** The modes are checked by the route (common/armedIn.ts), so an unknown one is refused with the list of good ones. */
export const ArmedInBody = Type.Object({ modes: Type.Array(Type.String({ maxLength: 40 }), { ...said('the modes the camera records in'), maxItems: 4 }) }, Strict);
export type ArmedInChange = Static<typeof ArmedInBody>;

export const ScheduleRuleSchema = Type.Object({
  id: Type.String(),
  /** 0 = Sunday … 6 = Saturday, the home's local days. */
  days: Type.Array(Type.Integer()),
  /** 'HH:MM', minutes a multiple of 15. */
  at: Type.String(),
  mode: ModeSchema,
});
/** A weekly rule for the home's mode. */
export type ScheduleRule = Static<typeof ScheduleRuleSchema>;

export const CameraRuleSchema = Type.Object({ id: Type.String(), cameraId: Type.String(), days: Type.Array(Type.Integer()), at: Type.String(), motion: Type.Boolean() });
/** A weekly rule that turns one camera's motion recording on or off. */
export type CameraRule = Static<typeof CameraRuleSchema>;

export const RulesSchema = Type.Object({ rules: Type.Array(ScheduleRuleSchema), cameraRules: Type.Array(CameraRuleSchema) });
export type Rules = Static<typeof RulesSchema>;

export const RuleBody = Type.Object(
  {
    days: Type.Array(Type.Integer(), { ...said('the days'), maxItems: 7 }),
    at: Type.String({ ...said('the time'), maxLength: 5 }),
    mode: Type.Optional(Type.String({ ...said('the mode'), maxLength: 40 })),
    cameraId: Type.Optional(Type.String({ ...said('the camera'), maxLength: 64 })),
    motion: Type.Optional(Type.Boolean(said('the motion recording switch'))),
  },
  Strict,
);
export const RuleAddedSchema = Type.Object({ id: Type.String() });

export const LatLonSchema = Type.Object({ lat: Type.Number(said('the latitude')), lon: Type.Number(said('the longitude')) }, Strict);

export const ArmingSettingsSchema = Type.Object({
  timeZone: Type.String(),
  geofenceEnabled: Type.Boolean(),
  /** When geofencing and the schedule disagree, geofencing wins (the owner's choice). */
  geofenceBeatsSchedule: Type.Boolean(),
  home: Type.Union([LatLonSchema, Type.Null()]),
  radiusM: Type.Number(),
  hysteresisM: Type.Number(),
  maxAccuracyM: Type.Number(),
  staleAfterMinutes: Type.Number(),
});
/** The home's time zone and geofence settings. */
export type ArmingSettings = Static<typeof ArmingSettingsSchema>;

export const ArmingSettingsBody = Type.Object(
  {
    timeZone: Type.Optional(Type.String({ ...said('the time zone'), maxLength: 64 })),
    geofenceEnabled: Type.Optional(Type.Boolean(said('the geofencing switch'))),
    geofenceBeatsSchedule: Type.Optional(Type.Boolean(said('the "geofence beats schedule" choice'))),
    home: Type.Optional(Type.Union([Type.Null(), LatLonSchema], said('the home location'))),
    radiusM: Type.Optional(Type.Number(said('the radius'))),
    hysteresisM: Type.Optional(Type.Number(said('the leaving margin'))),
    maxAccuracyM: Type.Optional(Type.Number(said('the worst accepted accuracy'))),
    staleAfterMinutes: Type.Optional(Type.Number(said('the minutes after which a phone counts as unknown'))),
  },
  Strict,
);
export type ArmingSettingsChange = Static<typeof ArmingSettingsBody>;

export const PresenceSchema = Type.Union([Type.Literal('home'), Type.Literal('away'), Type.Literal('unknown')]);
export type Presence = Static<typeof PresenceSchema>;
export const HouseholdSchema = Type.Union([Type.Literal('someone-home'), Type.Literal('all-away'), Type.Literal('unknown')]);
export type Household = Static<typeof HouseholdSchema>;

export const HouseholdStateSchema = Type.Object({ household: HouseholdSchema, since: Type.Number(), member: Type.Union([Type.String(), Type.Null()]) });
export type HouseholdState = Static<typeof HouseholdStateSchema>;

export const GeofenceStateSchema = Type.Object({
  enabled: Type.Boolean(),
  household: HouseholdStateSchema,
  /** Presence only: positions never leave the hub. */
  members: Type.Array(Type.Object({ username: Type.String(), enabled: Type.Boolean(), presence: PresenceSchema, lastReportAt: Type.Union([Type.Number(), Type.Null()]) })),
});
export type GeofenceState = Static<typeof GeofenceStateSchema>;

export const GeofenceMembershipBody = Type.Object({ enabled: Type.Boolean(said('the "take part in geofencing" choice')) }, Strict);
export const GeofenceMembershipSchema = Type.Object({ enabled: Type.Boolean() });
export const LocationBody = Type.Object({ lat: Type.Number(said('the latitude')), lon: Type.Number(said('the longitude')), accuracy: Type.Number(said('the accuracy')), at: Type.Optional(Type.Number(said('the time'))) }, Strict);
export const LocationAnswerSchema = Type.Object({ presence: PresenceSchema });
export type LocationAnswer = Static<typeof LocationAnswerSchema>;
export const OwnTracksCredentialsSchema = Type.Object({ url: Type.String(), username: Type.String(), password: Type.String() });
export type OwnTracksCredentials = Static<typeof OwnTracksCredentialsSchema>;

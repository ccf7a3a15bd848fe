import { Type, type Static } from '@sinclair/typebox';
import { OBJECT_LABELS } from '../detection';
import { said } from './words';

/*
 * A camera's detection and recording settings as the hub's Cameras page reads and saves them.
 * The checks with their sentences live in common/cameraSettings.ts; these schemas are the
 * shapes both sides agree on.
 */

const Strict = { additionalProperties: false } as const;

/** [x, y] fractions of the frame, 0,0 top left. */
export const PointSchema = Type.Tuple([Type.Number(), Type.Number()]);
export type Point = Static<typeof PointSchema>;
export const PolygonSchema = Type.Array(PointSchema);

export const ObjectLabelSchema = Type.Union(OBJECT_LABELS.map((label) => Type.Literal(label)));

/** What the hub's object detector looks for on this camera and what of it alerts. */
export const DetectionSettingsSchema = Type.Object({
  /** The classes detected; none: every motion alerts, as before object detection. */
  classes: Type.Array(ObjectLabelSchema),
  /** An object counts only with at least this score for its class (0..1). */
  minScore: Type.Object({ person: Type.Number(), vehicle: Type.Number(), animal: Type.Number() }),
  /** Counted objects of these classes send an alert; a subset of `classes`. */
  alertOn: Type.Array(ObjectLabelSchema),
  /** Keep the clip of motion in which no counted object was seen (never alerted). */
  recordWithoutObject: Type.Boolean(),
});
export type DetectionSettings = Static<typeof DetectionSettingsSchema>;

export const CameraSettingsSchema = Type.Object({
  /** 1 (only large, clear motion) … 10 (the faintest change). */
  sensitivity: Type.Number(),
  /** Smallest moving object that counts, as a fraction of the frame. */
  minObjectSize: Type.Number(),
  /** Longest clip (s); longer motion continues in a new clip. */
  clipSeconds: Type.Number(),
  /** Motion this soon (s) after the last event is the same alert. */
  retriggerSeconds: Type.Number(),
  /** End the clip when motion stops (after the post-roll) instead of at the full length. */
  endEarly: Type.Boolean(),
  preRollSeconds: Type.Number(),
  postRollSeconds: Type.Number(),
  /** Record the camera's sound with its clips and live view (when it has any). */
  audio: Type.Boolean(),
  /** Motion counts only inside these (the whole frame when none). */
  zones: Type.Array(PolygonSchema),
  /** Motion inside these never counts. */
  ignoreMasks: Type.Array(PolygonSchema),
  detection: DetectionSettingsSchema,
});
export type CameraSettings = Static<typeof CameraSettingsSchema>;

export const NUMERIC_SETTINGS = ['sensitivity', 'minObjectSize', 'clipSeconds', 'retriggerSeconds', 'preRollSeconds', 'postRollSeconds'] as const;
export type NumericSetting = (typeof NUMERIC_SETTINGS)[number];

export const NumberBoundSchema = Type.Object({ min: Type.Number(), max: Type.Number(), integer: Type.Boolean() });
export type NumberBound = Static<typeof NumberBoundSchema>;

export const SettingLimitsSchema = Type.Object({
  bounds: Type.Object({
    sensitivity: NumberBoundSchema,
    minObjectSize: NumberBoundSchema,
    clipSeconds: NumberBoundSchema,
    retriggerSeconds: NumberBoundSchema,
    preRollSeconds: NumberBoundSchema,
    postRollSeconds: NumberBoundSchema,
  }),
  /** Bounds of every class's minimum score (detection.minScore). */
  minScore: NumberBoundSchema,
  maxShapes: Type.Integer(),
  maxCorners: Type.Integer(),
  minCorners: Type.Integer(),
});
export type SettingLimits = Static<typeof SettingLimitsSchema>;

export const CameraSettingsViewSchema = Type.Object({
  deviceId: Type.String(),
  name: Type.String(),
  online: Type.Boolean(),
  /** False until someone saves: the camera then runs on its own config file and these are the defaults. */
  saved: Type.Boolean(),
  version: Type.Integer(),
  updatedAt: Type.Union([Type.Number(), Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
  settings: CameraSettingsSchema,
  limits: SettingLimitsSchema,
  /** After a save: whether the camera was online to take it at once. */
  delivered: Type.Optional(Type.Boolean()),
});
export type CameraSettingsView = Static<typeof CameraSettingsViewSchema>;

// Shapes only: bounds and geometry are checked by checkCameraSettings, whose messages name the setting.
const shapes = (words: string) => Type.Array(Type.Array(Type.Array(Type.Number(), { maxItems: 8 }), { maxItems: 256 }), { ...said(words), maxItems: 64 });
// Any words: which are classes is checked by checkCameraSettings, whose message lists the classes.
const labels = (words: string) => Type.Array(Type.String({ maxLength: 32 }), { ...said(words), maxItems: 8 });
export const CameraSettingsBody = Type.Object(
  {
    version: Type.Optional(Type.Integer({ ...said('the settings version'), minimum: 0, description: 'The version these changes were made on (0: never saved); refused with 409 when someone saved since' })),
    sensitivity: Type.Optional(Type.Number({ ...said('the sensitivity'), description: '1 (only large, clear motion) … 10 (the faintest change)' })),
    minObjectSize: Type.Optional(Type.Number({ ...said('the smallest object size'), description: 'Smallest moving object that counts, as a fraction of the frame' })),
    clipSeconds: Type.Optional(Type.Number({ ...said('the clip length'), description: 'Longest clip, seconds' })),
    retriggerSeconds: Type.Optional(Type.Number({ ...said('the retrigger time'), description: 'Motion this soon after the last event is the same alert, seconds' })),
    endEarly: Type.Optional(Type.Boolean({ ...said('the "end clip early when motion stops" choice'), description: 'End the clip when motion stops (after the post-roll)' })),
    audio: Type.Optional(Type.Boolean({ ...said('the sound choice'), description: "Record the camera's sound (when it has any)" })),
    preRollSeconds: Type.Optional(Type.Number(said('the time recorded before motion'))),
    postRollSeconds: Type.Optional(Type.Number(said('the time recorded after motion'))),
    zones: Type.Optional(shapes('the zones')),
    ignoreMasks: Type.Optional(shapes('the ignore masks')),
    detection: Type.Optional(
      Type.Object(
        {
          classes: Type.Optional(labels('the classes to detect')),
          minScore: Type.Optional(
            Type.Object(
              {
                person: Type.Optional(Type.Number(said('the minimum person score'))),
                vehicle: Type.Optional(Type.Number(said('the minimum vehicle score'))),
                animal: Type.Optional(Type.Number(said('the minimum animal score'))),
              },
              { ...Strict, ...said('the minimum scores'), description: 'Per class, 0..1; classes left out keep their value' },
            ),
          ),
          alertOn: Type.Optional(labels('the classes that alert')),
          recordWithoutObject: Type.Optional(Type.Boolean({ ...said('the "record motion with no object" choice'), description: 'Keep clips of motion in which no counted object was seen' })),
        },
        { ...Strict, ...said('the detection settings'), description: 'Object detection; fields left out keep their value' },
      ),
    ),
  },
  { ...Strict, description: 'Settings left out keep their current value' },
);
export type CameraSettingsChange = Static<typeof CameraSettingsBody>;

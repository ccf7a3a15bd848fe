import { Type, type Static } from '@sinclair/typebox';
import { OBJECT_LABELS } from '../detection';

/* The clip timeline as the Timeline page pages through it. */

const Fraction = Type.Number({ minimum: 0, maximum: 1 });

/** One class the detector saw in a clip and that counts under the camera's detection settings. */
export const ClipLabelSchema = Type.Object({
  label: Type.Union(OBJECT_LABELS.map((l) => Type.Literal(l))),
  /** The best score of this class over the clip's motion events. */
  score: Fraction,
  /** Where that best detection was, [x, y, w, h] as fractions of the picture. */
  box: Type.Tuple([Fraction, Fraction, Fraction, Fraction]),
  /** Wall-clock ms of the camera frame it was in. */
  frameAt: Type.Number(),
});
export type ClipLabel = Static<typeof ClipLabelSchema>;

export const ClipRecordSchema = Type.Object({
  id: Type.String(),
  deviceId: Type.String(),
  deviceName: Type.String(),
  startedAt: Type.Number(),
  endedAt: Type.Number(),
  mediaStart: Type.Number(),
  mediaEnd: Type.Number(),
  trigger: Type.String(),
  plainBytes: Type.Number(),
  cipherBytes: Type.Number(),
  uploaded: Type.Boolean(),
  /** The hub still has its own copy (retention deletes it once the clip is safe in the cloud). */
  local: Type.Boolean(),
  /** A verified copy is in the cloud. */
  inCloud: Type.Boolean(),
  objectName: Type.Union([Type.String(), Type.Null()]),
  /**
   * What the object detector saw in the motion events that started within the clip, counted
   * as the camera's detection settings say (class on, score, zones), best score per label, in
   * the order person, vehicle, animal. Empty: nothing counted, or nothing was looked at.
   */
  labels: Type.Array(ClipLabelSchema),
});
export type ClipRecord = Static<typeof ClipRecordSchema>;

export const ClipPageSchema = Type.Object({
  clips: Type.Array(ClipRecordSchema),
  /** The cursor of the next page; null on the last. */
  next: Type.Union([Type.String(), Type.Null()]),
  /** The home's time zone, in which days are counted. */
  timeZone: Type.String(),
  /** Today in the home's time zone, YYYY-MM-DD. */
  today: Type.String(),
  day: Type.Union([Type.String(), Type.Null()]),
});
export type ClipPage = Static<typeof ClipPageSchema>;

import { Type, type Static } from '@sinclair/typebox';

/* The clip timeline as the Timeline page pages through it. */

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

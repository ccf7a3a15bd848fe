import { Type, type Static } from '@sinclair/typebox';

/*
 * A camera's health as its agent reports it to the hub (the words for each state are in
 * cameraStateWords.ts, free of TypeBox so the UI bundle stays small).
 */

export const CameraStateSchema = Type.Union([
  Type.Literal('connecting'),
  Type.Literal('streaming'),
  Type.Literal('stalled'),
  Type.Literal('reconnecting'),
  Type.Literal('unreachable'),
  Type.Literal('unauthorized'),
  Type.Literal('unsupported'),
]);
export type CameraStateName = Static<typeof CameraStateSchema>;

export const CameraHealthReportSchema = Type.Object(
  {
    state: CameraStateSchema,
    /** When the camera entered this state (ms since the epoch, the agent's clock). */
    since: Type.Number({ minimum: 0 }),
    /** Failed connects since video last arrived. */
    failures: Type.Integer({ minimum: 0 }),
    /** ffmpeg's words for the last failure, credentials removed. */
    detail: Type.Union([Type.String({ maxLength: 500 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type CameraHealthReport = Static<typeof CameraHealthReportSchema>;

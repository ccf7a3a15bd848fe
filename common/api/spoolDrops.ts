import { Type, type Static } from '@sinclair/typebox';
import { said } from './words';

/*
 * A camera telling the hub what its spool budget made it drop while its clips could not be
 * delivered: POST /api/device/spool-drops, sent once clips go through again.
 */

export const SpoolDropReportSchema = Type.Object(
  {
    reportId: Type.String({ ...said('the report id'), pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'Chosen by the camera; a resent report is recorded once' }),
    since: Type.Integer({ ...said('the start of the outage'), minimum: 0, description: 'Wall-clock ms of the first failed delivery (or of the first drop)' }),
    until: Type.Integer({ ...said('the end of the outage'), minimum: 0, description: 'Wall-clock ms of the first delivery that went through again' }),
    droppedClips: Type.Integer({ ...said('the number of dropped clips'), minimum: 1, maximum: 1_000_000 }),
    droppedBytes: Type.Integer({ ...said('the dropped bytes'), minimum: 0 }),
    reason: Type.Union([Type.Literal('unreachable'), Type.Literal('hub-full')], {
      ...said('the reason'),
      description: 'unreachable: no answer from the hub; hub-full: the hub answered 507 (its own disk could not take clips)',
    }),
  },
  { additionalProperties: false },
);
export type SpoolDropReport = Static<typeof SpoolDropReportSchema>;

export const SpoolDropAnswerSchema = Type.Object({ ok: Type.Boolean(), duplicate: Type.Boolean() }, { additionalProperties: false });
export type SpoolDropAnswer = Static<typeof SpoolDropAnswerSchema>;

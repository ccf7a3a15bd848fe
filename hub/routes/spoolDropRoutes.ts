import { SpoolDropAnswerSchema, SpoolDropReportSchema } from '../../common/api/spoolDrops';
import { HttpError } from '../httpError';
import { type HubServices, type RouteDef, route, deviceOf } from '../routeTable';
import { recordSpoolDrops } from '../spoolDropNotice';

/** A camera's report of clips its disk budget dropped while the hub could not take them (docs/cameras.md). */
export function spoolDropRoutes(svc: HubServices): RouteDef[] {
  return [
    route({
      method: 'POST',
      url: '/api/device/spool-drops',
      access: { kind: 'device' },
      summary: 'A camera reports the clips its spool budget dropped during an outage (audited, owners told)',
      schema: { body: SpoolDropReportSchema, response: { 200: SpoolDropAnswerSchema } },
      rateLimit: 'device',
      handler: async (req) => {
        const report = req.body;
        if (report.until < report.since) throw new HttpError(400, 'BAD_OUTAGE', 'the outage ends (until) before it starts (since)');
        const recorded = await recordSpoolDrops(svc, deviceOf(req), report);
        return { ok: true, duplicate: !recorded };
      },
    }),
  ];
}

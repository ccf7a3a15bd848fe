import { DashboardSchema } from '../../common/api/dashboard';
import { readCloudHealth } from '../../common/cloud/cloudHealth';
import { buildDashboard } from '../dashboard';
import { type HubServices, type RouteDef, route, userOf } from '../routeTable';
import { cameraHealth, diskSpace } from '../systemStatus';
import { dashboardCloudFor, isKnown, knownCameras } from '../disclosure';
import { FOOTAGE_ROLES, grantsOf, ROLES, visibleCameras } from '../users';

/** The landing page's data in one request, polled every few seconds while it is shown. */
export function dashboardRoutes(svc: HubServices): RouteDef[] {
  return [
    route({
      method: 'GET',
      url: '/api/dashboard',
      access: { kind: 'user', roles: ROLES },
      summary: 'Cameras (online, last motion, recording, newest clip), storage and cloud backup; installers get it without footage',
      schema: { response: { 200: DashboardSchema } },
      handler: async (req) => {
        const user = userOf(req);
        const footage = FOOTAGE_ROLES.includes(user.role);
        const known = knownCameras(user.role, grantsOf(svc.db, user.id));
        const now = svc.now();
        const decision = footage ? svc.arming.state() : null;
        return buildDashboard({
          db: svc.db,
          clips: svc.clips,
          now,
          timeZone: svc.arming.store.settings().timeZone,
          cameras: cameraHealth(svc.db, (id) => svc.channels.isOnline(id))
            .filter((c) => isKnown(known, c.id))
            .map((c) => ({ ...c, health: svc.health.get(c.id) })),
          footage,
          armedToRecord: (id) => (decision ? svc.arming.forCamera(id, decision).record : false),
          usage: footage ? svc.clips.localUsage(visibleCameras(svc.db, user)) : null,
          cloud: dashboardCloudFor(user.role, readCloudHealth(svc.db, now)),
          disk: await diskSpace(svc.clips.clipsDir),
        });
      },
    }),
  ];
}

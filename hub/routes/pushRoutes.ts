import { Type } from '@sinclair/typebox';
import { said } from '../../common/api/words';
import { PushDeviceBody, PushDeviceListSchema, PushDeviceSchema, SnoozeBody, SnoozeListSchema, VapidKeySchema } from '../../common/api/push';
import { HttpError } from '../httpError';
import { type HubServices, type RouteDef, route, actorOf, userOf } from '../routeTable';
import { getDevice } from '../devices';
import { knownCameras, isKnown } from '../disclosure';
import { grantsOf } from '../users';
import { snoozeEnd } from '../notificationPolicy';
import { NotificationSnoozes } from '../notificationSnoozes';
import { PushDeviceLimitError, PushDevices } from '../pushDevices';
import { checkPushDevice } from '../pushSubscriptionCheck';

/*
 * Web Push: the VAPID public key for the page's subscribe call, each user's own devices, and
 * snoozes. Everything is the signed-in user's own: there is no route to anyone else's devices.
 */

const Strict = { additionalProperties: false } as const;
const IdParams = Type.Object({ id: Type.String({ ...said('the device id'), pattern: '^[0-9a-f-]{36}$' }) }, Strict);
const SnoozeQuery = Type.Object({ camera: Type.Optional(Type.String({ ...said('the camera'), minLength: 1, maxLength: 100 })) }, Strict);

export function pushRoutes(svc: HubServices): RouteDef[] {
  const anyone = { kind: 'user', roles: ['owner', 'member', 'viewer', 'installer'] } as const;
  const devices = new PushDevices(svc.db);
  const snoozes = new NotificationSnoozes(svc.db);

  return [
    route({
      method: 'GET',
      url: '/api/push/key',
      access: anyone,
      summary: "The hub's VAPID public key, for the page's pushManager.subscribe",
      schema: { response: { 200: VapidKeySchema } },
      handler: async () => ({ publicKey: svc.push.publicKey }),
    }),
    route({
      method: 'GET',
      url: '/api/me/push/devices',
      access: anyone,
      summary: 'Your devices that receive notifications (their push service, never the endpoint)',
      schema: { response: { 200: PushDeviceListSchema } },
      handler: async (req) => ({ devices: devices.list(userOf(req).id) }),
    }),
    route({
      method: 'POST',
      url: '/api/me/push/devices',
      access: anyone,
      summary: "Register this browser's push subscription under a name",
      schema: { body: PushDeviceBody, response: { 201: PushDeviceSchema } },
      handler: async (req, reply) => {
        const user = userOf(req);
        let checked;
        try {
          checked = checkPushDevice(req.body);
        } catch (err) {
          throw new HttpError(400, 'BAD_PUSH_SUBSCRIPTION', (err as Error).message);
        }
        let device;
        try {
          device = devices.add(user.id, checked, svc.now(), req.session?.handle ?? null);
        } catch (err) {
          if (err instanceof PushDeviceLimitError) throw new HttpError(409, 'TOO_MANY_DEVICES', err.message);
          throw err;
        }
        svc.audit.append({ actor: actorOf(req), action: 'push.device.added', target: `push:${device.id}`, ip: req.ip, detail: { name: device.name, service: device.service } }, svc.now());
        return reply.code(201).send(device);
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/me/push/devices/:id',
      access: anyone,
      summary: 'Stop notifications to one of your devices',
      schema: { params: IdParams },
      handler: async (req) => {
        const user = userOf(req);
        // Another user's device answers as a missing one: its existence is not theirs to learn.
        if (!devices.remove(user.id, req.params.id)) throw new HttpError(404, 'NO_SUCH_DEVICE', 'you have no device by that id');
        svc.audit.append({ actor: actorOf(req), action: 'push.device.removed', target: `push:${req.params.id}`, ip: req.ip }, svc.now());
        return { ok: true };
      },
    }),
    route({
      method: 'GET',
      url: '/api/me/snoozes',
      access: anyone,
      summary: 'Your snoozed notifications',
      schema: { response: { 200: SnoozeListSchema } },
      handler: async (req) => ({ snoozes: snoozes.of(userOf(req).id, svc.now()) }),
    }),
    route({
      method: 'PUT',
      url: '/api/me/snoozes',
      access: anyone,
      summary: 'Snooze every notification, or one camera, for 30m, 1h, 4h or until the home is disarmed',
      schema: { body: SnoozeBody, response: { 200: SnoozeListSchema } },
      handler: async (req) => {
        const user = userOf(req);
        const camera = req.body.camera ?? null;
        let until: number | null;
        try {
          until = snoozeEnd(req.body.for, svc.now());
        } catch (err) {
          throw new HttpError(400, 'BAD_SNOOZE', (err as Error).message);
        }
        if (camera !== null && (!getDevice(svc.db, camera) || !isKnown(knownCameras(user.role, grantsOf(svc.db, user.id)), camera))) {
          throw new HttpError(404, 'NO_SUCH_CAMERA', 'no such camera');
        }
        snoozes.set(user.id, camera, until, svc.now());
        return { snoozes: snoozes.of(user.id, svc.now()) };
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/me/snoozes',
      access: anyone,
      summary: 'End a snooze early (every notification, or ?camera= one camera)',
      schema: { querystring: SnoozeQuery, response: { 200: SnoozeListSchema } },
      handler: async (req) => {
        const user = userOf(req);
        snoozes.clear(user.id, req.query.camera ?? null);
        return { snoozes: snoozes.of(user.id, svc.now()) };
      },
    }),
  ];
}

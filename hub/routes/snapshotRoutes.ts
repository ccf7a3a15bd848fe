import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { said } from '../../common/api/words';
import { getDevice } from '../devices';
import { HttpError } from '../httpError';
import { type HubServices, type RouteDef, route, auditor, deviceOf, streamBody, userOf } from '../routeTable';
import { SnapshotRequests, SnapshotTimeout } from '../snapshotRequests';
import { FOOTAGE_ROLES, visibleCameras } from '../users';

/*
 * A current picture from a camera, to draw zones and masks on. It is footage: only people
 * who may watch that camera's clips get it (never an installer), and never in privacy mode.
 * The hub asks over the camera's channel; the camera answers with a JPEG on its own request.
 */

const Strict = { additionalProperties: false } as const;
const CameraParams = Type.Object({ id: Type.String({ ...said('the id'), pattern: '^[0-9a-f-]{36}$' }) }, Strict);
const AnswerParams = Type.Object({ requestId: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }, Strict);
export const MAX_SNAPSHOT_BYTES = 2 * 1024 * 1024;
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);

async function readCapped(body: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) throw new HttpError(413, 'TOO_LARGE', `the picture is larger than ${max / (1024 * 1024)} MiB`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function snapshotRoutes(svc: HubServices, requests = new SnapshotRequests()): RouteDef[] {
  const audit = auditor(svc);
  return [
    route({
      method: 'GET',
      url: '/api/cameras/:id/snapshot',
      access: { kind: 'user', roles: FOOTAGE_ROLES },
      summary: "A current JPEG from a camera (for drawing zones); refused in privacy mode and when the camera is offline",
      schema: { params: CameraParams },
      handler: async (req, reply) => {
        const { id } = req.params;
        const cameras = visibleCameras(svc.db, userOf(req));
        const device = getDevice(svc.db, id);
        // A camera this user may not watch answers exactly like one that does not exist.
        if (!device || (cameras !== 'all' && !cameras.includes(id))) throw new HttpError(404, 'NO_SUCH_DEVICE', 'no such camera');
        if (!svc.arming.forCamera(id).live) throw new HttpError(409, 'PRIVACY_MODE', 'the home is in privacy mode: cameras show no pictures until it ends');
        const picture = svc.channels.isOnline(id) ? requests.ask(id, (requestId) => svc.channels.push(id, 'snapshot', { requestId }) > 0) : null;
        if (!picture) throw new HttpError(409, 'CAMERA_OFFLINE', 'the camera is offline');
        let jpeg: Buffer;
        try {
          jpeg = await picture;
        } catch (err) {
          if (err instanceof SnapshotTimeout) throw new HttpError(504, 'SNAPSHOT_TIMEOUT', err.message);
          throw err;
        }
        audit(req, 'camera.snapshot_viewed', { target: `device:${id}` });
        return reply.header('content-type', 'image/jpeg').header('cache-control', 'no-store').send(jpeg);
      },
    }),
    route({
      method: 'POST',
      url: '/api/device/snapshots/:requestId',
      access: { kind: 'device' },
      summary: 'A camera answers a picture request with a JPEG (application/octet-stream)',
      schema: { params: AnswerParams },
      rateLimit: 'device',
      bodyLimit: MAX_SNAPSHOT_BYTES,
      handler: async (req) => {
        const device = deviceOf(req);
        const { requestId } = req.params;
        // Checked first: a camera learns nothing about requests made of other cameras.
        if (!requests.awaits(device.id, requestId)) throw new HttpError(404, 'NO_SUCH_REQUEST', 'no picture is awaited with this id (it was answered, or asked too long ago)');
        if (!String(req.headers['content-type'] ?? '').startsWith('application/octet-stream')) {
          throw new HttpError(415, 'BAD_CONTENT_TYPE', 'send the picture as application/octet-stream');
        }
        const jpeg = await readCapped(streamBody(req), MAX_SNAPSHOT_BYTES);
        if (jpeg.length < 4 || !jpeg.subarray(0, 3).equals(JPEG_MAGIC)) throw new HttpError(400, 'NOT_A_JPEG', 'the picture is not a JPEG');
        if (!requests.deliver(device.id, requestId, jpeg)) throw new HttpError(404, 'NO_SUCH_REQUEST', 'no picture is awaited with this id (it was answered, or asked too long ago)');
        return { ok: true };
      },
    }),
  ];
}

import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { said } from '../../common/api/words';
import { getDevice } from '../devices';
import { HttpError } from '../httpError';
import { type LiveRefusal, type UpstreamEnd, type Watcher } from '../liveStreams';
import { type HubServices, type RouteDef, route, auditor, deviceOf, streamBody, userOf } from '../routeTable';
import { mustEnroll2fa } from '../securitySettings';
import { touchSession } from '../sessions';
import { FOOTAGE_ROLES, getUser, visibleCameras } from '../users';

/*
 * Live view. A browser opens a WebSocket per camera it shows (session cookie, same-origin
 * only, footage roles with a grant to that camera); the camera uploads its fragmented MP4 on
 * one long request while anyone watches (liveStreams.ts). Messages to the browser: JSON
 * {type:'stream', mime} before each init segment, then binary init segment and fragments;
 * a refusal is JSON {type:'error', code, message} and the socket closes.
 */

const Strict = { additionalProperties: false } as const;
const CameraParams = Type.Object({ id: Type.String({ ...said('the id'), pattern: '^[0-9a-f-]{36}$' }) }, Strict);
const NO_SUCH_CAMERA: LiveRefusal = { code: 'NO_SUCH_DEVICE', message: 'no such camera' };
const SESSION_ENDED: LiveRefusal = { code: 'NOT_SIGNED_IN', message: 'you are not signed in (or your session ended): sign in again' };
/** The same words every other route answers with (routeTable.ts). */
const ENROLL_2FA: LiveRefusal = { code: 'ENROLL_2FA', message: 'this home requires two-factor sign-in: set it up under Security first' };
/** setTimeout's longest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A camera that goes on sending after the hub answered its upload is cut off after this. */
const HANG_UP_GRACE_MS = 5000;
/** WebSocket close code for a refusal (4000–4999 are the application's; the JSON message says why). */
const CLOSE_REFUSED = 4000;

const requireOctetStream = async (req: FastifyRequest) => {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/octet-stream')) {
    throw new HttpError(415, 'BAD_CONTENT_TYPE', 'send the live stream as application/octet-stream');
  }
};

export function liveRoutes(svc: HubServices): RouteDef[] {
  const audit = auditor(svc);
  /**
   * Whether the user behind `req` may watch `id` now: their session, the owner's 2FA rule, their
   * role, their grant, the camera not revoked. Asked at the start and again whenever an access
   * change may concern them (liveStreams.ts).
   */
  const mayWatch = (req: FastifyRequest, id: string): LiveRefusal | null => {
    const session = req.sessionId ? touchSession(svc.db, req.sessionId, svc.config.sessionIdleMinutes * 60_000, svc.now()) : null;
    const user = session ? getUser(svc.db, session.userId) : undefined;
    if (!user) return SESSION_ENDED;
    if (mustEnroll2fa(svc.db, user)) return ENROLL_2FA;
    const cameras = visibleCameras(svc.db, user);
    const device = getDevice(svc.db, id);
    // A camera this user may not watch answers exactly like one that does not exist.
    if (!FOOTAGE_ROLES.includes(user.role) || !device || device.revoked || (cameras !== 'all' && !cameras.includes(id))) return NO_SUCH_CAMERA;
    return null;
  };

  return [
    route({
      method: 'GET',
      url: '/api/cameras/:id/live',
      access: { kind: 'user', roles: FOOTAGE_ROLES },
      summary: 'Live view of a camera, as a WebSocket: a JSON {type:"stream",mime} message, then the MP4 init segment and fragments as binary messages',
      schema: { params: CameraParams },
      handler: async (req) => {
        const { id } = req.params;
        const refusal = mayWatch(req, id);
        if (refusal) throw new HttpError(404, refusal.code, refusal.message);
        throw new HttpError(426, 'UPGRADE_REQUIRED', 'live view is a WebSocket: open this address with one');
      },
      websocket: (socket, req) => {
        const { id } = req.params;
        let closed = false;
        let leave: () => void = () => undefined;
        const send = (message: unknown) => {
          if (!closed) socket.send(JSON.stringify(message));
        };
        const refuse = (refusal: LiveRefusal) => {
          if (closed) return;
          send({ type: 'error', code: refusal.code, message: refusal.message });
          closed = true;
          leave();
          socket.close(CLOSE_REFUSED, refusal.code);
        };
        socket.on('close', () => {
          closed = true;
          leave();
        });
        // Viewers have nothing to say; maxPayload caps what they could.
        socket.on('message', () => undefined);
        const refusal = mayWatch(req, id) ?? svc.live.refusal(id);
        if (refusal) return refuse(refusal);
        audit(req, 'live.started', { target: `device:${id}` });
        const watcher: Watcher = {
          userId: userOf(req).id,
          sendJson: send,
          sendBinary: (data) => {
            if (!closed) socket.send(data, { binary: true });
          },
          backlog: () => socket.bufferedAmount,
          refuse,
          recheck: () => mayWatch(req, id),
        };
        const stopWatching = svc.live.watch(id, watcher);
        // A session's absolute end is known in advance: end the view then, not at the next check.
        let expiry: NodeJS.Timeout | null = null;
        const atExpiry = () => {
          const left = req.session!.expiresAt - svc.now();
          expiry = setTimeout(() => {
            const ended = mayWatch(req, id);
            if (ended) refuse(ended);
            else atExpiry();
          }, Math.min(Math.max(left + 10, 0), MAX_TIMER_MS));
          expiry.unref();
        };
        atExpiry();
        leave = () => {
          leave = () => undefined;
          if (expiry) clearTimeout(expiry);
          stopWatching();
        };
        if (closed) leave();
      },
    }),
    route({
      method: 'POST',
      url: '/api/device/live',
      access: { kind: 'device' },
      summary: "A camera's live stream while someone watches: its fragmented MP4 (init segment, then fragments as they are made) in one streaming request body",
      rateLimit: 'device',
      onRequest: requireOctetStream,
      handler: async (req) => {
        const device = deviceOf(req);
        const body = streamBody(req);
        const ended = await new Promise<UpstreamEnd | null>((resolve) => {
          const handle = svc.live.openUpstream(device.id, resolve);
          if (!('data' in handle)) return resolve({ status: 409, ...handle });
          body.on('data', (chunk: Buffer) => handle.data(chunk));
          body.on('end', () => {
            handle.end();
            resolve(null);
          });
          body.on('close', () => {
            handle.end();
            resolve(null);
          });
          body.on('error', () => undefined);
        });
        if (ended === null) return { ok: true };
        // The hub ended it: answer now; a camera that keeps sending after the answer is cut off.
        setTimeout(() => {
          if (!body.readableEnded) req.raw.destroy();
        }, HANG_UP_GRACE_MS).unref();
        if (ended.status >= 400) throw new HttpError(ended.status, ended.code, ended.message);
        return { stopped: true, code: ended.code, message: ended.message };
      },
    }),
  ];
}

import type { FastifyRequest } from 'fastify';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { said } from '../../common/api/words';
import { Value } from '@sinclair/typebox/value';
import { CLIP_META_HEADER, ClipUploadMetaSchema, MotionEventSchema } from '../../common/protocol';
import { CameraHealthReportSchema } from '../../common/api/cameraHealth';
import { DETECTION_META_HEADER, DetectionAnswerSchema, DetectionFrameMetaSchema, yuv420pBytes, type DetectedObject } from '../../common/detection';
import type { Readable } from 'node:stream';
import { eventLabels, recordLabels, type ObjectsNotice } from '../motionLabels';
import { maskUrlCredentials } from '../../common/urlCredentials';
import { DeviceListSchema, PairingInviteSchema, RenameDeviceBody } from '../../common/api/devices';
import { DeviceError, getDevice, listDevices, renameDevice, revokeDevice } from '../devices';
import { HttpError, refusalsAs400 } from '../httpError';
import { openPairingWindow } from '../pairing';
import { hubUrlFor, pairingInvite } from '../pairingInvite';
import { detectionSettingsOf, getCameraSettings, settingsMessage } from '../cameraSettingsStore';
import { type HubServices, type RouteDef, route, auditor, deviceOf, streamBody, userOf } from '../routeTable';
import { DEVICE_ROLES, grantsOf, ROLES } from '../users';
import { deviceViewFor, knownCameras } from '../disclosure';

/*
 * Cameras: opening pairing windows and re-provisioning (owner or installer; the camera's side
 * of pairing is pairingRoutes.ts), and the device side of the
 * API, where a token only ever acts as its own device. Revoking or re-provisioning cuts
 * the device's open connections at once.
 */

const Strict = { additionalProperties: false } as const;
const DeviceParams = Type.Object({ id: Type.String({ ...said('the id'), pattern: '^[0-9a-f-]{36}$' }) }, Strict);
const Ok = Type.Object({ ok: Type.Boolean() });
const CHANNEL_HEARTBEAT_MS = 25_000;
/** The largest detection picture the meta schema allows (1920×1080 yuv420p). */
const MAX_DETECTION_BYTES = yuv420pBytes(DetectionFrameMetaSchema.properties.width.maximum!, DetectionFrameMetaSchema.properties.height.maximum!);

/** Exactly `expected` bytes of a detection picture, held in memory only (never written to disk). */
async function readPicture(body: Readable, expected: number): Promise<Uint8Array> {
  const picture = new Uint8Array(expected);
  let filled = 0;
  for await (const chunk of body) {
    const c = chunk as Buffer;
    if (filled + c.length > expected) throw new HttpError(413, 'PICTURE_TOO_LARGE', `the picture is longer than its ${expected} bytes of yuv420p`);
    picture.set(c, filled);
    filled += c.length;
  }
  if (filled !== expected) throw new HttpError(400, 'PICTURE_SIZE', `the picture is ${filled} bytes; ${expected} were expected for its size in yuv420p`);
  return picture;
}

/** An upload's metadata, JSON in a header beside the binary body; a 400 naming the first bad field otherwise. */
function metaHeader<T extends TSchema>(req: FastifyRequest, header: string, schema: T, code: string, what: string): Static<T> {
  const raw = req.headers[header];
  let meta: unknown;
  try {
    meta = typeof raw === 'string' ? JSON.parse(raw) : undefined;
  } catch {
    meta = undefined;
  }
  if (!Value.Check(schema, meta)) {
    const first = meta === undefined ? undefined : Value.Errors(schema, meta).First();
    throw new HttpError(400, code, `header ${header} must be ${what} JSON${first ? `: ${first.path} ${first.message}` : ''}`);
  }
  return meta;
}

export function deviceRoutes(svc: HubServices): RouteDef[] {
  const { db, log } = svc;
  const audit = auditor(svc);
  const managers = { kind: 'user', roles: DEVICE_ROLES } as const;
  const deviceOrThrow = (id: string) => {
    const device = getDevice(db, id);
    if (!device) throw new HttpError(404, 'NO_SUCH_DEVICE', 'no such camera');
    return device;
  };

  const requireOctetStream = async (req: FastifyRequest) => {
    // Checked before the body is parsed, so a wrong type is named as such rather than as "too large".
    if (!String(req.headers['content-type'] ?? '').startsWith('application/octet-stream')) {
      throw new HttpError(415, 'BAD_CONTENT_TYPE', 'send the clip as application/octet-stream');
    }
  };

  return [
    route({
      method: 'POST',
      url: '/api/pairing/open',
      access: managers,
      summary: 'Open a pairing window; returns the one-time code for the new camera',
      schema: { response: { 200: PairingInviteSchema } },
      rateLimit: 'pairing',
      handler: async (req) => {
        const window = await openPairingWindow(db, svc.config.pairingWindowSeconds * 1000, svc.now());
        audit(req, 'pairing.opened', { detail: { expiresAt: window.expiresAt } });
        log.info({ by: userOf(req).username, expiresAt: window.expiresAt }, 'pairing window opened');
        return pairingInvite(window, hubUrlFor(req.headers.host, svc.runtime().url), svc.tls.local.caFingerprint);
      },
    }),
    route({
      method: 'GET',
      url: '/api/devices',
      access: { kind: 'user', roles: ROLES },
      summary: 'Paired cameras (viewers see only the cameras granted to them)',
      schema: { response: { 200: DeviceListSchema } },
      handler: async (req) => {
        const user = userOf(req);
        const devices = listDevices(db, knownCameras(user.role, grantsOf(db, user.id)));
        return { devices: devices.map((d) => deviceViewFor(user.role, { ...d, online: svc.channels.isOnline(d.id), live: svc.live.isStreaming(d.id), health: svc.health.get(d.id) })) };
      },
    }),
    route({
      method: 'PATCH',
      url: '/api/devices/:id',
      access: managers,
      summary: 'Rename a camera',
      schema: { params: DeviceParams, body: RenameDeviceBody, response: { 200: Ok } },
      handler: async (req) => {
        const { id } = req.params;
        const before = deviceOrThrow(id);
        const { name } = req.body;
        await refusalsAs400([DeviceError], () => renameDevice(db, id, name));
        audit(req, 'device.renamed', { target: `device:${id}`, detail: { from: before.name, to: name } });
        return { ok: true };
      },
    }),
    route({
      method: 'POST',
      url: '/api/devices/:id/reprovision',
      access: managers,
      summary: "Revoke a camera's token now and open a pairing window that gives it a new one",
      schema: { params: DeviceParams, response: { 200: PairingInviteSchema } },
      rateLimit: 'pairing',
      handler: async (req) => {
        const { id } = req.params;
        deviceOrThrow(id);
        const window = await openPairingWindow(db, svc.config.pairingWindowSeconds * 1000, svc.now(), id);
        const cut = svc.connections.cut(id);
        audit(req, 'device.token_rotated', { target: `device:${id}`, detail: { connectionsClosed: cut } });
        return pairingInvite(window, hubUrlFor(req.headers.host, svc.runtime().url), svc.tls.local.caFingerprint);
      },
    }),
    route({
      method: 'POST',
      url: '/api/devices/:id/revoke',
      access: managers,
      summary: "Revoke a camera's token: it is refused at once, its clips stay",
      schema: { params: DeviceParams },
      handler: async (req) => {
        const { id } = req.params;
        deviceOrThrow(id);
        revokeDevice(db, id, svc.now());
        const cut = svc.connections.cut(id);
        svc.accessChanges.changed({ deviceId: id });
        audit(req, 'device.revoked', { target: `device:${id}`, detail: { connectionsClosed: cut } });
        return { ok: true };
      },
    }),
    route({
      method: 'POST',
      url: '/api/device/clips',
      access: { kind: 'device' },
      summary: 'A camera uploads an encrypted clip (application/octet-stream, metadata in x-porchlight-clip)',
      rateLimit: 'upload',
      bodyLimit: svc.config.maxClipBytes,
      onRequest: requireOctetStream,
      handler: async (req, reply) => {
        const device = deviceOf(req);
        const meta = metaHeader(req, CLIP_META_HEADER, ClipUploadMetaSchema, 'BAD_CLIP_META', 'clip metadata');
        const length = req.headers['content-length'] ? Number(req.headers['content-length']) : undefined;
        const { record, duplicate, dropped } = await svc.clips.ingest(device.id, meta, streamBody(req), length);
        if (!duplicate && !dropped) {
          log.info({ clipId: record.id, device: device.name, bytes: record.cipherBytes }, 'clip stored');
          // Its motion's detection picture, when that was ready before the clip arrived.
          await svc.thumbnails.adoptFor([record]);
        }
        // A clip the household chose not to keep (motion with nothing counted) is still acknowledged, so the camera deletes its copy.
        return reply.code(duplicate ? 200 : 201).send({ clipId: record.id, stored: !dropped, duplicate });
      },
    }),
    route({
      method: 'POST',
      url: '/api/device/events',
      access: { kind: 'device' },
      summary: 'A camera reports motion starting or ending',
      schema: { body: MotionEventSchema },
      rateLimit: 'device',
      handler: async (req) => {
        const body = req.body;
        db.prepare(
          'INSERT INTO motion_events (device_id, kind, media_time, at, received_at, source, retrigger) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ).run(deviceOf(req).id, body.kind, body.mediaTime, body.at, svc.now(), body.source ?? 'video', body.retrigger ? 1 : 0);
        const device = deviceOf(req);
        svc.events.emit('motion', { deviceId: device.id, deviceName: device.name, kind: body.kind, at: body.at, retrigger: body.retrigger === true });
        return { ok: true };
      },
    }),
    route({
      method: 'POST',
      url: '/api/device/detection-frames',
      access: { kind: 'device' },
      summary: `While motion lasts, a camera sends a picture (yuv420p, metadata in ${DETECTION_META_HEADER}) to the hub's object detector; answers what it saw`,
      schema: { response: { 200: DetectionAnswerSchema } },
      rateLimit: 'device',
      bodyLimit: MAX_DETECTION_BYTES,
      onRequest: async (req) => {
        if (!String(req.headers['content-type'] ?? '').startsWith('application/octet-stream')) {
          throw new HttpError(415, 'BAD_CONTENT_TYPE', 'send the picture as application/octet-stream');
        }
      },
      handler: async (req) => {
        const device = deviceOf(req);
        const meta = metaHeader(req, DETECTION_META_HEADER, DetectionFrameMetaSchema, 'BAD_DETECTION_META', 'detection picture metadata');
        const expected = yuv420pBytes(meta.width, meta.height);
        const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
        if (declared !== undefined && declared > expected) {
          throw new HttpError(413, 'PICTURE_TOO_LARGE', `the picture is ${declared} bytes; a ${meta.width}x${meta.height} yuv420p picture is ${expected}`);
        }
        if (declared !== undefined && declared < expected) {
          throw new HttpError(400, 'PICTURE_SIZE', `the picture is ${declared} bytes; a ${meta.width}x${meta.height} yuv420p picture is ${expected}`);
        }
        const detector = svc.detector;
        if (!detector) throw new HttpError(503, 'DETECTION_OFF', 'object detection is off on this hub');
        // A camera set to detect no class is not looked at; 503 tells it to stop sending for this event.
        if (detectionSettingsOf(db, device.id, svc.wholeConfig.hub.detection).classes.length === 0) {
          throw new HttpError(503, 'DETECTION_OFF', 'object detection is off for this camera (it detects no class)');
        }
        // The camera sends none in privacy mode or with its motion off; one that does anyway is not looked at.
        const arming = svc.arming.forCamera(device.id);
        if (arming.mode === 'privacy') throw new HttpError(409, 'PRIVACY_MODE', 'the home is in privacy mode: no pictures are looked at');
        if (!arming.motion) throw new HttpError(409, 'MOTION_OFF', "this camera's motion detection is switched off: no pictures are looked at");
        const started = db.prepare("SELECT 1 FROM motion_events WHERE device_id = ? AND kind = 'start' AND at = ? LIMIT 1").get(device.id, meta.eventAt);
        if (!started) throw new HttpError(404, 'NO_SUCH_EVENT', `this camera reported no motion starting at ${meta.eventAt}`);
        if (meta.frameAt < meta.eventAt) throw new HttpError(409, 'PICTURE_BEFORE_EVENT', 'the picture was taken before its motion started');
        const data = await readPicture(streamBody(req), expected);
        const frame = { width: meta.width, height: meta.height, data };
        // The event's thumbnail waits for the pictures still with the detector before it is drawn.
        const look = svc.detectionThumbnails?.look(device.id, meta.eventAt);
        let objects: DetectedObject[];
        try {
          try {
            objects = await detector.detect(frame);
          } catch (err) {
            log.error({ device: device.name, err: (err as Error).message }, 'the object detector failed on a picture');
            throw new HttpError(500, 'DETECTOR_FAILED', 'the object detector failed on this picture');
          }
          recordLabels(db, device.id, meta.eventAt, meta.frameAt, objects, svc.now());
          look?.offer(frame, meta.frameAt, objects, meta.region);
        } finally {
          look?.done();
        }
        log.debug({ device: device.name, eventAt: meta.eventAt, frameAt: meta.frameAt, labels: objects.map((o) => o.label) }, 'detection picture looked at');
        // Every answer, an empty one too: alerts hold a motion notice until the detector has spoken.
        const notice: ObjectsNotice = { deviceId: device.id, deviceName: device.name, eventAt: meta.eventAt, frameAt: meta.frameAt, objects, ...(meta.region ? { region: meta.region } : {}) };
        svc.events.emit('objects', notice);
        return { objects, labels: eventLabels(db, device.id, meta.eventAt) };
      },
    }),
    route({
      method: 'POST',
      url: '/api/device/health',
      access: { kind: 'device' },
      summary: "A camera reports its video's health (streaming, stalled, unreachable, …)",
      schema: { body: CameraHealthReportSchema },
      rateLimit: 'device',
      handler: async (req) => {
        const device = deviceOf(req);
        const before = svc.health.get(device.id)?.state;
        // The camera takes its credentials out of ffmpeg's words; should one not (an older
        // agent, words it did not foresee), a URL's user:password still stops here, before
        // the API, the UI, MQTT or the log.
        const report = { ...req.body, detail: req.body.detail === null ? null : maskUrlCredentials(req.body.detail) };
        svc.health.report(device.id, report);
        if (before !== report.state) log.info({ device: device.name, state: report.state, detail: report.detail ?? undefined }, 'camera health');
        return { ok: true };
      },
    }),
    route({
      method: 'GET',
      url: '/api/device/channel',
      access: { kind: 'device' },
      summary: "A camera's long-lived channel (server-sent events) for what the hub pushes to it",
      rateLimit: 'device',
      handler: async (req, reply) => {
        const device = deviceOf(req);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(`event: hello\ndata: ${JSON.stringify({ deviceId: device.id, name: device.name })}\n\n`);
        // The state in force at once, then every change as it happens.
        res.write(`event: arming\ndata: ${JSON.stringify(svc.arming.messageFor(device.id))}\n\n`);
        const settings = getCameraSettings(db, device.id);
        if (settings) res.write(`event: settings\ndata: ${JSON.stringify(settingsMessage(settings))}\n\n`);
        svc.channels.add(device.id, res);
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), CHANNEL_HEARTBEAT_MS);
        req.raw.socket.once('close', () => clearInterval(heartbeat));
      },
    }),
  ];
}

import { ClipPageSchema } from '../../common/api/clips';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { said } from '../../common/api/words';
import { HttpError } from '../httpError';
import { type HubServices, type RouteDef, route, auditor, userOf } from '../routeTable';
import { FOOTAGE_ROLES, visibleCameras } from '../users';
import { ThumbnailError, type Thumbnail } from '../clipThumbnails';
import { clipFileName } from '../clipFileName';
import { cursorAfter, localDay, parseTimelineQuery, TimelineQueryError } from '../timelineQuery';

/*
 * Footage. Installers never reach these routes (their role is not listed); viewers see
 * only granted cameras, and a clip of another camera answers 404 exactly like a clip
 * that does not exist, so ids cannot be probed. Deleting is the owner's alone.
 */

const Strict = { additionalProperties: false } as const;
const ClipParams = Type.Object({ id: Type.String({ ...said('the id'), pattern: '^[0-9a-f-]{36}$' }) }, Strict);
// Text here, checked by parseTimelineQuery, so a refusal names the parameter in words.
const ClipListQuery = Type.Object(
  {
    camera: Type.Optional(Type.String({ ...said('the camera'), maxLength: 64, description: 'Only this camera (device id)' })),
    day: Type.Optional(Type.String({ ...said('the day'), maxLength: 16, description: "One day, YYYY-MM-DD, in the home's time zone (arming settings)" })),
    from: Type.Optional(Type.String({ ...said('the start time'), maxLength: 16, description: 'Clips that started at or after this time (ms)' })),
    to: Type.Optional(Type.String({ ...said('the end time'), maxLength: 16, description: 'Clips that started before this time (ms)' })),
    before: Type.Optional(Type.String({ ...said('the page cursor'), maxLength: 64, description: 'The `next` cursor of the previous page' })),
    limit: Type.Optional(Type.String({ ...said('the number of entries asked for'), maxLength: 6, description: 'Clips per page, 1–200 (default 200)' })),
    labels: Type.Optional(Type.String({ ...said('the labels'), maxLength: 64, description: 'Only clips in which the detector saw one of these (counted by the camera\'s detection settings): person, vehicle, animal, comma-separated' })),
  },
  Strict,
);
const VideoQuery = Type.Object({ download: Type.Optional(Type.Boolean(said('the download choice'))) }, Strict);

/** Parses a single-range Range header against a clip of `total` bytes. */
function parseRange(header: string, total: number): { start: number; end: number } | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end = total - 1;
  if (m[1] === '') {
    start = Math.max(0, total - Number(m[2]));
  } else {
    start = Number(m[1]);
    if (m[2] !== '') end = Math.min(Number(m[2]), total - 1);
  }
  return start > end || start >= total ? null : { start, end };
}

export function clipRoutes(svc: HubServices): RouteDef[] {
  const footage = { kind: 'user', roles: FOOTAGE_ROLES } as const;
  const audit = auditor(svc);
  const visibleClip = (req: FastifyRequest, id: string) => {
    const clip = svc.clips.get(id);
    const cameras = visibleCameras(svc.db, userOf(req));
    if (!clip || (cameras !== 'all' && !cameras.includes(clip.deviceId))) throw new HttpError(404, 'NO_SUCH_CLIP', 'no such clip');
    return clip;
  };

  return [
    route({
      method: 'GET',
      url: '/api/clips',
      access: footage,
      summary: 'Clips, newest first, from the cameras you may see: by camera, by day or time window, a page at a time',
      schema: { querystring: ClipListQuery, response: { 200: ClipPageSchema } },
      handler: async (req) => {
        const { timeZone } = svc.arming.store.settings();
        let q;
        try {
          q = parseTimelineQuery(req.query, timeZone);
        } catch (err) {
          if (err instanceof TimelineQueryError) throw new HttpError(400, 'BAD_QUERY', err.message);
          throw err;
        }
        const cameras = visibleCameras(svc.db, userOf(req));
        // An id the user may not see is refused like one that does not exist.
        if (q.camera !== null && (cameras === 'all' ? !svc.db.prepare('SELECT 1 FROM devices WHERE id = ?').get(q.camera) : !cameras.includes(q.camera))) {
          throw new HttpError(400, 'NO_SUCH_CAMERA', 'no such camera: choose one from the camera list');
        }
        const clips = svc.clips.timeline(q, cameras);
        const last = clips[clips.length - 1];
        return { clips, next: last && clips.length === q.limit ? cursorAfter(last) : null, timeZone, today: localDay(svc.now(), timeZone), day: q.day };
      },
    }),
    route({
      method: 'GET',
      url: '/api/clips/:id/thumbnail',
      access: footage,
      summary: "A clip's picture (JPEG, 320 px wide): the detector's best picture of its motion with the boxes drawn, else a frame of the clip made on first request; kept sealed to the footage key",
      schema: { params: ClipParams },
      handler: async (req, reply) => {
        const clip = visibleClip(req, req.params.id);
        let thumbnail: Thumbnail;
        try {
          thumbnail = await svc.thumbnails.thumbnailOf(clip);
        } catch (err) {
          if (err instanceof ThumbnailError) throw new HttpError(err.statusCode, err.code, err.message);
          throw err;
        }
        // A settled picture never changes: the browser keeps it a day rather than asking the Pi
        // again. One the detector may still better (its motion is not over) is asked for again.
        const cache = thumbnail.settled ? 'private, max-age=86400' : 'private, no-cache';
        return reply.type('image/jpeg').header('cache-control', cache).send(thumbnail.jpeg);
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/clips/:id',
      access: { kind: 'user', roles: ['owner'] },
      summary: 'Delete a clip everywhere: the local file and thumbnail now, the cloud copy by the relay (retried while offline)',
      schema: { params: ClipParams },
      handler: async (req) => {
        const clip = visibleClip(req, req.params.id);
        if (!(await svc.clips.delete(clip.id, svc.now()))) throw new HttpError(404, 'NO_SUCH_CLIP', 'no such clip');
        await svc.thumbnails.remove(clip.id);
        audit(req, 'clip.deleted', { target: `clip:${clip.id}`, detail: { device: clip.deviceId, startedAt: clip.startedAt, inCloud: clip.inCloud } });
        // The relay removes a cloud copy, and one an upload in flight may still make.
        return { ok: true, cloudCopy: clip.inCloud ? 'deleting' : 'none' };
      },
    }),
    route({
      method: 'GET',
      url: '/api/clips/:id/video',
      access: footage,
      summary: 'Play or download a clip, decrypted on the fly (Range requests supported)',
      schema: { params: ClipParams, querystring: VideoQuery },
      handler: async (req, reply) => {
        const clip = visibleClip(req, req.params.id);
        // Refused (423) before the headers of a video and the viewing's audit entry: nothing plays while locked.
        svc.clips.keyring.pair();
        const { download } = req.query;
        const total = clip.plainBytes;
        let start = 0;
        let end = total - 1;
        if (req.headers.range) {
          const range = parseRange(req.headers.range, total);
          if (!range) throw new HttpError(416, 'BAD_RANGE', 'the requested range is outside the clip', {}, { 'content-range': `bytes */${total}` });
          ({ start, end } = range);
          reply.code(206).header('content-range', `bytes ${start}-${end}/${total}`);
        }
        // A player fetches many ranges; only the first byte range counts as one viewing.
        if (start === 0 || download) {
          audit(req, download ? 'clip.downloaded' : 'clip.viewed', { target: `clip:${clip.id}`, detail: { device: clip.deviceId } });
        }
        if (download) reply.header('content-disposition', `attachment; filename="${clipFileName(clip.deviceName, clip.startedAt, svc.arming.store.settings().timeZone)}"`);
        reply.header('accept-ranges', 'bytes').header('content-length', String(end - start + 1)).type('video/mp4');
        reply.header('cache-control', 'private, no-store');
        return reply.send(await svc.clips.openPlayback(clip, start, end));
      },
    }),
  ];
}

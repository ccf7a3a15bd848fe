import type { FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { HttpError } from '../httpError';
import { type HubServices, type RouteDef, auditor, userOf } from '../routeTable';
import { FOOTAGE_ROLES, visibleCameras } from '../users';

/*
 * Footage. Installers never reach these routes (their role is not listed); viewers see
 * only granted cameras, and a clip of another camera answers 404 exactly like a clip
 * that does not exist, so ids cannot be probed.
 */

const Strict = { additionalProperties: false } as const;
const ClipParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }, Strict);
const ClipListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    before: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  Strict,
);
const VideoQuery = Type.Object({ download: Type.Optional(Type.Boolean()) }, Strict);

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
    {
      method: 'GET',
      url: '/api/clips',
      access: footage,
      summary: 'Clips, newest first, from the cameras you may see',
      schema: { querystring: ClipListQuery },
      handler: async (req) => {
        const q = req.query as Static<typeof ClipListQuery>;
        return { clips: svc.clips.list(q.limit ?? 200, q.before, visibleCameras(svc.db, userOf(req))) };
      },
    },
    {
      method: 'GET',
      url: '/api/clips/:id/video',
      access: footage,
      summary: 'Play or download a clip, decrypted on the fly (Range requests supported)',
      schema: { params: ClipParams, querystring: VideoQuery },
      handler: async (req, reply) => {
        const clip = visibleClip(req, (req.params as Static<typeof ClipParams>).id);
        const { download } = req.query as Static<typeof VideoQuery>;
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
        if (download) reply.header('content-disposition', `attachment; filename="porchlight-${clip.deviceName.replace(/[^A-Za-z0-9_.-]/g, '_')}-${new Date(clip.startedAt).toISOString().replace(/[:.]/g, '-')}.mp4"`);
        reply.header('accept-ranges', 'bytes').header('content-length', String(end - start + 1)).type('video/mp4');
        reply.header('cache-control', 'private, no-store');
        return reply.send(await svc.clips.openPlayback(clip, start, end));
      },
    },
  ];
}

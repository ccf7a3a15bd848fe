import Fastify, { type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { DB } from '../common/database';
import type { Logger } from '../common/logger';
import type { HubConfig } from '../common/config';
import {
  CLIP_META_HEADER,
  ClipUploadMetaSchema,
  MotionEventSchema,
  PairRequestSchema,
  type MotionEvent,
  type PairRequest,
  type PairResponse,
} from '../common/protocol';
import { newToken, safeEqual } from '../common/tokens';
import { ClipIngestError, type ClipStore } from './clipStore';
import { deviceForToken, listDevices, type Device } from './devices';
import { openPairingWindow, PairingError, redeemPairingCode } from './pairing';
import { createSession, deleteSession, SESSION_COOKIE, touchSession } from './sessions';
import { findUser, getUser, ROLES, type Role, type User } from './users';
import { hashPassword, verifyPassword } from './passwords';
import type { HubTls } from './certificates';

/** TLS 1.2 suites allowed: ECDHE key exchange and AEAD ciphers only. TLS 1.3 suites are all AEAD. */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

const JSON_BODY_LIMIT = 16 * 1024;
const UI_DIR = path.join(__dirname, '..', '..', 'hub', 'ui');

export interface HubContext {
  db: DB;
  log: Logger;
  config: HubConfig;
  tls: HubTls;
  clips: ClipStore;
  footagePublicKey: Uint8Array;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: User;
    device?: Device;
    sessionId?: string;
  }
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function csrfTokenFor(sessionId: string): string {
  return createHash('sha256').update(`csrf:${sessionId}`).digest('base64url');
}

const LoginSchema = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);

const ClipParamsSchema = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }, { additionalProperties: false });
const ClipListQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    before: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export async function buildHubServer(ctx: HubContext) {
  const { db, log } = ctx;
  const app = Fastify({
    // Per-request lines are info level: keep the HTTP logger to warnings and errors.
    loggerInstance: log.child({ module: 'http' }, { level: 'warn' }),
    bodyLimit: JSON_BODY_LIMIT,
    https: {
      key: ctx.tls.keyPem,
      cert: ctx.tls.chainPem,
      minVersion: 'TLSv1.2',
      ciphers: TLS12_CIPHERS,
      honorCipherOrder: true,
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  await app.register(fastifyCookie);

  // Clip uploads arrive as a raw stream; the store enforces the size cap as it reads.
  app.addContentTypeParser('application/octet-stream', { bodyLimit: ctx.config.maxClipBytes }, (_req, payload, done) => done(null, payload));

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('strict-transport-security', 'max-age=31536000');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    return payload;
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    if (err instanceof HttpError || err instanceof ClipIngestError) {
      return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message } });
    }
    if (err.validation) {
      return reply.code(400).send({ error: { code: 'BAD_REQUEST', message: `invalid request: ${err.message}` } });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: { code: err.code ?? 'BAD_REQUEST', message: err.message } });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'the hub could not complete this request' } });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such page or API route' } }));

  // --- authentication helpers -------------------------------------------------------
  const requireUser = (roles: readonly Role[]) => async (req: FastifyRequest) => {
    const sid = req.cookies[SESSION_COOKIE];
    const session = sid ? touchSession(db, sid, ctx.config.sessionIdleMinutes * 60_000) : null;
    const user = session ? getUser(db, session.userId) : undefined;
    if (!user || !sid) throw new HttpError(401, 'NOT_SIGNED_IN', 'sign in first');
    if (!roles.includes(user.role)) throw new HttpError(403, 'FORBIDDEN', 'your role may not do this');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !safeEqual(sent, csrfTokenFor(sid))) {
        throw new HttpError(403, 'CSRF', 'missing or wrong CSRF token: reload the page');
      }
    }
    req.user = user;
    req.sessionId = sid;
  };
  const requireDevice = async (req: FastifyRequest) => {
    const auth = req.headers.authorization;
    const match = typeof auth === 'string' ? /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(auth) : null;
    const device = match ? deviceForToken(db, match[1]!) : null;
    if (!device) throw new HttpError(401, 'BAD_DEVICE_TOKEN', 'missing, unknown or revoked device token');
    req.device = device;
  };
  const footageViewers: readonly Role[] = ['owner', 'member', 'viewer'];
  const deviceManagers: readonly Role[] = ['owner', 'installer'];

  // --- web UI -------------------------------------------------------------------------
  const uiFiles: Record<string, [string, string]> = {
    '/': ['index.html', 'text/html; charset=utf-8'],
    '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
    '/app.css': ['app.css', 'text/css; charset=utf-8'],
  };
  for (const [route, [file, type]] of Object.entries(uiFiles)) {
    const body = readFileSync(path.join(UI_DIR, file));
    app.get(route, async (_req, reply) => reply.type(type).header('cache-control', 'no-cache').send(body));
  }

  app.get('/api/health', async () => ({ ok: true, service: 'porchlight-hub' }));

  // --- people -------------------------------------------------------------------------
  app.post<{ Body: Static<typeof LoginSchema> }>('/api/login', { schema: { body: LoginSchema } }, async (req, reply) => {
    const user = findUser(db, req.body.username);
    // Verify against a dummy hash for unknown users too, so timing does not reveal names.
    const ok = await verifyPassword(user?.passwordHash ?? (await unknownUserHash()), req.body.password);
    if (!user || !ok) {
      log.warn({ username: req.body.username, ip: req.ip }, 'sign-in failed');
      throw new HttpError(401, 'BAD_CREDENTIALS', 'wrong user name or password');
    }
    const sid = createSession(db, user.id, { ip: req.ip, userAgent: req.headers['user-agent'] });
    log.info({ user: user.username, ip: req.ip }, 'signed in');
    reply.setCookie(SESSION_COOKIE, sid, { path: '/', httpOnly: true, secure: true, sameSite: 'strict' });
    return { user: { username: user.username, role: user.role }, csrfToken: csrfTokenFor(sid) };
  });

  app.get('/api/session', { preHandler: requireUser(ROLES) }, async (req) => ({
    user: { username: req.user!.username, role: req.user!.role },
    csrfToken: csrfTokenFor(req.sessionId!),
  }));

  app.post('/api/logout', { preHandler: requireUser(ROLES) }, async (req, reply) => {
    deleteSession(db, req.sessionId!);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  // --- devices ------------------------------------------------------------------------
  app.post('/api/pairing/open', { preHandler: requireUser(deviceManagers) }, async (req) => {
    const window = openPairingWindow(db, ctx.config.pairingWindowSeconds * 1000);
    log.info({ by: req.user!.username, expiresAt: window.expiresAt }, 'pairing window opened');
    return window;
  });

  app.get('/api/devices', { preHandler: requireUser(deviceManagers.concat(footageViewers)) }, async () => ({ devices: listDevices(db) }));

  app.post<{ Body: PairRequest }>('/api/pair', { schema: { body: PairRequestSchema } }, async (req): Promise<PairResponse> => {
    try {
      const paired = redeemPairingCode(db, req.body.code, req.body.name);
      log.info({ deviceId: paired.deviceId, name: paired.name }, 'device paired');
      return {
        deviceId: paired.deviceId,
        token: paired.token,
        caPem: ctx.tls.caPem,
        caFingerprint: ctx.tls.caFingerprint,
        footagePublicKey: Buffer.from(ctx.footagePublicKey).toString('base64'),
      };
    } catch (err) {
      if (err instanceof PairingError) {
        log.warn({ reason: err.reason, ip: req.ip }, 'pairing refused');
        throw new HttpError(err.reason === 'bad-name' ? 400 : 403, `PAIRING_${err.reason.toUpperCase().replace('-', '_')}`, err.message);
      }
      throw err;
    }
  });

  const requireOctetStream = async (req: FastifyRequest) => {
    // Checked before the body is parsed, so a wrong type is named as such rather than as "too large".
    if (!String(req.headers['content-type'] ?? '').startsWith('application/octet-stream')) {
      throw new HttpError(415, 'BAD_CONTENT_TYPE', 'send the clip as application/octet-stream');
    }
  };
  app.post('/api/device/clips', { onRequest: requireOctetStream, preHandler: requireDevice }, async (req, reply) => {
    const rawMeta = req.headers[CLIP_META_HEADER];
    let meta: unknown;
    try {
      meta = typeof rawMeta === 'string' ? JSON.parse(rawMeta) : undefined;
    } catch {
      meta = undefined;
    }
    if (!Value.Check(ClipUploadMetaSchema, meta)) {
      const first = meta === undefined ? undefined : Value.Errors(ClipUploadMetaSchema, meta).First();
      throw new HttpError(400, 'BAD_CLIP_META', `header ${CLIP_META_HEADER} must be clip metadata JSON${first ? `: ${first.path} ${first.message}` : ''}`);
    }
    const length = req.headers['content-length'] ? Number(req.headers['content-length']) : undefined;
    const { record, duplicate } = await ctx.clips.ingest(req.device!.id, meta, req.body as NodeJS.ReadableStream as never, length);
    if (!duplicate) log.info({ clipId: record.id, device: req.device!.name, bytes: record.cipherBytes }, 'clip stored');
    return reply.code(duplicate ? 200 : 201).send({ clipId: record.id, stored: true, duplicate });
  });

  app.post<{ Body: MotionEvent }>('/api/device/events', { preHandler: requireDevice, schema: { body: MotionEventSchema } }, async (req) => {
    db.prepare('INSERT INTO motion_events (device_id, kind, media_time, at, received_at) VALUES (?, ?, ?, ?, ?)').run(
      req.device!.id,
      req.body.kind,
      req.body.mediaTime,
      req.body.at,
      Date.now(),
    );
    return { ok: true };
  });

  // --- footage ------------------------------------------------------------------------
  app.get<{ Querystring: Static<typeof ClipListQuerySchema> }>(
    '/api/clips',
    { preHandler: requireUser(footageViewers), schema: { querystring: ClipListQuerySchema } },
    async (req) => ({ clips: ctx.clips.list(req.query.limit ?? 200, req.query.before) }),
  );

  app.get<{ Params: Static<typeof ClipParamsSchema> }>(
    '/api/clips/:id/video',
    { preHandler: requireUser(footageViewers), schema: { params: ClipParamsSchema } },
    async (req, reply) => {
      const clip = ctx.clips.get(req.params.id);
      if (!clip) throw new HttpError(404, 'NO_SUCH_CLIP', 'no such clip');
      const total = clip.plainBytes;
      let start = 0;
      let end = total - 1;
      const range = req.headers.range;
      if (range) {
        const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
        if (!m || (m[1] === '' && m[2] === '')) throw new HttpError(416, 'BAD_RANGE', 'unsupported Range header');
        if (m[1] === '') {
          start = Math.max(0, total - Number(m[2]));
        } else {
          start = Number(m[1]);
          if (m[2] !== '') end = Math.min(Number(m[2]), total - 1);
        }
        if (start > end || start >= total) {
          reply.header('content-range', `bytes */${total}`);
          throw new HttpError(416, 'BAD_RANGE', 'requested range is outside the clip');
        }
        reply.code(206).header('content-range', `bytes ${start}-${end}/${total}`);
      }
      reply.header('accept-ranges', 'bytes').header('content-length', String(end - start + 1)).type('video/mp4');
      reply.header('cache-control', 'private, no-store');
      return reply.send(await ctx.clips.openPlayback(clip, start, end));
    },
  );

  return app;
}

let dummyHash: Promise<string> | undefined;
/** The hash of a random password nobody knows: verifying it makes unknown-user sign-ins cost the same. */
function unknownUserHash(): Promise<string> {
  dummyHash ??= hashPassword(newToken(16));
  return dummyHash;
}

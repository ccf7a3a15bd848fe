import type { ServiceAccount } from '../common/serviceAccount';
import type { OpaqueLogins } from './opaqueLogins';
import type { CameraHealthBoard } from './cameraHealthBoard';
import type { ObjectDetector } from '../common/detection';
import type {
  ContextConfigDefault,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Static, TSchema } from '@sinclair/typebox';
import type { WebSocket } from '@fastify/websocket';
import type { DB } from '../common/database';
import type { Logger } from '../common/logger';
import type { Config, HubConfig } from '../common/config';
import { hashToken, safeEqual } from '../common/tokens';
import type { AuditLog } from '../common/auditLog';
import type { ClipStore } from './clipStore';
import type { ClipThumbnails } from './clipThumbnails';
import type { DetectionThumbnails } from './detectionThumbnails';
import type { DeviceConnections } from './deviceConnections';
import type { DeviceChannels } from './deviceChannels';
import type { LiveStreams } from './liveStreams';
import type { AccessChanges } from './accessChanges';
import type { ArmingService } from './arming/armingService';
import type { EventEmitter } from 'node:events';
import { deviceForToken, type Device } from './devices';
import type { FirstRunSetup } from './firstRunSetup';
import type { HubSecret } from './hubSecret';
import { HttpError, tooManyRequests } from './httpError';
import type { LoginThrottle } from './loginThrottle';
import type { WebPush } from './webPush';
import type { Mailer } from '../common/mailer';
import { RateLimiter, type RateRule } from './rateLimit';
import { SESSION_COOKIE, touchSession, type Session } from './sessions';
import { mustEnroll2fa } from './securitySettings';
import type { TlsManager } from './tlsManager';
import { getUser, type Role, type User } from './users';
import { ApiErrorSchema } from '../common/api/errors';

/*
 * Every HTTP route is declared in one table with who may call it. Authentication, role
 * checks, CSRF, rate limits and body limits are applied here from the declaration, not
 * inside handlers, so a handler cannot forget them; the OpenAPI document (@fastify/swagger,
 * from the route schemas) and the test that walks the route × role matrix read the same table.
 */

export type Access =
  /** Anyone, signed in or not. */
  | { kind: 'public' }
  /** A paired camera, by its bearer token; it only ever acts as itself. */
  | { kind: 'device' }
  /**
   * Signed-in users with one of `roles`. `duringEnrollment`: still allowed when the owner
   * requires 2FA and this user has not set it up yet (enrollment and sign-out).
   */
  | { kind: 'user'; roles: readonly Role[]; duringEnrollment?: boolean };

export type RateLimitName = 'pairing' | 'upload' | 'signin' | 'device';

export const RATE_RULES: Record<RateLimitName, RateRule> = {
  pairing: { burst: 10, perMinute: 10 },
  upload: { burst: 60, perMinute: 120 },
  signin: { burst: 20, perMinute: 20 },
  device: { burst: 120, perMinute: 600 },
};

/** What a route's schema may say; every part is a TypeBox schema, so it also types the handler. */
export interface RouteSchema {
  body?: TSchema;
  params?: TSchema;
  querystring?: TSchema;
  /** By status code; Fastify serialises the answer with it, so it must name every field sent. */
  response?: { [status: number]: TSchema };
}

/** A request whose body, params and query have the types of the route's schema. */
export type TypedRequest<S extends RouteSchema> = FastifyRequest<RouteGenericInterface, RawServerDefault, RawRequestDefaultExpression, S, TypeBoxTypeProvider>;
export type TypedReply<S extends RouteSchema> = FastifyReply<
  RouteGenericInterface,
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  ContextConfigDefault,
  S,
  TypeBoxTypeProvider
>;
/** What a handler returns for a 200: the response schema's type where the route declares one. */
type Answer<S extends RouteSchema> = S extends { response: { 200: infer R extends TSchema } } ? Static<R> : unknown;

interface RouteOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  access: Access;
  summary: string;
  /** Bytes; JSON routes default to 16 KiB. */
  bodyLimit?: number;
  rateLimit?: RateLimitName;
  /** Runs before authentication (content-type checks that must not read the body). */
  onRequest?: (req: FastifyRequest) => Promise<void>;
}

/** One route as declared: the handler's request is typed by the schema beside it. */
export interface RouteSpec<S extends RouteSchema> extends RouteOptions {
  schema?: S;
  handler: (req: TypedRequest<S>, reply: TypedReply<S>) => Promise<Answer<S> | FastifyReply>;
  /**
   * A WebSocket route (GET only): a request that asks to upgrade, passes the access check and
   * comes from a page of this hub (its Origin, the WebSocket's CSRF check) gets here; any
   * other request goes to `handler`.
   */
  websocket?: (socket: WebSocket, req: TypedRequest<S>) => void;
}

/** A route in the table, its schema's types no longer needed once the handler was checked against them. */
export interface RouteDef extends RouteOptions {
  schema?: RouteSchema;
  handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  websocket?: (socket: WebSocket, req: FastifyRequest) => void;
}

/**
 * Declares a route. Fastify validates the request against `schema` before the handler runs,
 * which is what makes the handler's typed view of it true.
 */
export function route<const S extends RouteSchema = Record<never, never>>(spec: RouteSpec<S>): RouteDef {
  return spec as unknown as RouteDef;
}

/**
 * The body of a route that takes a raw stream (application/octet-stream, which the hub's
 * content-type parser passes through unread).
 */
export function streamBody(req: FastifyRequest): Readable {
  if (!(req.body instanceof Readable)) throw new HttpError(415, 'BAD_CONTENT_TYPE', 'send the body as application/octet-stream');
  return req.body;
}

export interface HubRuntimeInfo {
  httpsPort: number;
  httpPort: number | null;
  /** The address mails and the UI give for this hub. */
  url: string;
}

/** What route handlers use; one object so route modules stay plain functions. */
export interface HubServices {
  db: DB;
  log: Logger;
  config: HubConfig;
  tls: TlsManager;
  clips: ClipStore;
  thumbnails: ClipThumbnails;
  footagePublicKey: Uint8Array;
  secret: HubSecret;
  /** OPAQUE sign-in: the server setup (keys/opaque-setup.key) and the exchanges under way. */
  opaque: OpaqueLogins;
  audit: AuditLog;
  mailer: Mailer;
  /** Web Push: the VAPID public key the page subscribes with, and the sender. */
  push: WebPush;
  throttle: LoginThrottle;
  connections: DeviceConnections;
  channels: DeviceChannels;
  /** Each camera's video health as its agent reports it. */
  health: CameraHealthBoard;
  arming: ArmingService;
  live: LiveStreams;
  /** Tell it after anything that can end someone's right to see footage (sessions, roles, grants, 2FA rule, a camera revoked). */
  accessChanges: AccessChanges;
  /** What happened, for whoever listens (MQTT, webhooks): 'motion' with a MotionNotice, 'objects' with an ObjectsNotice. */
  events: EventEmitter;
  /** The COCO object detector the cameras' pictures go to; null: object detection is off. */
  detector: ObjectDetector | null;
  /** Each event's best detection picture, on its way to its clip's thumbnail; null without a detector. */
  detectionThumbnails: DetectionThumbnails | null;
  runtime: () => HubRuntimeInfo;
  now: () => number;
  /** First-run setup: the one-time code that lets the first owner be created from the web. */
  firstRun: FirstRunSetup;
  /** The whole config and data dir (the relay's section too): the cloud target routes build targets from it. */
  wholeConfig: Config;
  /** The cloud relay's own system account (null: none, the relay runs as the hub's user): "Test" of a folder judges for it. */
  relayAccount?: () => ServiceAccount | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: User;
    device?: Device;
    session?: Session;
    sessionId?: string;
  }
}

export const DEFAULT_BODY_LIMIT = 16 * 1024;

export function csrfTokenFor(sessionId: string): string {
  return createHash('sha256').update(`csrf:${sessionId}`).digest('base64url');
}

/** Who did something, as the audit log names them. */
export function actorOf(req: FastifyRequest): string {
  if (req.user) return `user:${req.user.username}`;
  if (req.device) return `device:${req.device.id}`;
  return `ip:${req.ip}`;
}

/** The signed-in user of a request that passed a `user` access check. */
/** Records what a request did in the audit log, as whoever made it, from where, at the hub's time. */
export function auditor(svc: HubServices) {
  return (req: FastifyRequest, action: string, extra: { target?: string | null; detail?: Record<string, unknown> } = {}) =>
    svc.audit.append({ actor: actorOf(req), action, ip: req.ip, ...extra }, svc.now());
}

export function userOf(req: FastifyRequest): User {
  if (!req.user) throw new Error('route declared without user access');
  return req.user;
}

export function deviceOf(req: FastifyRequest): Device {
  if (!req.device) throw new Error('route declared without device access');
  return req.device;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{16,128})$/;

function authenticate(svc: HubServices, access: Access) {
  return async (req: FastifyRequest): Promise<void> => {
    if (access.kind === 'public') return;
    if (access.kind === 'device') {
      const auth = req.headers.authorization;
      const match = typeof auth === 'string' ? BEARER.exec(auth) : null;
      const device = match ? deviceForToken(svc.db, match[1]!, svc.now()) : null;
      if (!device) throw new HttpError(401, 'BAD_DEVICE_TOKEN', 'missing, unknown, rotated or revoked device token');
      svc.connections.add(device.id, hashToken(match![1]!), req.socket);
      req.device = device;
      return;
    }
    const sid = req.cookies[SESSION_COOKIE];
    const session = sid ? touchSession(svc.db, sid, svc.config.sessionIdleMinutes * 60_000, svc.now()) : null;
    const user = session ? getUser(svc.db, session.userId) : undefined;
    if (!user || !sid || !session) throw new HttpError(401, 'NOT_SIGNED_IN', 'you are not signed in (or your session ended): sign in again');
    if (!access.roles.includes(user.role)) throw new HttpError(403, 'FORBIDDEN', `a ${user.role} may not do this`);
    if (!access.duringEnrollment && mustEnroll2fa(svc.db, user)) {
      throw new HttpError(403, 'ENROLL_2FA', 'this home requires two-factor sign-in: set it up under Security first');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !safeEqual(sent, csrfTokenFor(sid))) {
        throw new HttpError(403, 'CSRF', 'this request was missing its anti-forgery token: reload the page and try again');
      }
    }
    req.user = user;
    req.session = session;
    req.sessionId = sid;
  };
}

/**
 * Browsers send cookies with a WebSocket opened from any site and no CORS check applies, so
 * an upgrade is only accepted from a page this hub served: its Origin names this host.
 */
function sameOriginUpgrade(check: (req: FastifyRequest) => Promise<void>) {
  return async (req: FastifyRequest): Promise<void> => {
    await check(req);
    if (!req.ws) return;
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || origin !== `https://${req.headers.host ?? ''}`) {
      throw new HttpError(403, 'BAD_ORIGIN', 'this connection did not come from a page of this hub');
    }
  };
}

export function registerRoutes(app: FastifyInstance, svc: HubServices, routes: readonly RouteDef[]): void {
  const limiters = new Map<RateLimitName, RateLimiter>();
  for (const [name, rule] of Object.entries(RATE_RULES)) limiters.set(name as RateLimitName, new RateLimiter(rule, svc.now));
  for (const route of routes) {
    const limiter = route.rateLimit ? limiters.get(route.rateLimit)! : null;
    app.route({
      method: route.method,
      url: route.url,
      bodyLimit: route.bodyLimit ?? DEFAULT_BODY_LIMIT,
      schema: route.schema,
      onRequest: async (req) => {
        if (limiter) {
          const verdict = limiter.take(req.ip);
          if (!verdict.allowed) {
            const now = svc.now();
            throw tooManyRequests('RATE_LIMITED', 'too many requests from this address: wait a moment and try again', now + verdict.retryAfterMs, now);
          }
        }
        if (route.onRequest) await route.onRequest(req);
      },
      // Before schema validation: an unauthorised caller learns nothing about the body the route expects.
      preValidation: route.websocket ? sameOriginUpgrade(authenticate(svc, route.access)) : authenticate(svc, route.access),
      handler: route.handler,
      ...(route.websocket ? { wsHandler: route.websocket } : {}),
    });
  }
}

function accessLabel(access: Access): string[] {
  if (access.kind === 'user') return [...access.roles];
  return [access.kind];
}

/** How the OpenAPI document names the ways in: a session cookie with its CSRF header, or a device's bearer token. */
export const SECURITY_SCHEMES = {
  session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
  csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token', description: 'required on every request that changes state' },
  deviceToken: { type: 'http', scheme: 'bearer', description: 'the device token a camera got when it paired' },
} as const;

const ERROR_RESPONSE = { description: 'error: { error: { code, message } }', ...ApiErrorSchema };

/**
 * For @fastify/swagger: what the route table knows beyond the schema goes into each route's
 * OpenAPI operation (its summary, who may call it and how), and the error answer every route
 * shares. Documentation only: the schema Fastify validates and serialises with is not changed.
 */
export function openApiTransform(routes: readonly RouteDef[]) {
  const byKey = new Map(routes.map((r) => [`${r.method} ${r.url}`, r]));
  return ({ schema, url, route }: { schema?: FastifySchema; url: string; route: { method: string | string[] } }): { schema: FastifySchema; url: string } => {
    const def = byKey.get(`${String(route.method)} ${url}`);
    if (!def) return { schema: schema ?? {}, url };
    const access = def.access;
    const docs = {
      summary: def.summary,
      'x-porchlight-access': accessLabel(access),
      ...(def.websocket ? { 'x-porchlight-websocket': true } : {}),
      security: access.kind === 'public' ? [] : access.kind === 'device' ? [{ deviceToken: [] }] : [{ session: [], csrf: [] }],
      response: { ...((schema?.response as object | undefined) ?? { 200: { description: 'success' } }), '4XX': ERROR_RESPONSE },
    };
    return { url, schema: Object.assign({}, schema, docs) };
  };
}

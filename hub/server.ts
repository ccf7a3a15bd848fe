import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { ClipStoreError } from './clipStoreError';
import { HttpError } from './httpError';
import { requestErrorMessage } from './requestErrors';
import { openApiTransform, registerRoutes, route, SECURITY_SCHEMES, type HubServices, type RouteDef } from './routeTable';
import { passwordResetRoutes } from './routes/passwordResetRoutes';
import { accountRoutes } from './routes/accountRoutes';
import { clipRoutes } from './routes/clipRoutes';
import { armingRoutes } from './routes/armingRoutes';
import { geofenceRoutes } from './routes/geofenceRoutes';
import { alertRoutes } from './routes/alertRoutes';
import { pushRoutes } from './routes/pushRoutes';
import { remoteRoutes } from './routes/remoteRoutes';
import { dashboardRoutes } from './routes/dashboardRoutes';
import { deviceRoutes } from './routes/deviceRoutes';
import { pairingRoutes } from './routes/pairingRoutes';
import { spoolDropRoutes } from './routes/spoolDropRoutes';
import { cameraSettingsRoutes } from './routes/cameraSettingsRoutes';
import { snapshotRoutes } from './routes/snapshotRoutes';
import { liveRoutes } from './routes/liveRoutes';
import { householdRoutes } from './routes/householdRoutes';
import { signInRoutes } from './routes/signInRoutes';
import { setupRoutes } from './routes/setupRoutes';
import { cloudTargetRoutes } from './routes/cloudTargetRoutes';
import { systemRoutes } from './routes/systemRoutes';
import { householdCaRoutes } from './routes/householdCaRoutes';
import { footageKeyRoutes } from './routes/footageKeyRoutes';
import { PORCHLIGHT_VERSION } from '../common/version';

// 'wasm-unsafe-eval' lets the page compile WebAssembly (OPAQUE sign-in, @serenity-kit/opaque) and nothing else: no JS eval.
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

/** Fastify's own refusals, said the way the rest of the API says things. */
const FRAMEWORK_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'BAD_CONTENT_TYPE', 'send the request body as JSON (content-type: application/json)'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'BAD_JSON', 'the request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'BAD_JSON', 'the request body is empty; send a JSON object'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'TOO_LARGE', 'the request body is larger than this route accepts'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_LENGTH', 'the Content-Length header does not match the body'],
};

/** Every route of the hub, in one table (the OpenAPI document and the role-matrix test read it). */
export function hubRouteTable(svc: HubServices): RouteDef[] {
  const routes = [
    ...systemRoutes(svc),
    ...householdCaRoutes(svc),
    ...footageKeyRoutes(svc),
    ...signInRoutes(svc),
    ...setupRoutes(svc),
    ...cloudTargetRoutes(svc),
    ...accountRoutes(svc),
    ...passwordResetRoutes(svc),
    ...householdRoutes(svc),
    ...deviceRoutes(svc),
    ...pairingRoutes(svc),
    ...spoolDropRoutes(svc),
    ...cameraSettingsRoutes(svc),
    ...snapshotRoutes(svc),
    ...liveRoutes(svc),
    ...clipRoutes(svc),
    ...armingRoutes(svc),
    ...geofenceRoutes(svc),
    ...alertRoutes(svc),
    ...pushRoutes(svc),
    ...remoteRoutes(svc),
    ...dashboardRoutes(svc),
  ];
  routes.push(
    route({
      method: 'GET',
      url: '/api/openapi.json',
      access: { kind: 'public' },
      summary: 'This API, as an OpenAPI 3.1 document',
      // @fastify/swagger builds it from the routes' schemas once and keeps it.
      handler: async (req) => req.server.swagger(),
    }),
  );
  return routes;
}

export async function buildHubServer(svc: HubServices) {
  const app = Fastify({
    // Per-request lines are info level: keep the HTTP logger to warnings and errors.
    loggerInstance: svc.log.child({ module: 'http' }, { level: 'warn' }),
    https: svc.tls.serverOptions(),
    // Device channels are long-lived: closing the hub must not wait for cameras to hang up.
    forceCloseConnections: true,
  });
  await app.register(fastifyCookie);
  // Live view's only WebSockets: the hub sends video, a viewer has nothing to send.
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 } });

  // Bodies are checked exactly as sent: a number where a string belongs is refused, not
  // coerced. Path and query strings are text by nature, so they are converted first.
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const checker = TypeCompiler.Compile(schema as TSchema);
    return (data: unknown) => {
      const value = httpPart === 'body' ? data : Value.Convert(schema as TSchema, data);
      if (checker.Check(value)) return { value };
      // Said in words: which field, and what it must be ("the radius must be a number").
      return { error: new HttpError(400, 'BAD_REQUEST', requestErrorMessage(checker.Errors(value).First(), String(httpPart), schema as TSchema)) };
    };
  });

  // Clip uploads arrive as a raw stream; the store enforces the size cap as it reads.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('strict-transport-security', 'max-age=31536000');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(self)');
    reply.header('content-security-policy', CSP);
    return payload;
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    if (err instanceof HttpError) {
      return reply.code(err.statusCode).headers(err.headers).send({ error: { code: err.code, message: err.message, ...err.extra } });
    }
    if (err instanceof ClipStoreError) return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message } });
    if (err.validation) {
      return reply.code(400).send({ error: { code: 'BAD_REQUEST', message: 'some of what was sent is not in a form the hub accepts: reload the page and try again' } });
    }
    const framework = FRAMEWORK_ERRORS[err.code ?? ''];
    if (framework) return reply.code(framework[0]).send({ error: { code: framework[1], message: framework[2] } });
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: { code: err.code ?? 'BAD_REQUEST', message: err.message } });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'the hub could not complete this request' } });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such page or API route' } }));

  const routes = hubRouteTable(svc);
  // Before the routes: swagger learns of each route as it is added.
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Porchlight hub API', version: PORCHLIGHT_VERSION },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: openApiTransform(routes),
  });
  registerRoutes(app as unknown as FastifyInstance, svc, routes);
  return app;
}

import { Type } from '@sinclair/typebox';
import { said } from '../../common/api/words';
import { NoticePicturesBody, NoticePicturesSchema, NotificationPrefsBody, NotificationPrefsSchema, WebhookAddedSchema, WebhookBody, WebhookListSchema } from '../../common/api/alerts';
import { HttpError } from '../httpError';
import { type HubServices, type RouteDef, route, actorOf, userOf } from '../routeTable';
import { getPrefs, setPrefs } from '../alerts';
import { knownCameras, notificationPrefsFor } from '../disclosure';
import { grantsOf } from '../users';
import { WEBHOOK_EVENTS, WebhookStore, type WebhookEventType } from '../webhookStore';
import { parsePrefs } from '../notificationPolicy';
import { checkWebhookUrl } from '../webhooks';
import { noticePictureChoices, setNoticePictureChoices } from '../noticePictures';

/*
 * Each user's notification preferences, the household's pictures in notices (an owner's choice,
 * hub/noticePictures.ts), and the owner's webhooks (signing secret shown once, kept sealed with
 * the hub secret).
 */

const Strict = { additionalProperties: false } as const;
const IdParams = Type.Object({ id: Type.String({ ...said('the id'), pattern: '^[0-9a-f-]{36}$' }) }, Strict);

export function alertRoutes(svc: HubServices): RouteDef[] {
  const anyone = { kind: 'user', roles: ['owner', 'member', 'viewer', 'installer'] } as const;
  const owner = { kind: 'user', roles: ['owner'] } as const;
  const hooks = new WebhookStore(svc.db, svc.secret);

  return [
    route({
      method: 'GET',
      url: '/api/me/notifications',
      access: anyone,
      summary: 'What you are told about: motion (all, only when armed, none), arming changes, which cameras',
      schema: { response: { 200: NotificationPrefsSchema } },
      handler: async (req) => {
        const user = userOf(req);
        return notificationPrefsFor(getPrefs(svc.db, user.id), knownCameras(user.role, grantsOf(svc.db, user.id)));
      },
    }),
    route({
      method: 'PUT',
      url: '/api/me/notifications',
      access: anyone,
      summary: 'Change what you are told about',
      schema: { body: NotificationPrefsBody, response: { 200: NotificationPrefsSchema } },
      handler: async (req) => {
        const user = userOf(req);
        let prefs;
        try {
          prefs = parsePrefs({ ...getPrefs(svc.db, user.id), ...req.body });
        } catch (err) {
          throw new HttpError(400, 'BAD_PREFERENCES', (err as Error).message);
        }
        setPrefs(svc.db, user.id, prefs);
        return notificationPrefsFor(prefs, knownCameras(user.role, grantsOf(svc.db, user.id)));
      },
    }),
    route({
      method: 'GET',
      url: '/api/notifications/pictures',
      access: anyone,
      summary: "Whether the household's notices carry the event's picture: attached to mail, in phone notifications (both off by default)",
      schema: { response: { 200: NoticePicturesSchema } },
      handler: async () => noticePictureChoices(svc.db),
    }),
    route({
      method: 'PUT',
      url: '/api/notifications/pictures',
      access: owner,
      summary: "Turn pictures in the household's notices on or off (mail: the picture crosses the mail provider in the clear; push: encrypted through the browser vendor's push service)",
      schema: { body: NoticePicturesBody, response: { 200: NoticePicturesSchema } },
      handler: async (req) => {
        const before = noticePictureChoices(svc.db);
        const after = { ...before, ...req.body };
        setNoticePictureChoices(svc.db, after);
        if (after.mail !== before.mail || after.push !== before.push) {
          svc.audit.append({ actor: actorOf(req), action: 'notices.pictures_changed', target: 'household', ip: req.ip, detail: { mail: after.mail, push: after.push } }, svc.now());
        }
        return after;
      },
    }),
    route({
      method: 'GET',
      url: '/api/webhooks',
      access: owner,
      summary: 'The webhooks (never their secrets)',
      schema: { response: { 200: WebhookListSchema } },
      handler: async () => ({ webhooks: hooks.list().map(({ secretSealed: _s, ...h }) => h) }),
    }),
    route({
      method: 'POST',
      url: '/api/webhooks',
      access: owner,
      summary: `Add a webhook for ${WEBHOOK_EVENTS.join(', ')}; its signing secret is shown this once`,
      schema: { body: WebhookBody, response: { 201: WebhookAddedSchema } },
      handler: async (req, reply) => {
        const body = req.body;
        const problem = checkWebhookUrl(body.url);
        if (problem) throw new HttpError(400, 'BAD_WEBHOOK_URL', problem);
        const unknown = body.events.find((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
        if (unknown !== undefined) throw new HttpError(400, 'UNKNOWN_EVENT', `"${unknown}" is not an event; use ${WEBHOOK_EVENTS.join(' or ')}`);
        const { hook, secret } = hooks.add(body.url, [...new Set(body.events)] as WebhookEventType[], svc.now());
        svc.audit.append({ actor: actorOf(req), action: 'webhook.added', target: `webhook:${hook.id}`, ip: req.ip, detail: { origin: new URL(hook.url).origin, events: hook.events } }, svc.now());
        return reply.code(201).send({ id: hook.id, url: hook.url, events: hook.events, secret });
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/webhooks/:id',
      access: owner,
      summary: 'Delete a webhook',
      schema: { params: IdParams },
      handler: async (req) => {
        const { id } = req.params;
        if (!hooks.remove(id)) throw new HttpError(404, 'NO_SUCH_WEBHOOK', 'no such webhook');
        svc.audit.append({ actor: actorOf(req), action: 'webhook.deleted', target: `webhook:${id}`, ip: req.ip }, svc.now());
        return { ok: true };
      },
    }),
  ];
}

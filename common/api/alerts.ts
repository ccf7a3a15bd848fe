import { Type, type Static } from '@sinclair/typebox';
import { said } from './words';

/* What each person is told about (notification preferences), and the owner's webhooks. */

const Strict = { additionalProperties: false } as const;

export const NotificationPrefsSchema = Type.Object({
  /** 'armed': only while the home is armed (home or away); 'all': also while disarmed. */
  motion: Type.Union([Type.Literal('all'), Type.Literal('armed'), Type.Literal('none')]),
  /** Whether to hear about the home's mode changing. */
  arming: Type.Boolean(),
  /** Which cameras' motion to hear about: every camera (including ones paired later) or these ids. */
  cameras: Type.Union([Type.Literal('all'), Type.Array(Type.String())]),
});
export type NotificationPrefs = Static<typeof NotificationPrefsSchema>;
/** Checked by parsePrefs, whose messages say what is wrong with each field. */
export const NotificationPrefsBody = Type.Object({ motion: Type.Optional(Type.Unknown(said('the motion recording switch'))), arming: Type.Optional(Type.Unknown(said('the mode-change alerts choice'))), cameras: Type.Optional(Type.Unknown(said('the cameras'))) }, Strict);

/**
 * The household's pictures in notices (hub/noticePictures.ts), both off unless an owner turns
 * them on: `mail` attaches the event's picture to mailed notices (it crosses the mail
 * provider in the clear), `push` puts a tiny one in phone notifications (it crosses the
 * browser vendor's push service, encrypted).
 */
export const NoticePicturesSchema = Type.Object({ mail: Type.Boolean(), push: Type.Boolean() });
export type NoticePictureChoices = Static<typeof NoticePicturesSchema>;
export const NoticePicturesBody = Type.Object(
  { mail: Type.Optional(Type.Boolean(said('the choice "attach a picture to email notices"'))), push: Type.Optional(Type.Boolean(said('the choice "include a small picture in phone notifications"'))) },
  Strict,
);

/** What a webhook can be sent: one list, so the schema, the store and the route's refusal agree. */
export const WEBHOOK_EVENTS = ['motion.started', 'objects.detected', 'arming.changed'] as const;
export const WebhookEventSchema = Type.Union(WEBHOOK_EVENTS.map((e) => Type.Literal(e)));
export type WebhookEventType = Static<typeof WebhookEventSchema>;

export const WebhookSchema = Type.Object({ id: Type.String(), url: Type.String(), events: Type.Array(WebhookEventSchema), createdAt: Type.Number() });
/** A webhook as the owner sees it: never its secret. */
export type Webhook = Static<typeof WebhookSchema>;
export const WebhookListSchema = Type.Object({ webhooks: Type.Array(WebhookSchema) });
export type WebhookList = Static<typeof WebhookListSchema>;

export const WebhookBody = Type.Object({ url: Type.String({ ...said('the web address'), maxLength: 2000 }), events: Type.Array(Type.String({ maxLength: 40 }), { ...said('the events'), minItems: 1, maxItems: 10 }) }, Strict);
export const WebhookAddedSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(WebhookEventSchema),
  /** The signing secret, shown this once. */
  secret: Type.String(),
});
export type WebhookAdded = Static<typeof WebhookAddedSchema>;

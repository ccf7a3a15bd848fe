import { Type, type Static } from '@sinclair/typebox';
import { said } from './words';

/*
 * Web Push (RFC 8030/8291/8292): the hub's VAPID public key for the page, each user's
 * registered devices (a browser's PushSubscription with a name), and snoozes.
 */

const Strict = { additionalProperties: false } as const;

/** The VAPID public key (uncompressed P-256 point, base64url) the page gives pushManager.subscribe as applicationServerKey. */
export const VapidKeySchema = Type.Object({ publicKey: Type.String() });
export type VapidKey = Static<typeof VapidKeySchema>;

/** How many devices one user may register: enough for a household's phones, tablets and laptops, not a table that grows without end. */
export const MAX_PUSH_DEVICES_PER_USER = 10;

/** A browser's PushSubscription (its toJSON()) with the name the user gives the device. Checked further by hub/pushSubscriptionCheck.ts, whose messages name the problem. */
export const PushDeviceBody = Type.Object(
  {
    name: Type.String({ ...said('the device name'), minLength: 1, maxLength: 60 }),
    endpoint: Type.String({ ...said('the push endpoint'), minLength: 1, maxLength: 2000 }),
    expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    keys: Type.Object(
      {
        p256dh: Type.String({ ...said('the p256dh key'), minLength: 1, maxLength: 200 }),
        auth: Type.String({ ...said('the auth secret'), minLength: 1, maxLength: 100 }),
      },
      Strict,
    ),
  },
  Strict,
);
export type PushDeviceInput = Static<typeof PushDeviceBody>;

/** A registered device as its owner sees it: the push service's origin (which vendor), never the endpoint's path or keys. */
export const PushDeviceSchema = Type.Object({ id: Type.String(), name: Type.String(), service: Type.String(), createdAt: Type.Number(), lastSentAt: Type.Union([Type.Number(), Type.Null()]) });
export type PushDevice = Static<typeof PushDeviceSchema>;
export const PushDeviceListSchema = Type.Object({ devices: Type.Array(PushDeviceSchema) });
export type PushDeviceList = Static<typeof PushDeviceListSchema>;

/** Blink's snooze lengths; 'disarmed': until the home is next disarmed. */
export const SNOOZE_LENGTHS = ['30m', '1h', '4h', 'disarmed'] as const;
export type SnoozeLength = (typeof SNOOZE_LENGTHS)[number];

export const SnoozeBody = Type.Object(
  {
    /** One camera's id, or absent/null for every notification. */
    camera: Type.Optional(Type.Union([Type.String({ ...said('the camera'), minLength: 1, maxLength: 100 }), Type.Null()])),
    for: Type.String({ ...said('the snooze length'), maxLength: 20 }),
  },
  Strict,
);

export const SnoozeSchema = Type.Object({
  /** null: every notification. */
  camera: Type.Union([Type.String(), Type.Null()]),
  /** When it ends (ms); null: when the home is next disarmed. */
  until: Type.Union([Type.Number(), Type.Null()]),
});
export type Snooze = Static<typeof SnoozeSchema>;
export const SnoozeListSchema = Type.Object({ snoozes: Type.Array(SnoozeSchema) });
export type SnoozeList = Static<typeof SnoozeListSchema>;

/** What a push message carries (JSON, encrypted by Web Push): words and where a tap leads; never a picture by default. */
export interface PushPayload {
  title: string;
  body: string;
  /** A path on the hub's page to open: the clip, or the live view. */
  url: string;
  /** The notice's kind (motion, arming, camera-down…), so the page may group them. */
  kind: string;
  at: number;
  /**
   * Only when an owner opted in (docs/phone.md, "Pictures in notifications"): the event's
   * picture as a `data:image/jpeg;base64,…` URL, small enough that the whole payload fits one
   * Web Push record (MAX_PUSH_PLAINTEXT_BYTES); absent otherwise.
   */
  image?: string;
}

/**
 * The most JSON a push may carry: RFC 8291 §4 (push services need accept no more than 4096
 * bytes of body) less the aes128gcm header (86: salt 16, rs 4, idlen 1, the sender's key 65),
 * the AEAD tag (16) and the padding delimiter (1; web-push adds no more padding).
 */
export const MAX_PUSH_PLAINTEXT_BYTES = 4096 - 86 - 16 - 1;

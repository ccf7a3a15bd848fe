import { Type, type Static } from '@sinclair/typebox';
import { said } from './api/words';
import { isMode } from './modes';

/*
 * What agents and the hub say to each other over HTTPS. Shared so both sides are
 * compiled against the same shapes; the hub validates every field of it at the edge.
 */

export const CLIP_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/*
 * Pairing is an OPAQUE (RFC 9807) login with the one-time code as the password
 * (docs/cameras.md, "Pairing"): the code itself never crosses the network.
 *   1. POST /api/pair/start  { ke1 }                      -> { exchangeId, ke2 }
 *   2. the camera finishes OPAQUE; a hub without the code's record fails here, and the
 *      camera tells the hub with POST /api/pair/abandon { exchangeId } and stops.
 *   3. POST /api/pair/finish { exchangeId, ke3, name, tlsFingerprint, proof } -> SignedPairing
 * The old one-request POST /api/pair (code in the body) is refused with 410.
 */
const B64URL = '^[A-Za-z0-9_-]+$';
const ExchangeId = Type.String({ ...said('the exchange id'), pattern: B64URL, minLength: 16, maxLength: 64 });

export const PairStartRequestSchema = Type.Object(
  { ke1: Type.String({ ...said('ke1'), pattern: B64URL, minLength: 1, maxLength: 1024, description: 'OPAQUE KE1 (startLoginRequest), base64url' }) },
  { additionalProperties: false },
);
export type PairStartRequest = Static<typeof PairStartRequestSchema>;

export const PairStartResponseSchema = Type.Object({ exchangeId: Type.String(), ke2: Type.String({ description: 'OPAQUE KE2 (loginResponse), base64url' }) });
export type PairStartResponse = Static<typeof PairStartResponseSchema>;

export const PairFinishRequestSchema = Type.Object(
  {
    exchangeId: ExchangeId,
    ke3: Type.String({ ...said('ke3'), pattern: B64URL, minLength: 1, maxLength: 1024, description: 'OPAQUE KE3 (finishLoginRequest), base64url' }),
    name: Type.String({ ...said('the name'), minLength: 1, maxLength: 64, description: 'Camera name' }),
    tlsFingerprint: Type.String({ ...said('the TLS fingerprint'), pattern: '^[0-9A-F]{2}(:[0-9A-F]{2}){31}$', description: 'SHA-256 of the server certificate the camera was served' }),
    proof: Type.String({ ...said('the proof'), pattern: B64URL, minLength: 43, maxLength: 43, description: 'HMAC-SHA256 of name and fingerprint under the session key' }),
  },
  { additionalProperties: false },
);
export type PairFinishRequest = Static<typeof PairFinishRequestSchema>;

export const PairAbandonRequestSchema = Type.Object({ exchangeId: ExchangeId }, { additionalProperties: false });

/** The hub's answer to a finished exchange: BoundPairing as exact JSON bytes and its MAC (common/pairingBinding.ts). */
export const SignedPairingSchema = Type.Object({ answer: Type.String(), mac: Type.String() });

/** What a paired camera keeps (after checking the hub's MAC and opening the token). */
export interface PairResponse {
  deviceId: string;
  token: string;
  /** The hub's local CA certificate; the agent pins its SHA-256 fingerprint. */
  caPem: string;
  caFingerprint: string;
  /** X25519 public key every clip key is sealed to (base64). */
  footagePublicKey: string;
}

/** Sent as JSON in the `x-porchlight-clip` header of a clip upload; the body is the envelope. */
export const ClipUploadMetaSchema = Type.Object(
  {
    clipId: Type.String({ pattern: CLIP_ID_PATTERN.source }),
    startedAt: Type.Integer({ minimum: 0, description: 'Wall-clock ms of the first frame' }),
    endedAt: Type.Integer({ minimum: 0 }),
    mediaStart: Type.Number({ minimum: 0, description: 'Stream time (s) of the first frame' }),
    mediaEnd: Type.Number({ minimum: 0 }),
    trigger: Type.Union([Type.Literal('motion'), Type.Literal('manual')]),
  },
  { additionalProperties: false },
);
export type ClipUploadMeta = Static<typeof ClipUploadMetaSchema>;
export const CLIP_META_HEADER = 'x-porchlight-clip';

export const MotionEventSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('start'), Type.Literal('end')], said('the kind of motion event')),
    mediaTime: Type.Number({ ...said('the stream time'), minimum: 0, description: 'Stream time (s) of the frame that started or ended motion' }),
    at: Type.Integer({ ...said('the time'), minimum: 0, description: 'Wall-clock ms' }),
    source: Type.Optional(
      Type.Union([Type.Literal('video'), Type.Literal('pir'), Type.Literal('video+pir')], { ...said('what saw the motion'), description: 'What saw the motion (default video)' }),
    ),
    retrigger: Type.Optional(Type.Boolean({ ...said('the retrigger flag'), description: 'A start within the retrigger time of the last event: same alert, still recorded' })),
  },
  { additionalProperties: false },
);
export type MotionEvent = Static<typeof MotionEventSchema>;

/** How the hub refuses a request, agents' requests included. */
export type { ApiErrorBody } from './api/errors';

/**
 * The TLS server name agents send (SNI). The hub answers it with the certificate from
 * its own CA, which agents pin, even when the household installed another certificate
 * (e.g. Let's Encrypt) for browsers.
 */
export const AGENT_SERVERNAME = 'porchlight-hub.internal';

// The arming modes live in a module without TypeBox, so the web UI can take the values.
export { isMode, MODES, type Mode } from './modes';

/**
 * What a camera is told to do, as the hub pushes it on the device channel; the camera keeps the
 * last one it got while the hub is unreachable. Only what the camera needs to act on: never the
 * home's mode, who set it, when, or the next change, so a camera's token (one an installer
 * paired from his own laptop, one read off a stolen SD card) is no window on the household's
 * life (docs/security.md, "What each role may learn"). What it cannot help learning is whether
 * it records itself.
 */
export interface CameraArming {
  /** Record motion clips now. */
  record: boolean;
  /** Live view and snapshots allowed. */
  live: boolean;
  /** Its motion detection switched on. */
  motion: boolean;
  /** Look at nothing: no pre-roll kept, no picture sent (the home is in privacy mode). */
  privacy: boolean;
}

/**
 * A pushed or saved arming, or null when it is not one. Reads what hubs before this version
 * sent and cameras kept on disk too (`mode`, no `privacy`; `motion` missing: on).
 */
export function parseCameraArming(text: string): CameraArming | null {
  try {
    const v = JSON.parse(text) as (Partial<CameraArming> & { mode?: unknown }) | null;
    if (typeof v !== 'object' || v === null || typeof v.record !== 'boolean' || typeof v.live !== 'boolean') return null;
    let privacy: boolean;
    if (typeof v.privacy === 'boolean') privacy = v.privacy;
    else if (isMode(v.mode)) privacy = v.mode === 'privacy';
    else return null;
    return { record: v.record, live: v.live, motion: v.motion !== false, privacy };
  } catch {
    return null;
  }
}

import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * What ties a camera's pairing answer to the OPAQUE exchange that the one-time code
 * authenticated (docs/cameras.md, "Pairing"). Both sides end OPAQUE with the same session key
 * only if they both hold the code (the hub as a registration record, the camera as typed); keys
 * derived from it, one per purpose, let the camera prove what it asks for (its name, the TLS
 * certificate it saw) and the hub prove what it answers (CA, footage key, device id), and hide
 * the device token from whoever carries the bytes. A man in the middle who terminates TLS can
 * pass the exchange through but can neither read the token nor change a byte of the answer.
 *
 * Shared by hub and camera agent so both compute exactly the same bytes.
 */

/** Argon2id with RFC 9807's memory-constrained parameters (64 MiB): a Pi Zero camera can run it. */
export const PAIRING_KEY_STRETCHING = 'memory-constrained' as const;
/** The OPAQUE user identifier of a pairing window's record (the window has its own server setup). */
export const PAIRING_OPAQUE_USER = 'porchlight-pairing-window';

const LABEL = 'porchlight pairing v1';

type Opaque = typeof import('@serenity-kit/opaque');
let lib: Opaque | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the OPAQUE library (WebAssembly) once; every OPAQUE call needs it first. Loaded on
 * demand: a camera agent needs it only to pair, and it costs about 14 MB of memory.
 */
export function pakeReady(): Promise<void> {
  loading ??= import('@serenity-kit/opaque').then(async (m) => {
    await m.ready;
    lib = m;
  });
  return loading;
}

/** The loaded OPAQUE library; a clear error where a call would otherwise fail deep inside the WebAssembly. */
export function opaqueLib(): Opaque {
  if (!lib) throw new Error('the OPAQUE library is not loaded yet: await pakeReady() before pairing');
  return lib;
}

export interface PairingKeys {
  /** The camera's MAC key: its name and the TLS certificate it saw. */
  camera: Buffer;
  /** The hub's MAC key: the whole answer. */
  hub: Buffer;
  /** Encrypts the device token. */
  token: Buffer;
}

export function pairingKeys(sessionKey: string): PairingKeys {
  const ikm = Buffer.from(sessionKey, 'base64url');
  const key = (purpose: string) => Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), `${LABEL} ${purpose}`, 32));
  return { camera: key('camera proof'), hub: key('hub answer'), token: key('device token') };
}

function mac(key: Buffer, bytes: string): string {
  return createHmac('sha256', key).update(bytes, 'utf8').digest('base64url');
}

function macMatches(key: Buffer, bytes: string, claimed: string): boolean {
  const expected = Buffer.from(mac(key, bytes), 'base64url');
  const given = Buffer.from(claimed, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The exact bytes the camera's proof covers: what it asks to be called and the certificate it was served. */
function cameraClaim(exchangeId: string, name: string, tlsFingerprint: string): string {
  return JSON.stringify([`${LABEL} camera`, exchangeId, name, tlsFingerprint]);
}

export function cameraProof(keys: PairingKeys, exchangeId: string, name: string, tlsFingerprint: string): string {
  return mac(keys.camera, cameraClaim(exchangeId, name, tlsFingerprint));
}

export function cameraProofMatches(keys: PairingKeys, exchangeId: string, name: string, tlsFingerprint: string, proof: string): boolean {
  return macMatches(keys.camera, cameraClaim(exchangeId, name, tlsFingerprint), proof);
}

/** What the hub hands a paired camera; `answer` carries it as exact JSON bytes, covered by `mac`. */
export interface BoundPairing {
  label: string;
  exchangeId: string;
  deviceId: string;
  name: string;
  caPem: string;
  caFingerprint: string;
  footagePublicKey: string;
  /** The server certificate the camera said it saw (SHA-256, as X509Certificate.fingerprint256). */
  tlsFingerprint: string;
  /** The device token, AES-256-GCM under the token key: nonce ‖ ciphertext ‖ tag, base64url. */
  sealedToken: string;
}

export interface SignedPairing {
  answer: string;
  mac: string;
}

export function signPairing(keys: PairingKeys, fields: Omit<BoundPairing, 'label' | 'sealedToken'>, token: string): SignedPairing {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.token, nonce);
  cipher.setAAD(Buffer.from(fields.exchangeId));
  const sealed = Buffer.concat([nonce, cipher.update(token, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  const bound: BoundPairing = { label: `${LABEL} answer`, ...fields, sealedToken: sealed.toString('base64url') };
  const answer = JSON.stringify(bound);
  return { answer, mac: mac(keys.hub, answer) };
}

/**
 * The hub's answer, once its MAC proves it came from the holder of the code's record in this
 * exchange; null when any byte differs (a substituted CA or footage key, a replayed answer).
 */
export function openPairing(keys: PairingKeys, signed: SignedPairing, exchangeId: string): (Omit<BoundPairing, 'sealedToken'> & { token: string }) | null {
  if (typeof signed.answer !== 'string' || typeof signed.mac !== 'string') return null;
  if (!macMatches(keys.hub, signed.answer, signed.mac)) return null;
  const bound = JSON.parse(signed.answer) as BoundPairing;
  if (bound.label !== `${LABEL} answer` || bound.exchangeId !== exchangeId) return null;
  const sealed = Buffer.from(bound.sealedToken, 'base64url');
  if (sealed.length < 12 + 16) return null;
  const decipher = createDecipheriv('aes-256-gcm', keys.token, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(exchangeId));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  let token: string;
  try {
    token = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
  const { sealedToken: _sealed, ...rest } = bound;
  return { ...rest, token };
}

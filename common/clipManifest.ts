import { getSodium } from './sodium';
import type { FootageKeyPair } from './clipEnvelope';
import { CLIP_ID_PATTERN } from './protocol';

/*
 * One manifest per clip, stored in the cloud beside the clip: everything a new hub needs to
 * rebuild its clip index from the bucket alone (`porchlight cloud restore`). It is sealed to
 * the footage public key (libsodium sealed box), so the relay can write it without being
 * able to read it, and the cloud learns nothing from it — not the camera, not the time.
 *
 * Layout: magic "PLMANI", version byte (1), then crypto_box_seal(JSON).
 */

const MAGIC = Buffer.from('PLMANI', 'ascii');
const VERSION = 1;
const MAX_MANIFEST_BYTES = 16 * 1024;

export interface ClipManifest {
  clipId: string;
  /** The opaque name of the clip's object (and this manifest's). */
  objectName: string;
  deviceId: string;
  deviceName: string;
  startedAt: number;
  endedAt: number;
  mediaStart: number;
  mediaEnd: number;
  trigger: string;
  cipherBytes: number;
  plainBytes: number;
  chunkSize: number;
  sha256: string;
  storedAt: number;
}

export class ManifestError extends Error {}

export async function sealManifest(manifest: ClipManifest, publicKey: Uint8Array): Promise<Buffer> {
  const sodium = await getSodium();
  const sealed = sodium.crypto_box_seal(Buffer.from(JSON.stringify({ format: 'porchlight-clip-manifest', ...manifest }), 'utf8'), publicKey);
  return Buffer.concat([MAGIC, Buffer.from([VERSION]), Buffer.from(sealed)]);
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;

/** Opens and checks a manifest; anything altered, foreign or malformed is a ManifestError. */
export async function openManifest(data: Buffer, keys: FootageKeyPair): Promise<ClipManifest> {
  if (data.length > MAX_MANIFEST_BYTES) throw new ManifestError('manifest is too large');
  if (data.length < MAGIC.length + 1 || !data.subarray(0, MAGIC.length).equals(MAGIC)) throw new ManifestError('not a Porchlight clip manifest');
  if (data[MAGIC.length] !== VERSION) throw new ManifestError(`manifest version ${String(data[MAGIC.length])} is not supported`);
  const sodium = await getSodium();
  let plain: Uint8Array;
  try {
    plain = sodium.crypto_box_seal_open(data.subarray(MAGIC.length + 1), keys.publicKey, keys.secretKey);
  } catch {
    throw new ManifestError('manifest cannot be opened with this footage key (another hub\'s key, or altered)');
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(Buffer.from(plain).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new ManifestError('manifest is not JSON');
  }
  const m = doc as unknown as ClipManifest & { format: unknown };
  const numbers = [m.startedAt, m.endedAt, m.mediaStart, m.mediaEnd, m.cipherBytes, m.plainBytes, m.chunkSize, m.storedAt];
  if (
    m.format !== 'porchlight-clip-manifest' ||
    !CLIP_ID_PATTERN.test(String(m.clipId)) ||
    !/^[0-9a-f]{32}$/.test(String(m.objectName)) ||
    ![m.deviceId, m.deviceName, m.trigger].every(isText) ||
    !/^[0-9a-f]{64}$/.test(String(m.sha256)) ||
    !numbers.every(isNumber)
  ) {
    throw new ManifestError('manifest is missing fields or has malformed ones');
  }
  const { format: _format, ...manifest } = m;
  return manifest;
}

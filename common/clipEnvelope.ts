import { Transform, type TransformCallback } from 'node:stream';
import { getSodium, type Sodium } from './sodium';
import { ClipFormatError, ClipKeyError, ClipTamperedError, ClipTruncatedError } from './clipErrors';

/*
 * Clip envelope, version 2 (version 1 is still read). One file per clip:
 *
 *   offset  size  field
 *   0       6     magic "PLCLIP"
 *   6       1     version (1)
 *   7       1     flags (0; reserved)
 *   8       4     chunk size in bytes, big-endian (plaintext bytes per chunk)
 *   12      8     key id: first 8 bytes of BLAKE2b-256(footage public key)
 *   20      2     metadata length M, big-endian
 *   22      M     metadata: the routing JSON (clip id, device id) sealed to the footage
 *                 public key (crypto_box_seal); version 1 kept it in clear text
 *   22+M    80    per-clip key (32 bytes) sealed to the footage public key (crypto_box_seal)
 *   102+M   24    secretstream header
 *   126+M   ...   chunks: crypto_secretstream_xchacha20poly1305, each chunk carries
 *                 `chunk size` plaintext bytes (+17 bytes overhead) except the last,
 *                 which carries 0..chunk size bytes and TAG_FINAL.
 *
 * The whole header is the additional data of the first chunk, so any change to the
 * metadata, chunk size or key id fails authentication. The routing is sealed because the
 * same file goes to the cloud: only a holder of the footage key learns which camera made it.
 * Secretstream's internal nonce counter detects removed, repeated or swapped chunks;
 * the final tag detects truncation.
 */

export const CLIP_MAGIC = Buffer.from('PLCLIP', 'ascii');
export const CLIP_VERSION = 2;
/** Versions this build reads: 1 (routing in clear text, before 2026-12) and 2. */
const READABLE_VERSIONS = new Set([1, CLIP_VERSION]);
const SEALED_BOX_OVERHEAD = 48;
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
export const MIN_CHUNK_SIZE = 1024;
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024;
export const MAX_METADATA_BYTES = 4096;
const FIXED_PREFIX = 22;
const SEALED_KEY_BYTES = 32 + 48;
const STREAM_HEADER_BYTES = 24;
const CHUNK_OVERHEAD = 17;

export interface ClipRouting {
  clipId: string;
  deviceId: string;
}

export interface FootagePublicKey {
  publicKey: Uint8Array;
}

export interface FootageKeyPair extends FootagePublicKey {
  secretKey: Uint8Array;
}

export interface ClipHeader {
  version: number;
  chunkSize: number;
  keyId: Buffer;
  /** Null until opened with the footage key (version 2 seals it). */
  routing: ClipRouting | null;
  /** Byte length of everything before the first chunk. */
  length: number;
}

export function keyIdOf(sodium: Sodium, publicKey: Uint8Array): Buffer {
  return Buffer.from(sodium.crypto_generichash(32, publicKey, null)).subarray(0, 8);
}

/** Ciphertext size of a clip whose plaintext is `plainBytes` long (header excluded). */
export function cipherBodyLength(plainBytes: number, chunkSize = DEFAULT_CHUNK_SIZE): number {
  const chunks = Math.max(1, Math.ceil(plainBytes / chunkSize));
  return plainBytes + chunks * CHUNK_OVERHEAD;
}

/** Plaintext size of a clip body (everything after the header), or null if impossible. */
export function plainLengthOfBody(bodyBytes: number, chunkSize: number): number | null {
  if (bodyBytes < CHUNK_OVERHEAD) return null;
  const chunks = Math.max(1, Math.ceil(bodyBytes / (chunkSize + CHUNK_OVERHEAD)));
  const plain = bodyBytes - chunks * CHUNK_OVERHEAD;
  return plain >= 0 && cipherBodyLength(plain, chunkSize) === bodyBytes ? plain : null;
}

/**
 * Incremental encryptor: push plaintext in any sizes, write what it returns.
 * Holds at most one chunk of plaintext, so memory is constant whatever the clip size.
 */
export class ClipEncryptor {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private finished = false;
  private firstChunk = true;
  plainBytes = 0;

  private constructor(
    private readonly sodium: Sodium,
    private readonly state: unknown,
    readonly header: Buffer,
    readonly chunkSize: number,
  ) {}

  static async create(
    footage: FootagePublicKey,
    routing: ClipRouting,
    chunkSize = DEFAULT_CHUNK_SIZE,
  ): Promise<ClipEncryptor> {
    const sodium = await getSodium();
    if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
      throw new RangeError(`chunk size must be an integer from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}`);
    }
    const routingJson = Buffer.from(JSON.stringify({ clipId: routing.clipId, deviceId: routing.deviceId }), 'utf8');
    const metadata = Buffer.from(sodium.crypto_box_seal(routingJson, footage.publicKey));
    if (metadata.length > MAX_METADATA_BYTES) throw new RangeError('clip metadata is too large');
    const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
    const sealedKey = sodium.crypto_box_seal(key, footage.publicKey);
    const { state, header: streamHeader } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
    sodium.memzero(key);
    const prefix = Buffer.alloc(FIXED_PREFIX);
    CLIP_MAGIC.copy(prefix, 0);
    prefix.writeUInt8(CLIP_VERSION, 6);
    prefix.writeUInt8(0, 7);
    prefix.writeUInt32BE(chunkSize, 8);
    keyIdOf(sodium, footage.publicKey).copy(prefix, 12);
    prefix.writeUInt16BE(metadata.length, 20);
    const header = Buffer.concat([prefix, metadata, Buffer.from(sealedKey), Buffer.from(streamHeader)]);
    return new ClipEncryptor(sodium, state, header, chunkSize);
  }

  /** Returns ciphertext produced by this input (possibly empty). */
  push(data: Uint8Array): Buffer[] {
    if (this.finished) throw new Error('clip encryptor already finished');
    const out: Buffer[] = [];
    let input = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.plainBytes += input.length;
    while (input.length > 0) {
      const room = this.chunkSize - this.pendingBytes;
      // A full chunk is only sealed once more data follows it: the last chunk must carry TAG_FINAL.
      if (room === 0) {
        out.push(this.seal(this.takePending(), false));
        continue;
      }
      const part = input.subarray(0, room);
      this.pending.push(Buffer.from(part));
      this.pendingBytes += part.length;
      input = input.subarray(part.length);
    }
    return out;
  }

  /** Seals the remaining plaintext with TAG_FINAL. */
  final(): Buffer {
    if (this.finished) throw new Error('clip encryptor already finished');
    const last = this.seal(this.takePending(), true);
    this.finished = true;
    return last;
  }

  private takePending(): Buffer {
    const chunk = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return chunk;
  }

  private seal(plain: Buffer, final: boolean): Buffer {
    const s = this.sodium;
    const tag = final
      ? s.crypto_secretstream_xchacha20poly1305_TAG_FINAL
      : s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    const ad = this.firstChunk ? this.header : null;
    this.firstChunk = false;
    const cipher = s.crypto_secretstream_xchacha20poly1305_push(this.state as never, plain, ad, tag);
    return Buffer.from(cipher.buffer, cipher.byteOffset, cipher.byteLength);
  }
}

/** Parses the header of a clip; `data` must hold at least the whole header. Returns null if more bytes are needed. */
export function parseClipHeader(data: Buffer): ClipHeader | null {
  if (data.length < FIXED_PREFIX) {
    if (!CLIP_MAGIC.subarray(0, data.length).equals(data.subarray(0, CLIP_MAGIC.length))) {
      throw new ClipFormatError('not a Porchlight clip (bad magic bytes)');
    }
    return null;
  }
  if (!data.subarray(0, 6).equals(CLIP_MAGIC)) throw new ClipFormatError('not a Porchlight clip (bad magic bytes)');
  const version = data.readUInt8(6);
  if (!READABLE_VERSIONS.has(version)) {
    throw new ClipFormatError(`unsupported clip format version ${version} (this build reads versions ${[...READABLE_VERSIONS].join(' and ')})`);
  }
  if (data.readUInt8(7) !== 0) throw new ClipFormatError('clip header has unknown flags set');
  const chunkSize = data.readUInt32BE(8);
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new ClipFormatError(`clip header has an invalid chunk size (${chunkSize})`);
  }
  const keyId = Buffer.from(data.subarray(12, 20));
  const metaLength = data.readUInt16BE(20);
  if (metaLength > MAX_METADATA_BYTES) throw new ClipFormatError('clip metadata length is out of range');
  const length = FIXED_PREFIX + metaLength + SEALED_KEY_BYTES + STREAM_HEADER_BYTES;
  if (data.length < length) return null;
  if (version >= 2) {
    if (metaLength <= SEALED_BOX_OVERHEAD) throw new ClipFormatError('clip metadata is too short to hold its sealed routing');
    return { version, chunkSize, keyId, routing: null, length };
  }
  return { version, chunkSize, keyId, routing: parseRouting(data.subarray(FIXED_PREFIX, FIXED_PREFIX + metaLength)), length };
}

function parseRouting(json: Uint8Array): ClipRouting {
  try {
    const parsed = JSON.parse(Buffer.from(json).toString('utf8')) as unknown;
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      typeof (parsed as ClipRouting).clipId !== 'string' ||
      typeof (parsed as ClipRouting).deviceId !== 'string'
    ) {
      throw new Error('fields');
    }
    return { clipId: (parsed as ClipRouting).clipId, deviceId: (parsed as ClipRouting).deviceId };
  } catch {
    throw new ClipFormatError('clip metadata is not valid (expected JSON with clipId and deviceId)');
  }
}

/**
 * Incremental decryptor. Every buffer it returns has been authenticated; `end()` throws
 * unless the final chunk was seen, so a truncated clip never passes as whole.
 */
export class ClipDecryptor {
  private buffered: Buffer = Buffer.alloc(0);
  private header: ClipHeader | null = null;
  private state: unknown = null;
  private chunkIndex = 0;
  private done = false;

  private constructor(
    private readonly sodium: Sodium,
    private readonly keys: FootageKeyPair,
  ) {}

  static async create(keys: FootageKeyPair): Promise<ClipDecryptor> {
    return new ClipDecryptor(await getSodium(), keys);
  }

  get clipHeader(): ClipHeader | null {
    return this.header;
  }

  /** Which clip of which camera this is (opened with the footage key); once the header has been read. */
  get routing(): ClipRouting {
    const routing = this.header?.routing;
    if (!routing) throw new ClipTruncatedError('clip ends inside its header');
    return routing;
  }

  push(data: Uint8Array): Buffer[] {
    this.buffered = this.buffered.length === 0 ? Buffer.from(data) : Buffer.concat([this.buffered, data]);
    if (this.done) {
      if (this.buffered.length > 0) throw new ClipFormatError('unexpected data after the final chunk');
      return [];
    }
    const out: Buffer[] = [];
    if (!this.header && !this.readHeader()) return out;
    const full = this.header!.chunkSize + CHUNK_OVERHEAD;
    while (!this.done && this.buffered.length >= full) {
      const cipher = this.buffered.subarray(0, full);
      this.buffered = this.buffered.subarray(full);
      out.push(this.open(cipher));
    }
    if (this.done && this.buffered.length > 0) throw new ClipFormatError('unexpected data after the final chunk');
    return out;
  }

  /** Call at end of input: returns the last plaintext or throws if the clip is incomplete. */
  end(): Buffer[] {
    if (this.done) return [];
    if (!this.header) throw new ClipTruncatedError('clip ends inside its header');
    if (this.buffered.length < CHUNK_OVERHEAD) {
      throw new ClipTruncatedError(`clip is truncated: it ends after chunk ${this.chunkIndex} without the final chunk`);
    }
    const last = this.open(this.buffered);
    this.buffered = Buffer.alloc(0);
    if (!this.done) {
      throw new ClipTruncatedError(`clip is truncated: it ends after chunk ${this.chunkIndex} without the final chunk`);
    }
    return [last];
  }

  private readHeader(): boolean {
    const header = parseClipHeader(this.buffered);
    if (!header) return false;
    const s = this.sodium;
    const expectedKeyId = keyIdOf(s, this.keys.publicKey);
    if (!header.keyId.equals(expectedKeyId)) {
      throw new ClipKeyError(
        `clip was sealed to footage key ${header.keyId.toString('hex')}, but the key given is ${expectedKeyId.toString('hex')}`,
      );
    }
    const metaEnd = header.length - SEALED_KEY_BYTES - STREAM_HEADER_BYTES;
    if (!header.routing) {
      let opened: Uint8Array;
      try {
        opened = s.crypto_box_seal_open(this.buffered.subarray(FIXED_PREFIX, metaEnd), this.keys.publicKey, this.keys.secretKey);
      } catch {
        throw new ClipTamperedError("clip failed authentication in its header: the sealed routing (camera and clip id) was altered");
      }
      header.routing = parseRouting(opened);
    }
    const sealedKey = this.buffered.subarray(metaEnd, metaEnd + SEALED_KEY_BYTES);
    const streamHeader = this.buffered.subarray(metaEnd + SEALED_KEY_BYTES, header.length);
    let key: Uint8Array;
    try {
      key = s.crypto_box_seal_open(sealedKey, this.keys.publicKey, this.keys.secretKey);
    } catch {
      throw new ClipKeyError('cannot open the clip key: the sealed key block is damaged or the footage key is wrong');
    }
    try {
      this.state = s.crypto_secretstream_xchacha20poly1305_init_pull(streamHeader, key);
    } catch {
      throw new ClipFormatError('clip stream header is invalid');
    } finally {
      s.memzero(key);
    }
    this.headerBytes = Buffer.from(this.buffered.subarray(0, header.length));
    this.header = header;
    this.buffered = this.buffered.subarray(header.length);
    return true;
  }

  private headerBytes: Buffer | null = null;

  private open(cipher: Buffer): Buffer {
    const s = this.sodium;
    const ad = this.chunkIndex === 0 ? this.headerBytes : null;
    let result: { message: Uint8Array; tag: number } | false;
    try {
      result = s.crypto_secretstream_xchacha20poly1305_pull(this.state as never, cipher, ad);
    } catch {
      result = false;
    }
    if (!result) {
      throw new ClipTamperedError(
        this.chunkIndex === 0
          ? 'clip failed authentication at its first chunk: the header or the first chunk was altered'
          : `clip failed authentication at chunk ${this.chunkIndex}: data altered, removed or reordered`,
      );
    }
    this.chunkIndex += 1;
    if (result.tag === s.crypto_secretstream_xchacha20poly1305_TAG_FINAL) this.done = true;
    else if (result.tag !== s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
      throw new ClipTamperedError(`clip chunk ${this.chunkIndex - 1} carries an unexpected tag`);
    }
    return Buffer.from(result.message.buffer, result.message.byteOffset, result.message.byteLength);
  }
}

/** Transform stream: plaintext in, envelope out. */
export function createEncryptStream(encryptor: ClipEncryptor): Transform {
  let headerSent = false;
  const sendHeader = (t: Transform) => {
    if (!headerSent) {
      headerSent = true;
      t.push(encryptor.header);
    }
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        sendHeader(this);
        for (const c of encryptor.push(chunk)) this.push(c);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        sendHeader(this);
        this.push(encryptor.final());
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}

/** Transform stream: envelope in, authenticated plaintext out; errors with a ClipError. */
export function createDecryptStream(decryptor: ClipDecryptor): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        for (const c of decryptor.push(chunk)) if (c.length > 0) this.push(c);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        for (const c of decryptor.end()) if (c.length > 0) this.push(c);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}

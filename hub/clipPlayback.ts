import { createReadStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { ClipDecryptor, createDecryptStream, type FootageKeyPair } from '../common/clipEnvelope';
import type { UploadTarget } from '../common/cloud/uploadTarget';
import type { ClipRecord } from './clipIndex';
import { ClipStoreError } from './clipStoreError';

/*
 * Playing a stored clip: its plaintext, decrypted as it streams from the hub's copy or, once
 * retention removed that, from the cloud's; a byte range of it for the browser's Range requests.
 */

/** Where a clip's ciphertext can be read from. */
export interface PlaybackSource {
  keys: FootageKeyPair;
  fileOf(clipId: string): string;
  /** Where clips whose local copy retention deleted are played from. */
  cloud: UploadTarget | null;
}

/** Decrypting stream of plaintext bytes [start, end] (inclusive) of a stored clip. */
export async function openClipRange(source: PlaybackSource, clip: ClipRecord, start: number, end: number): Promise<Readable> {
  const plain = await openPlainClip(source, clip);
  const ranged = plain.pipe(byteRange(start, end));
  // pipe() does not forward errors: without this a clip failing to decrypt would hang its reader.
  plain.on('error', (err) => ranged.destroy(err));
  ranged.on('close', () => plain.destroy());
  return ranged;
}

/**
 * The whole plaintext of a clip, from the local copy or else the cloud copy. Errors of the
 * source or of decryption end the stream with that error; destroying it stops the reading
 * (and a cloud download) early.
 */
export async function openPlainClip(store: PlaybackSource, clip: ClipRecord): Promise<Readable> {
  const decryptor = await ClipDecryptor.create(store.keys);
  let source: Readable;
  if (clip.local) {
    source = createReadStream(store.fileOf(clip.id));
  } else if (clip.inCloud && clip.objectName && store.cloud) {
    try {
      source = await store.cloud.get(`${clip.objectName}.plc`);
    } catch (err) {
      throw new ClipStoreError(502, 'CLOUD_UNAVAILABLE', `this clip is kept only in the cloud, which cannot be reached now (${(err as Error).message})`);
    }
  } else {
    throw new ClipStoreError(410, 'CLIP_GONE', 'this clip was deleted by the retention settings');
  }
  const plain = source.pipe(createDecryptStream(decryptor));
  source.on('error', (err) => plain.destroy(err));
  plain.on('close', () => source.destroy());
  return plain;
}

/** Passes through only bytes [start, end] of a stream; secretstream cannot seek, so earlier bytes are decrypted and dropped. */
export function byteRange(start: number, end: number): Transform {
  let offset = 0;
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (done) return cb();
      const from = Math.max(start - offset, 0);
      const to = Math.min(end + 1 - offset, chunk.length);
      offset += chunk.length;
      if (to > from) this.push(chunk.subarray(from, to));
      if (offset > end) {
        done = true;
        this.push(null);
      }
      cb();
    },
  });
}

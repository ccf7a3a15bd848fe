import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import {
  ClipDecryptor,
  ClipEncryptor,
  DEFAULT_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  parseClipHeader,
  type FootageKeyPair,
} from '../../common/clipEnvelope';
import { ClipError, ClipFormatError, ClipKeyError, ClipTamperedError, ClipTruncatedError } from '../../common/clipErrors';
import { generateFootageKeyPair } from '../../common/footageKeys';
import { getSodium } from '../../common/sodium';

const routing = { clipId: 'clip-1', deviceId: 'dev-1' };

async function encrypt(keys: FootageKeyPair, plain: Buffer, chunkSize = DEFAULT_CHUNK_SIZE, pieces = 3): Promise<Buffer> {
  const enc = await ClipEncryptor.create(keys, routing, chunkSize);
  const out: Buffer[] = [enc.header];
  const step = Math.max(1, Math.ceil(plain.length / pieces));
  for (let i = 0; i < plain.length; i += step) out.push(...enc.push(plain.subarray(i, i + step)));
  out.push(enc.final());
  return Buffer.concat(out);
}

/**
 * A version 1 clip, laid out as Porchlight wrote them before December 2026 (routing JSON in clear
 * text): the format is frozen, so the fixture is built here rather than by the current encryptor.
 */
async function encryptVersion1(keys: FootageKeyPair, r: { clipId: string; deviceId: string }, plain: Buffer, chunkSize: number): Promise<Buffer> {
  const s = await getSodium();
  const metadata = Buffer.from(JSON.stringify(r), 'utf8');
  const key = s.crypto_secretstream_xchacha20poly1305_keygen();
  const { state, header: streamHeader } = s.crypto_secretstream_xchacha20poly1305_init_push(key);
  const prefix = Buffer.alloc(22);
  prefix.write('PLCLIP', 0, 'ascii');
  prefix.writeUInt8(1, 6);
  prefix.writeUInt32BE(chunkSize, 8);
  Buffer.from(s.crypto_generichash(32, keys.publicKey, null)).copy(prefix, 12, 0, 8);
  prefix.writeUInt16BE(metadata.length, 20);
  const header = Buffer.concat([prefix, metadata, Buffer.from(s.crypto_box_seal(key, keys.publicKey)), Buffer.from(streamHeader)]);
  const out = [header];
  for (let i = 0; i === 0 || i < plain.length; i += chunkSize) {
    const last = i + chunkSize >= plain.length;
    const tag = last ? s.crypto_secretstream_xchacha20poly1305_TAG_FINAL : s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    out.push(Buffer.from(s.crypto_secretstream_xchacha20poly1305_push(state, plain.subarray(i, i + chunkSize), i === 0 ? header : null, tag)));
  }
  return Buffer.concat(out);
}

/** Decrypts, returning what was yielded before any error, and the error. */
async function decrypt(keys: FootageKeyPair, file: Buffer, feed = 7000): Promise<{ plain: Buffer; error?: ClipError }> {
  const dec = await ClipDecryptor.create(keys);
  const out: Buffer[] = [];
  try {
    for (let i = 0; i < file.length; i += feed) out.push(...dec.push(file.subarray(i, i + feed)));
    out.push(...dec.end());
    return { plain: Buffer.concat(out) };
  } catch (err) {
    assert.ok(err instanceof ClipError, `expected a ClipError, got ${String(err)}`);
    return { plain: Buffer.concat(out), error: err };
  }
}

describe('clip envelope', () => {
  let keys: FootageKeyPair;
  const chunk = MIN_CHUNK_SIZE;
  before(async () => {
    keys = await generateFootageKeyPair();
  });

  for (const size of [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, 10 * chunk + 123]) {
    it(`round-trips ${size} bytes`, async () => {
      const plain = randomBytes(size);
      const file = await encrypt(keys, plain, chunk);
      const result = await decrypt(keys, file);
      assert.equal(result.error, undefined);
      assert.ok(result.plain.equals(plain));
    });
  }

  it('round-trips with the default 64 KiB chunk, fed one byte at a time at the edges', async () => {
    const plain = randomBytes(DEFAULT_CHUNK_SIZE * 2 + 5);
    const file = await encrypt(keys, plain, DEFAULT_CHUNK_SIZE, 7);
    assert.ok((await decrypt(keys, file, 1)).plain.equals(plain));
  });

  it('tells only the footage key\'s holder which camera recorded the clip: the cloud, holding the same file, cannot', async () => {
    const file = await encrypt(keys, randomBytes(10), chunk);
    const header = parseClipHeader(file);
    assert.equal(header?.version, 2);
    assert.equal(header?.routing, null, 'no routing without the key');
    for (const id of [routing.clipId, routing.deviceId]) assert.equal(file.includes(id), false, `the file names ${id}`);
    const dec = await ClipDecryptor.create(keys);
    dec.push(file);
    dec.end();
    assert.deepEqual(dec.routing, routing);
  });

  it('still reads version 1 clips (routing in clear text), recorded before the routing was sealed', async () => {
    const plain = randomBytes(3 * chunk + 7);
    const file = await encryptVersion1(keys, routing, plain, chunk);
    assert.deepEqual(parseClipHeader(file)?.routing, routing);
    const dec = await ClipDecryptor.create(keys);
    const out = [...dec.push(file), ...dec.end()];
    assert.ok(Buffer.concat(out).equals(plain));
    assert.deepEqual(dec.routing, routing);
    const bad = Buffer.from(file);
    bad[30] = bad[30]! ^ 0x01; // inside the clear-text routing: still authenticated
    assert.ok((await decrypt(keys, bad)).error instanceof ClipError);
  });

  describe('rejects damage with a typed error and no unverified plaintext', () => {
    const plain = randomBytes(4 * chunk + 100);
    let file: Buffer;
    let headerLength: number;
    const chunkCipher = chunk + 17;
    before(async () => {
      file = await encrypt(keys, plain, chunk);
      headerLength = parseClipHeader(file)!.length;
    });

    /** Whatever was yielded must be a prefix of the plaintext made of whole verified chunks. */
    function assertVerifiedPrefix(yielded: Buffer, maxChunks: number) {
      assert.ok(yielded.length <= maxChunks * chunk, `yielded ${yielded.length} bytes, more than ${maxChunks} chunks`);
      assert.ok(plain.subarray(0, yielded.length).equals(yielded));
    }

    const flips: Array<[string, (h: number) => number, typeof ClipError, number]> = [
      ['magic', () => 0, ClipFormatError, 0],
      ['version', () => 6, ClipFormatError, 0],
      ['chunk size', () => 10, ClipTamperedError, 0],
      ['key id', () => 13, ClipKeyError, 0],
      ['metadata', () => 34, ClipTamperedError, 0],
      ['sealed key', (h) => h - 60, ClipKeyError, 0],
      ['stream header', (h) => h - 5, ClipTamperedError, 0],
      ['first chunk', (h) => h + 3, ClipTamperedError, 0],
      ['third chunk', (h) => h + 2 * chunkCipher + 40, ClipTamperedError, 2],
      ['final chunk tag', (h) => h + 4 * chunkCipher + 50, ClipTamperedError, 4],
      ['last byte', () => file.length - 1, ClipTamperedError, 4],
    ];
    for (const [name, where, errorType, maxChunks] of flips) {
      it(`a flipped byte in the ${name}`, async () => {
        const bad = Buffer.from(file);
        const at = where(headerLength);
        bad[at] = bad[at]! ^ 0x01;
        const result = await decrypt(keys, bad);
        assert.ok(result.error instanceof errorType, `expected ${errorType.name}, got ${result.error?.name}: ${result.error?.message}`);
        assertVerifiedPrefix(result.plain, maxChunks);
      });
    }

    for (const cut of [10, 100, 1, 17, chunkCipher]) {
      it(`truncation by ${cut} bytes`, async () => {
        const result = await decrypt(keys, file.subarray(0, file.length - cut));
        assert.ok(result.error instanceof ClipTruncatedError || result.error instanceof ClipTamperedError, result.error?.message);
        assertVerifiedPrefix(result.plain, 4);
      });
    }

    it('truncation to the bare header', async () => {
      const result = await decrypt(keys, file.subarray(0, headerLength));
      assert.ok(result.error instanceof ClipTruncatedError);
      assert.equal(result.plain.length, 0);
    });

    it('truncation inside the header', async () => {
      const result = await decrypt(keys, file.subarray(0, 30));
      assert.ok(result.error instanceof ClipTruncatedError);
    });

    it('a removed chunk', async () => {
      const bad = Buffer.concat([file.subarray(0, headerLength + chunkCipher), file.subarray(headerLength + 2 * chunkCipher)]);
      const result = await decrypt(keys, bad);
      assert.ok(result.error instanceof ClipTamperedError);
      assertVerifiedPrefix(result.plain, 1);
    });

    it('two swapped chunks', async () => {
      const a = file.subarray(headerLength + chunkCipher, headerLength + 2 * chunkCipher);
      const b = file.subarray(headerLength + 2 * chunkCipher, headerLength + 3 * chunkCipher);
      const bad = Buffer.concat([file.subarray(0, headerLength + chunkCipher), b, a, file.subarray(headerLength + 3 * chunkCipher)]);
      const result = await decrypt(keys, bad);
      assert.ok(result.error instanceof ClipTamperedError);
      assertVerifiedPrefix(result.plain, 1);
    });

    it('extra bytes after the final chunk', async () => {
      const result = await decrypt(keys, Buffer.concat([file, Buffer.from('xx')]));
      assert.ok(result.error instanceof ClipTamperedError || result.error instanceof ClipFormatError, result.error?.message);
      assertVerifiedPrefix(result.plain, 4);
    });

    it('the wrong footage key', async () => {
      const other = await generateFootageKeyPair();
      const result = await decrypt(other, file);
      assert.ok(result.error instanceof ClipKeyError);
      assert.match(result.error.message, /sealed to footage key/);
      assert.equal(result.plain.length, 0);
    });

    it('a file that is not a clip at all', async () => {
      const result = await decrypt(keys, Buffer.from('\x00\x00\x00\x20ftypisom this is an mp4'));
      assert.ok(result.error instanceof ClipFormatError);
    });
  });
});

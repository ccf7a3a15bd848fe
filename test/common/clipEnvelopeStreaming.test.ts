import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ClipDecryptor, ClipEncryptor, createDecryptStream, createEncryptStream } from '../../common/clipEnvelope';
import { generateFootageKeyPair } from '../../common/footageKeys';

/** `total` bytes of a repeating but non-trivial pattern, produced lazily. */
function source(total: number): Readable {
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31 + (i >> 8)) & 0xff;
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(block.length, total - sent);
      sent += n;
      this.push(block.subarray(0, n));
    },
  });
}

describe('clip envelope streaming', function () {
  this.timeout(120_000);

  it('encrypts and decrypts a 500 MB clip with constant memory', async () => {
    const keys = await generateFootageKeyPair();
    const total = 500 * 1024 * 1024;
    const encryptor = await ClipEncryptor.create(keys, { clipId: 'big', deviceId: 'dev' });
    const decryptor = await ClipDecryptor.create(keys);
    const expected = createHash('sha256');
    const actual = createHash('sha256');
    const tee = source(total).on('data', (c: Buffer) => expected.update(c));
    let peak = 0;
    const baseline = process.memoryUsage().rss;
    let seen = 0;
    await pipeline(
      tee,
      createEncryptStream(encryptor),
      createDecryptStream(decryptor),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          actual.update(chunk);
          seen += chunk.length;
          if ((seen & 0xffffff) < chunk.length) peak = Math.max(peak, process.memoryUsage().rss - baseline);
          cb();
        },
      }),
    );
    assert.equal(seen, total);
    assert.equal(actual.digest('hex'), expected.digest('hex'));
    assert.ok(peak < 150 * 1024 * 1024, `memory grew by ${Math.round(peak / 1048576)} MB for a 500 MB clip`);
  });
});

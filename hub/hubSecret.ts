import { timingSafeEqual } from 'node:crypto';
import { readOrCreateSecretFile } from '../common/atomicFile';
import { getSodium, type Sodium } from '../common/sodium';

/*
 * The hub's own secret key (32 random bytes, file mode 0600, next to the footage key).
 * It encrypts small secrets the hub must read back but must not keep in plain in the
 * database: TOTP seeds and pending email codes. A stolen hub.db alone yields none of them.
 * It also signs values the hub hands out and must later know it issued (the browser id): the
 * MAC key is derived from it, so one key never serves two primitives.
 */

export class HubSecret {
  private readonly macKey: Uint8Array;

  private constructor(
    private readonly sodium: Sodium,
    private readonly key: Uint8Array,
  ) {
    this.macKey = sodium.crypto_generichash(32, 'porchlight hub mac key v1', key);
  }

  /** Loads the key from `file`, creating it on first use. */
  static async load(file: string): Promise<HubSecret> {
    const sodium = await getSodium();
    const text = await readOrCreateSecretFile(file, () => Buffer.from(sodium.crypto_secretbox_keygen()).toString('base64') + '\n');
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== sodium.crypto_secretbox_KEYBYTES) throw new Error(`${file} is not a Porchlight hub secret key`);
    return new HubSecret(sodium, new Uint8Array(key));
  }

  /** Encrypts and authenticates `plain`; the result is base64 (nonce ‖ ciphertext). */
  seal(plain: string): string {
    const nonce = this.sodium.randombytes_buf(this.sodium.crypto_secretbox_NONCEBYTES);
    const box = this.sodium.crypto_secretbox_easy(Buffer.from(plain, 'utf8'), nonce, this.key);
    return Buffer.concat([nonce, box]).toString('base64');
  }

  /** Reverses `seal`; throws if the value was altered or sealed under another key. */
  open(sealed: string): string {
    const raw = Buffer.from(sealed, 'base64');
    const n = this.sodium.crypto_secretbox_NONCEBYTES;
    if (raw.length < n + this.sodium.crypto_secretbox_MACBYTES) throw new Error('sealed value is too short');
    const plain = this.sodium.crypto_secretbox_open_easy(raw.subarray(n), raw.subarray(0, n), this.key);
    return Buffer.from(plain).toString('utf8');
  }

  /** A MAC (keyed BLAKE2b, base64url) of `value` for `purpose`: a tag made for one purpose never checks for another. */
  mac(purpose: string, value: string): string {
    return Buffer.from(this.sodium.crypto_generichash(32, `${purpose}\0${value}`, this.macKey)).toString('base64url');
  }

  /** Whether `tag` is this hub's `mac(purpose, value)`, compared in constant time. */
  checkMac(purpose: string, value: string, tag: string): boolean {
    const expected = Buffer.from(this.mac(purpose, value));
    const got = Buffer.from(tag);
    return got.length === expected.length && timingSafeEqual(got, expected);
  }
}

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { getSodium } from './sodium';
import { writeFileAtomic } from './atomicFile';
import type { FootageKeyPair } from './clipEnvelope';
import { FOOTAGE_PASSPHRASE_MIN } from './api/footageKey';

/*
 * The footage key pair: agents seal each clip key to the public half; only the hub
 * (and whoever holds an exported recovery file) has the secret half.
 */

const KEY_FILE_FORMAT = 'porchlight-footage-key';
const WRAPPED_FORMAT = 'porchlight-footage-key-wrapped';

export class KeyFileError extends Error {}

export async function generateFootageKeyPair(): Promise<FootageKeyPair> {
  const sodium = await getSodium();
  const kp = sodium.crypto_box_keypair();
  return { publicKey: kp.publicKey, secretKey: kp.privateKey };
}

export async function saveFootageKeyPair(file: string, keys: FootageKeyPair): Promise<void> {
  const body = JSON.stringify({
    format: KEY_FILE_FORMAT,
    version: 1,
    publicKey: Buffer.from(keys.publicKey).toString('base64'),
    secretKey: Buffer.from(keys.secretKey).toString('base64'),
  });
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, body, 0o600);
}

function decodeKey(value: unknown, name: string, file: string): Uint8Array {
  if (typeof value !== 'string') throw new KeyFileError(`${file}: ${name} is missing`);
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== 32) throw new KeyFileError(`${file}: ${name} must be 32 bytes of base64`);
  return new Uint8Array(bytes);
}

async function checkPair(keys: FootageKeyPair, file: string): Promise<FootageKeyPair> {
  const sodium = await getSodium();
  const derived = sodium.crypto_scalarmult_base(keys.secretKey);
  if (!Buffer.from(derived).equals(Buffer.from(keys.publicKey))) {
    throw new KeyFileError(`${file}: the public and secret keys do not belong together`);
  }
  return keys;
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new KeyFileError(`cannot read key file ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new KeyFileError(`${file} is not a Porchlight key file (not JSON)`);
  }
}

/**
 * Loads a plain key file, or a passphrase-wrapped recovery file; `getPassphrase` is asked
 * only when the file is wrapped.
 */
export async function loadFootageKeyPair(file: string, getPassphrase?: () => Promise<string>): Promise<FootageKeyPair> {
  const doc = await readJson(file);
  if (doc.format === KEY_FILE_FORMAT) {
    return checkPair({ publicKey: decodeKey(doc.publicKey, 'publicKey', file), secretKey: decodeKey(doc.secretKey, 'secretKey', file) }, file);
  }
  if (doc.format === WRAPPED_FORMAT) {
    if (!getPassphrase) throw new KeyFileError(`${file} is passphrase-protected: give the passphrase`);
    return unwrap(doc, await getPassphrase(), file);
  }
  throw new KeyFileError(`${file} is not a Porchlight footage key file (format "${String(doc.format)}")`);
}

/**
 * The public half alone, for the relay: it seals clip manifests to it but must never hold
 * the secret half (it reads the hub's data dir, so footage.key is not for it).
 */
export async function saveFootagePublicKey(file: string, publicKey: Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const body = JSON.stringify({ format: 'porchlight-footage-public-key', version: 1, publicKey: Buffer.from(publicKey).toString('base64') });
  // 0640: the relay reads it through the hub's group; others have no business with it.
  await writeFileAtomic(file, body + '\n', 0o640);
}

export async function loadFootagePublicKey(file: string): Promise<Uint8Array> {
  const doc = await readJson(file);
  return decodeKey(doc.publicKey, 'publicKey', file);
}

/** Shortest passphrase accepted for a recovery file or for wrapping the hub's own key. */
export const MIN_PASSPHRASE_LENGTH = FOOTAGE_PASSPHRASE_MIN;

function wrappedBody(keys: FootageKeyPair, passphrase: string, sodium: Awaited<ReturnType<typeof getSodium>>): string {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) throw new KeyFileError(`the passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters`);
  const salt = sodium.randombytes_buf(sodium.crypto_pwhash_SALTBYTES);
  const opslimit = sodium.crypto_pwhash_OPSLIMIT_MODERATE;
  const memlimit = sodium.crypto_pwhash_MEMLIMIT_MODERATE;
  const wrapKey = sodium.crypto_pwhash(32, passphrase, salt, opslimit, memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
  const nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
  const box = sodium.crypto_secretbox_easy(keys.secretKey, nonce, wrapKey);
  sodium.memzero(wrapKey);
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  const body = JSON.stringify(
    {
      format: WRAPPED_FORMAT,
      version: 1,
      kdf: 'argon2id13',
      opslimit,
      memlimit,
      salt: b64(salt),
      nonce: b64(nonce),
      publicKey: b64(keys.publicKey),
      secretKeyBox: b64(box),
    },
    null,
    2,
  );
  return body + '\n';
}

/** Recovery file: the secret key sealed with a key derived from a passphrase by Argon2id. */
export async function exportWrappedKey(file: string, keys: FootageKeyPair, passphrase: string): Promise<void> {
  await writeFileAtomic(file, wrappedBody(keys, passphrase, await getSodium()), 0o600);
}

/** What the hub's key file holds: the whole pair, or (wrapped) only the public half until a passphrase opens it. */
export type FootageKeyFile = { wrapped: false; keys: FootageKeyPair } | { wrapped: true; publicKey: Uint8Array };

export async function readFootageKeyFile(file: string): Promise<FootageKeyFile> {
  const doc = await readJson(file);
  if (doc.format === WRAPPED_FORMAT) return { wrapped: true, publicKey: decodeKey(doc.publicKey, 'publicKey', file) };
  return { wrapped: false, keys: await loadFootageKeyPair(file) };
}

/** Opens the hub's wrapped key file; a wrong passphrase is a WrongPassphraseError. */
export async function openWrappedKeyFile(file: string, passphrase: string): Promise<FootageKeyPair> {
  const doc = await readJson(file);
  if (doc.format !== WRAPPED_FORMAT) throw new KeyFileError(`${file} is not passphrase-protected`);
  return unwrap(doc, passphrase, file);
}

/**
 * Replaces the hub's key file by the same pair wrapped with `passphrase`. The wrapped file is
 * on disk (fsynced, renamed over the old name) before the old file's bytes are overwritten
 * through a handle still open on it: a power cut at any point leaves a usable key file, and
 * the plain secret key is not left in the unlinked file's blocks for a filesystem reader.
 * (Flash wear levelling may still keep an older copy: docs/security.md, Known limits.)
 */
export async function wrapFootageKeyFile(file: string, keys: FootageKeyPair, passphrase: string): Promise<void> {
  const body = wrappedBody(keys, passphrase, await getSodium());
  const old = await fs.open(file, 'r+').catch(() => null);
  try {
    await writeFileAtomic(file, body, 0o600);
    if (old) {
      const { size } = await old.stat();
      await old.write(Buffer.alloc(size), 0, size, 0);
      await old.sync();
    }
  } finally {
    await old?.close();
  }
}

/** Replaces a wrapped key file by the plain pair (the owner's choice to drop the passphrase). */
export async function unwrapFootageKeyFile(file: string, keys: FootageKeyPair): Promise<void> {
  await saveFootageKeyPair(file, keys);
}

/** The passphrase does not open the wrapped key (or the file was altered). */
export class WrongPassphraseError extends KeyFileError {}

async function unwrap(doc: Record<string, unknown>, passphrase: string, file: string): Promise<FootageKeyPair> {
  const sodium = await getSodium();
  const { opslimit, memlimit } = doc;
  if (doc.kdf !== 'argon2id13' || typeof opslimit !== 'number' || typeof memlimit !== 'number') {
    throw new KeyFileError(`${file}: unsupported key derivation parameters`);
  }
  const salt = Buffer.from(String(doc.salt), 'base64');
  const nonce = Buffer.from(String(doc.nonce), 'base64');
  const box = Buffer.from(String(doc.secretKeyBox), 'base64');
  if (salt.length !== sodium.crypto_pwhash_SALTBYTES || nonce.length !== sodium.crypto_secretbox_NONCEBYTES) {
    throw new KeyFileError(`${file}: salt or nonce has the wrong length`);
  }
  const wrapKey = sodium.crypto_pwhash(32, passphrase, salt, opslimit, memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
  let secretKey: Uint8Array;
  try {
    secretKey = sodium.crypto_secretbox_open_easy(box, nonce, wrapKey);
  } catch {
    throw new WrongPassphraseError(`${file}: wrong passphrase, or the file was altered`);
  } finally {
    sodium.memzero(wrapKey);
  }
  return checkPair({ publicKey: decodeKey(doc.publicKey, 'publicKey', file), secretKey }, file);
}

import type { FootageKeyPair } from '../common/clipEnvelope';
import { openWrappedKeyFile, readFootageKeyFile, unwrapFootageKeyFile, wrapFootageKeyFile } from '../common/footageKeys';
import { ClipStoreError } from './clipStoreError';

/*
 * The footage key as the running hub holds it. By default the key file holds the whole pair
 * (a stolen SD card decrypts every clip). The owner may wrap it with a passphrase: after a
 * restart the hub then knows only the public half (LOCKED) until an owner gives the
 * passphrase, and the secret half stays in memory only, never written unwrapped again.
 * Cameras seal clips to the public half, so recording goes on while locked.
 */

export const LOCKED_MESSAGE = 'the footage key is locked: an owner unlocks it on the System page';

/** Anything that needs the secret half while the hub is locked: 423, the same words everywhere. */
/** The key was unlocked already (by an unlock queued before this one). */
export class AlreadyUnlockedError extends Error {
  constructor() {
    super('the footage key is already unlocked');
  }
}

export class FootageKeyLockedError extends ClipStoreError {
  constructor() {
    super(423, 'FOOTAGE_KEY_LOCKED', LOCKED_MESSAGE);
  }
}

export class FootageKeyring {
  private secret: FootageKeyPair | null;
  private wrappedFile: boolean;
  /** One passphrase check at a time: each Argon2id run takes 256 MiB, a flood must not take the Pi's memory. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Told once the key opens (held clips are verified then). */
  onUnlocked: (() => void) | null = null;

  private constructor(
    private readonly file: string | null,
    readonly publicKey: Uint8Array,
    secret: FootageKeyPair | null,
    wrapped: boolean,
  ) {
    this.secret = secret;
    this.wrappedFile = wrapped;
  }

  /** The hub's key file: unlocked when plain, locked when wrapped. */
  static async load(file: string): Promise<FootageKeyring> {
    const kf = await readFootageKeyFile(file);
    return kf.wrapped ? new FootageKeyring(file, kf.publicKey, null, true) : new FootageKeyring(file, kf.keys.publicKey, kf.keys, false);
  }

  /** A pair held in memory only (tests, benchmarks, tools that open a store directly). */
  static of(keys: FootageKeyPair): FootageKeyring {
    return new FootageKeyring(null, keys.publicKey, keys, false);
  }

  get locked(): boolean {
    return this.secret === null;
  }

  /** Whether the key file on disk is passphrase-wrapped. */
  get wrapped(): boolean {
    return this.wrappedFile;
  }

  /** The pair, or FootageKeyLockedError (423) while locked. */
  pair(): FootageKeyPair {
    if (!this.secret) throw new FootageKeyLockedError();
    return this.secret;
  }

  /**
   * Opens the wrapped key with `passphrase`; WrongPassphraseError when it does not, and
   * AlreadyUnlockedError when another unlock got there first (a wrong passphrase queued behind
   * the right one must not pass for right).
   */
  unlock(passphrase: string): Promise<void> {
    return this.serially(async () => {
      if (this.secret) throw new AlreadyUnlockedError();
      this.secret = await openWrappedKeyFile(this.keyFile(), passphrase);
      this.onUnlocked?.();
    });
  }

  /** Wraps the key file with `passphrase`; the running hub keeps its unlocked key in memory. */
  wrap(passphrase: string): Promise<void> {
    return this.serially(async () => {
      await wrapFootageKeyFile(this.keyFile(), this.pair(), passphrase);
      this.wrappedFile = true;
    });
  }

  /** Writes the key file unwrapped again (needs the key unlocked). */
  unwrap(): Promise<void> {
    return this.serially(async () => {
      await unwrapFootageKeyFile(this.keyFile(), this.pair());
      this.wrappedFile = false;
    });
  }

  private keyFile(): string {
    if (!this.file) throw new Error('this key pair has no key file');
    return this.file;
  }

  private serially<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Readable, Transform } from 'node:stream';
import type { RelayTarget } from '../config';
import type { FileDigests } from '../fileHash';
import { describeRelayTarget } from './targetDescription';
import type { UploadTarget } from './uploadTarget';

/** How long a replaced target stays open: a clip playing from it when the owner switched keeps playing. */
const RETIRE_AFTER_MS = 120_000;

/**
 * The target the owner chose, followed without a restart: at most every `everyMs` the choice
 * in effect is read again (a settings row and a small file, no network), and when it or the
 * S3 key pair changed the next call goes to a target built from the new choice. Callers
 * (the relay's loop, the hub's playback) keep one object and never notice the switch.
 */
export class FollowingTarget implements UploadTarget {
  private current: UploadTarget | null = null;
  private broken: Error | null = null;
  private fingerprint = '';
  private checkedAt = -Infinity;
  private lastDescription = 'no upload target';
  private readonly retiring = new Map<NodeJS.Timeout, UploadTarget>();

  constructor(
    private readonly resolve: () => RelayTarget,
    private readonly build: (target: RelayTarget) => UploadTarget,
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
    private readonly onSwitch: (description: string) => void = () => undefined,
  ) {}

  /** The target for this call; throws (as the call's failure) when the choice cannot be opened. */
  private inner(): UploadTarget {
    this.follow();
    if (this.broken || !this.current) throw this.broken ?? new Error('no upload target');
    return this.current;
  }

  private follow(): void {
    const now = this.now();
    if (now - this.checkedAt < this.everyMs && (this.current || this.broken)) return;
    this.checkedAt = now;
    let target: RelayTarget;
    try {
      target = this.resolve();
    } catch (err) {
      // An unreadable settings row keeps the target in use rather than stopping uploads.
      if (this.current) return;
      this.broken = err as Error;
      return;
    }
    const print = fingerprintOf(target);
    if (print === this.fingerprint) return;
    const first = this.fingerprint === '';
    this.fingerprint = print;
    this.retire(this.current);
    this.current = null;
    try {
      this.current = this.build(target);
      this.broken = null;
      this.lastDescription = this.current.description;
    } catch (err) {
      this.broken = err as Error;
      this.lastDescription = describeRelayTarget(target);
    }
    if (!first) this.onSwitch(this.description);
  }

  private retire(old: UploadTarget | null): void {
    if (!old) return;
    const timer = setTimeout(() => {
      this.retiring.delete(timer);
      old.close();
    }, RETIRE_AFTER_MS);
    timer.unref();
    this.retiring.set(timer, old);
  }

  get description(): string {
    this.follow();
    return this.current ? this.current.description : this.lastDescription;
  }

  async putFile(key: string, file: string, digests: FileDigests, pace?: () => Transform): Promise<void> {
    return this.inner().putFile(key, file, digests, pace);
  }

  async putBytes(key: string, body: Buffer): Promise<void> {
    return this.inner().putBytes(key, body);
  }

  async get(key: string): Promise<Readable> {
    return this.inner().get(key);
  }

  async *list(): AsyncIterable<{ key: string; bytes: number }> {
    yield* this.inner().list();
  }

  async remove(key: string): Promise<void> {
    return this.inner().remove(key);
  }

  async check(): Promise<void> {
    return this.inner().check();
  }

  async cleanup(): Promise<void> {
    return this.inner().cleanup();
  }

  close(): void {
    this.current?.close();
    this.current = null;
    for (const [timer, old] of this.retiring) {
      clearTimeout(timer);
      old.close();
    }
    this.retiring.clear();
  }
}

/** The choice and the bytes of its key file: a new secret for the same key counts as a change. */
function fingerprintOf(target: RelayTarget): string {
  const hash = createHash('sha256').update(JSON.stringify(target));
  if (target.type === 's3' && target.credentialsFile) {
    try {
      hash.update(readFileSync(target.credentialsFile));
    } catch {
      hash.update('missing');
    }
  }
  return hash.digest('hex');
}

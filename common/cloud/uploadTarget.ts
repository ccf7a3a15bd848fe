import type { Readable, Transform } from 'node:stream';
import type { FileDigests } from '../fileHash';

/** Where encrypted clips go. Object names are opaque; only ciphertext is ever given. */
export interface UploadTarget {
  readonly description: string;
  /**
   * Stores `file` under `key` and verifies that the target holds exactly those bytes
   * (size, SHA-256, and for S3 the ETag the server computed). `pace` slows the upload to the
   * bandwidth cap.
   */
  putFile(key: string, file: string, digests: FileDigests, pace?: () => Transform): Promise<void>;
  /** Small objects (manifests), verified the same way. */
  putBytes(key: string, body: Buffer): Promise<void>;
  /** The object's bytes; a NotFoundError when it is not there. */
  get(key: string): Promise<Readable>;
  /** Every object under the target's prefix (keys without the prefix). */
  list(): AsyncIterable<{ key: string; bytes: number }>;
  /** Deletes an object; deleting one that is not there is not an error. */
  remove(key: string): Promise<void>;
  /** A cheap round trip that proves the target is reachable and usable. */
  check(): Promise<void>;
  /** Clears what an upload cut off by a crash left behind; the relay runs it once at start. */
  cleanup(): Promise<void>;
  close(): void;
}

/** A failure that retrying will not cure (bad bucket, wrong credentials): shown to the owner. */
export class TargetConfigError extends Error {}

/** The target is there but the object is not. */
export class NotFoundError extends Error {}

/** Messages a homeowner can act on, for the errors a disk or a network gives. */
export function describeIoError(err: unknown, where: string): Error {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new Error(`${where} is full (${e.code})`, { cause: err });
    case 'EROFS':
      return new Error(`${where} is read-only (EROFS)`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new TargetConfigError(`${where} may not be written by this user (${e.code})`, { cause: err });
    case 'ECONNREFUSED':
      return new Error(`${where} refused the connection (ECONNREFUSED): is it running?`, { cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new Error(`${where}: the host name does not resolve (${e.code})`, { cause: err });
    case 'ETIMEDOUT':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new Error(`${where} cannot be reached (${e.code})`, { cause: err });
    default:
      return err instanceof Error ? err : new Error(String(err));
  }
}

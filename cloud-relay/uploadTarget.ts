/** Where encrypted clips go. Object names are opaque; only ciphertext is ever given. */
export interface UploadTarget {
  readonly description: string;
  /** Stores `file` under `objectName` and verifies it arrived whole (size and SHA-256). */
  put(objectName: string, file: string, sha256: string, bytes: number): Promise<void>;
}

/** A failure that retrying will not cure (bad bucket, wrong credentials): shown to the owner. */
export class TargetConfigError extends Error {}

/**
 * Typed failures of the clip envelope. Callers branch on `code`; messages say what
 * is wrong with the file in words a person recovering footage can act on.
 */
export type ClipErrorCode = 'CLIP_FORMAT' | 'CLIP_KEY' | 'CLIP_TAMPERED' | 'CLIP_TRUNCATED';

export class ClipError extends Error {
  constructor(
    readonly code: ClipErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Not a Porchlight clip, an unknown version, or a malformed header. */
export class ClipFormatError extends ClipError {
  constructor(message: string) {
    super('CLIP_FORMAT', message);
  }
}

/** The per-clip key cannot be opened: wrong footage key, or the sealed key was altered. */
export class ClipKeyError extends ClipError {
  constructor(message: string) {
    super('CLIP_KEY', message);
  }
}

/** A chunk failed authentication: altered, reordered, or from another clip. */
export class ClipTamperedError extends ClipError {
  constructor(message: string) {
    super('CLIP_TAMPERED', message);
  }
}

/** The file ends before the final chunk. */
export class ClipTruncatedError extends ClipError {
  constructor(message: string) {
    super('CLIP_TRUNCATED', message);
  }
}

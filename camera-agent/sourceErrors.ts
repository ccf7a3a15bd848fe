/*
 * Why a camera's video cannot be had. Two kinds, because the agent treats them differently:
 * a SourceError is a mistake in the configuration (a malformed URL, a missing file) that no
 * retry mends; a SourceUnavailableError is the camera's present state (switched off,
 * rebooting, refusing our password), retried with backoff and reported as the camera's health.
 */

export class SourceError extends Error {}

/** What a camera that does not deliver video is doing, as the household is told it. */
export type UnavailableReason = 'unreachable' | 'unauthorized' | 'unsupported';

export class SourceUnavailableError extends Error {
  constructor(
    readonly reason: UnavailableReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads the reason from ffmpeg's or ffprobe's error output. Only what the words make certain
 * is named; everything else counts as unreachable (retried, never read as "not H.264").
 */
export function unavailableReason(stderr: string): UnavailableReason {
  if (/\b401\b|Unauthorized|authorization failed/i.test(stderr)) return 'unauthorized';
  if (/Invalid data found when processing input|could not find codec parameters|Unsupported codec|no video stream/i.test(stderr)) {
    return 'unsupported';
  }
  return 'unreachable';
}

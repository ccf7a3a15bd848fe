/** An error answered to the client as `{ error: { code, message, ...extra } }` with its status. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 429 with Retry-After; `retryAt` is an absolute time in ms. */
export function tooManyRequests(code: string, message: string, retryAt: number, now = Date.now()): HttpError {
  const seconds = Math.max(1, Math.ceil((retryAt - now) / 1000));
  return new HttpError(429, code, message, { retryAfterSeconds: seconds }, { 'retry-after': String(seconds) });
}

/** "10 minutes", "45 seconds": how long, said the way the UI says it. */
export function humanDuration(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 90) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.ceil(s / 60);
  return `${m} minute${m === 1 ? '' : 's'}`;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Runs `fn`, turning the domain errors listed (whose messages are already sentences for
 * the user) into 400s; anything else stays a server error.
 */
export async function refusalsAs400<T>(kinds: readonly ErrorClass[], fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (kinds.some((k) => err instanceof k)) throw new HttpError(400, 'REFUSED', (err as Error).message);
    throw err;
  }
}

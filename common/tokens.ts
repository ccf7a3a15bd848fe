import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 24 random bytes, base64url: the form of device tokens and session ids. */
export function newToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Tokens are high-entropy, so a plain SHA-256 is enough to store them: a stolen
 * database does not yield a usable token, and lookup stays an index hit.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

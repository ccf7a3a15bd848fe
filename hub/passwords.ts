import { runPasswordJob } from './passwordWorkerPool';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;
/** Names and email local parts shorter than this are not looked for inside passwords. */
const MIN_PERSONAL_LENGTH = 4;

let commonList: { test(password: string): boolean } | undefined;

/** Mozilla's list of common passwords (fxa-common-password-list, CommonJS, no types), loaded on first use. */
function isCommon(password: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS without types, loaded on first use
  commonList ??= require('fxa-common-password-list') as { test(password: string): boolean };
  return commonList.test(password) || commonList.test(password.toLowerCase());
}

/**
 * Returns a sentence saying what is wrong with a new password, or null if it is acceptable.
 * `context` names the account, so a password built from its user name or email is refused.
 */
export function passwordProblem(password: string, context: { username?: string; email?: string } = {}): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `the password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (/^(.)\1*$/su.test(password)) return 'this password repeats a single character; choose another';
  if (isCommon(password)) return 'this password is one of the most common passwords; choose another';
  const lower = password.toLowerCase();
  const username = context.username?.trim().toLowerCase();
  if (username && username.length >= MIN_PERSONAL_LENGTH && lower.includes(username)) {
    return 'this password contains your user name; choose another';
  }
  const email = context.email?.trim().toLowerCase();
  const at = email ? email.lastIndexOf('@') : -1;
  const local = email && at > 0 ? email.slice(0, at) : email;
  if (local && local.length >= MIN_PERSONAL_LENGTH && lower.includes(local)) {
    return 'this password contains your email address; choose another';
  }
  return null;
}

/**
 * Argon2id (libsodium crypto_pwhash_str, interactive limits): salt and parameters live in the
 * string. Both run in the password worker thread, never on the hub's event loop.
 */
export async function hashPassword(password: string): Promise<string> {
  return (await runPasswordJob({ op: 'hash', password })) as string;
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  return (await runPasswordJob({ op: 'verify', hash, password })) === true;
}

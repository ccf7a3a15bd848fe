import { commonPasswordCheck, passwordProblem as rulesProblem } from '../common/passwordRules';
import { runPasswordJob } from './passwordWorkerPool';

export { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../common/passwordRules';

let commonCheck: ((password: string) => boolean) | undefined;

/** Mozilla's list of common passwords (fxa-common-password-list, CommonJS, no types), loaded on first use. */
function isCommon(password: string): boolean {
  if (!commonCheck) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS without types, loaded on first use
    const list = require('fxa-common-password-list') as { test(password: string): boolean };
    commonCheck = commonPasswordCheck((p) => list.test(p));
  }
  return commonCheck(password);
}

/**
 * Returns a sentence saying what is wrong with a new password, or null if it is acceptable
 * (common/passwordRules.ts, with Mozilla's common-password list).
 */
export function passwordProblem(password: string, context: { username?: string; email?: string } = {}): string | null {
  return rulesProblem(password, context, isCommon);
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

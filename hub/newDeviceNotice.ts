import type { DB } from '../common/database';
import type { Logger } from '../common/logger';
import type { Mailer } from '../common/mailer';
import { notifyUser } from '../common/notices';
import { BROWSER_COOKIE_MAX_AGE_S } from './knownBrowsers';
import { noticeDateTime } from '../common/noticeTime';
import { homeTimeZone } from './arming/armingStore';

/*
 * A sign-in from a browser the account does not know tells the account holder (UI notice, and
 * mail to a verified address), except the account's very first sign-in ever: every browser is
 * new then, and the person who just got the account is the one signing in.
 *
 * "First ever" is a fact about the account (users.first_signed_in_at), not about its known
 * browsers: migration 13 forgot every browser known before it, and reading "no known browsers"
 * as "never signed in" let the first sign-in after the upgrade, from any browser, pass silently.
 * Those accounts are marked (users.browsers_forgotten_at, migration 15) and their notice says
 * that a usual browser signing in for the first time since the update looks new too: the hub
 * cannot tell it from a stranger's, so it tells rather than guesses. After as long as a browser
 * cookie lives, any browser the hub knows was seen after the update, and the note is dropped.
 */

/** How long after the browsers were forgotten the notice mentions it. */
export const FORGOTTEN_NOTE_MS = BROWSER_COOKIE_MAX_AGE_S * 1000;

export interface SignInHistory {
  /** The account had signed in before this sign-in. */
  signedInBefore: boolean;
  /** When the update forgot the browsers this account knew; null when it had none to forget. */
  browsersForgottenAt: number | null;
}

/** The account's sign-in history, read before this sign-in is recorded. */
export function signInHistory(db: DB, userId: number): SignInHistory {
  const row = db.prepare('SELECT first_signed_in_at, browsers_forgotten_at FROM users WHERE id = ?').get(userId) as
    | { first_signed_in_at: number | null; browsers_forgotten_at: number | null }
    | undefined;
  return { signedInBefore: row?.first_signed_in_at != null, browsersForgottenAt: row?.browsers_forgotten_at ?? null };
}

/** Records a successful sign-in: the first one is kept, so later ones are never "first ever". */
export function recordSignIn(db: DB, userId: number, now: number): void {
  db.prepare('UPDATE users SET first_signed_in_at = ? WHERE id = ? AND first_signed_in_at IS NULL').run(now, userId);
}

export interface NewDeviceSignIn {
  username: string;
  userAgent: string | undefined;
  ip: string;
  at: number;
}

/** Whether this sign-in from a browser the account did not know gets a notice. */
export function noticeDue(history: SignInHistory, browserIsNew: boolean): boolean {
  return browserIsNew && history.signedInBefore;
}

/** Whether the notice mentions that the update forgot the browsers known before. */
export function mentionsForgottenBrowsers(history: SignInHistory, at: number): boolean {
  return history.browsersForgottenAt !== null && at - history.browsersForgottenAt < FORGOTTEN_NOTE_MS;
}

export function newDeviceNoticeText(signIn: NewDeviceSignIn, history: SignInHistory, timeZone: string | null = null): { subject: string; message: string } {
  const browser = signIn.userAgent?.slice(0, 120) ?? 'unknown browser';
  const base = `Your account ${signIn.username} signed in from a new device (${browser}, address ${signIn.ip}) at ${noticeDateTime(signIn.at, timeZone)}.`;
  const advice = 'If this was not you, sign out all sessions and change your password.';
  if (!mentionsForgottenBrowsers(history, signIn.at)) return { subject: 'Porchlight: new sign-in', message: `${base} ${advice}` };
  const since = new Date(history.browsersForgottenAt!).toISOString().slice(0, 10);
  return {
    subject: 'Porchlight: new sign-in (first since the update?)',
    message:
      `${base} A Porchlight update (installed by ${since}) made the hub forget the browsers your account had used, so this may be one of yours signing in for the first time since. ` +
      advice,
  };
}

/** Tells the account holder of a sign-in from a browser the account did not know. */
export async function tellNewDevice(db: DB, mailer: Mailer, log: Logger, userId: number, signIn: NewDeviceSignIn, history: SignInHistory): Promise<void> {
  await notifyUser(db, mailer, log, userId, { kind: 'new-device', ...newDeviceNoticeText(signIn, history, homeTimeZone(db)) }, signIn.at);
}

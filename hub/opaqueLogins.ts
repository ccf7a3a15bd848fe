import * as opaque from '@serenity-kit/opaque';
import { HttpError } from './httpError';
import { PendingLogins, type PendingLogin } from './pendingLogins';
import type { User } from './users';

/*
 * The hub's side of an OPAQUE login (RFC 9807, @serenity-kit/opaque): it answers the browser's
 * first message (KE1) with its own (KE2) and checks the last (KE3). The password never reaches
 * the hub, and the key stretching (Argon2id) runs in the browser.
 *
 * A name with no OPAQUE record (nobody has it, or its account was made before OPAQUE) gets an
 * answer made from no record, which the library builds so it cannot be told from a real one:
 * same length, same status, same work. The browser simply fails to open it, as it would with a
 * wrong password.
 */

/** A new account's registration between its two steps: who it is for, and what authorised it. */
export interface NewAccountRegistration {
  /** The OPAQUE user identifier the record is bound to: the finish step stores the account under this name, not one sent again. */
  username: string;
  email: string | null;
  /** What authorised the start ('setup', or the invitation's id): the finish must present the same. */
  authorisedBy: string;
  ip: string;
  expiresAt: number;
}

export class OpaqueLogins {
  private readonly pending = new PendingLogins();
  private readonly changes = new PendingLogins<{ userId: number; ip: string; expiresAt: number }>();
  private readonly accounts = new PendingLogins<NewAccountRegistration>();

  constructor(readonly serverSetup: string) {}

  /** KE1 → KE2, keeping the server's state under a new id. `user` is the account the name belongs to, if any. */
  start(user: User | undefined, name: string, ip: string, startLoginRequest: string, now: number): { loginId: string; loginResponse: string } {
    const record = user?.opaqueRecord ?? null;
    let answer: { serverLoginState: string; loginResponse: string };
    try {
      answer = opaque.server.startLogin({ serverSetup: this.serverSetup, userIdentifier: user?.username ?? name, registrationRecord: record, startLoginRequest });
    } catch {
      throw new HttpError(400, 'BAD_REQUEST', 'the sign-in request is not an OPAQUE message: reload the page and try again');
    }
    const loginId = this.pending.add({ userId: user?.id, name, ip, serverLoginState: record === null ? null : answer.serverLoginState }, now);
    if (loginId === null) throw new HttpError(503, 'BUSY', 'too many sign-ins are under way: try again in a minute', { retryAfterSeconds: 60 }, { 'retry-after': '60' });
    return { loginId, loginResponse: answer.loginResponse };
  }

  /** The exchange started as `loginId` from `ip`, spent by this call; undefined if unknown, expired, spent or from another address. */
  take(loginId: string, ip: string, now: number): PendingLogin | undefined {
    return this.pending.take(loginId, ip, now);
  }

  /**
   * The registration response for `user`'s new password, after a fresh proof of the current
   * one; the id lets the record follow once. Answering registration requests only then keeps
   * this from being an OPRF oracle a stolen session (or database) could test guesses with.
   */
  startChange(user: User, ip: string, registrationRequest: string, now: number): { changeId: string; registrationResponse: string } {
    let registrationResponse: string;
    try {
      ({ registrationResponse } = opaque.server.createRegistrationResponse({ serverSetup: this.serverSetup, userIdentifier: user.username, registrationRequest }));
    } catch {
      throw new HttpError(400, 'BAD_REQUEST', 'the registration request is not an OPAQUE message: reload the page and try again');
    }
    const changeId = this.changes.add({ userId: user.id, ip }, now);
    if (changeId === null) throw new HttpError(503, 'BUSY', 'too many password changes are under way: try again in a minute', { retryAfterSeconds: 60 }, { 'retry-after': '60' });
    return { changeId, registrationResponse };
  }

  /** Whether `changeId` was given to `userId` at `ip` within the last minute (spent by this call). */
  takeChange(changeId: string, userId: number, ip: string, now: number): boolean {
    return this.changes.take(changeId, ip, now)?.userId === userId;
  }

  /** Whether KE3 proves the password of the account the exchange was started for. */
  verify(login: PendingLogin, finishLoginRequest: string | undefined): boolean {
    if (login.serverLoginState === null || finishLoginRequest === undefined) return false;
    try {
      opaque.server.finishLogin({ serverLoginState: login.serverLoginState, finishLoginRequest });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The registration response for a new account's password (first-run setup, an invitation),
   * after the caller has checked what authorises it; the id lets the record follow once, from
   * the same address, within a minute. Like a change, it is answered only behind that check, so
   * it is no OPRF oracle for anyone without a setup code or an invitation.
   */
  startNewAccount(account: Omit<NewAccountRegistration, 'expiresAt'>, registrationRequest: string, now: number): { registrationId: string; registrationResponse: string } {
    let registrationResponse: string;
    try {
      ({ registrationResponse } = opaque.server.createRegistrationResponse({ serverSetup: this.serverSetup, userIdentifier: account.username, registrationRequest }));
    } catch {
      throw new HttpError(400, 'BAD_REQUEST', 'the registration request is not an OPAQUE message: reload the page and try again');
    }
    const registrationId = this.accounts.add(account, now);
    if (registrationId === null) throw new HttpError(503, 'BUSY', 'too many new accounts are being made: try again in a minute', { retryAfterSeconds: 60 }, { 'retry-after': '60' });
    return { registrationId, registrationResponse };
  }

  /** The registration started as `registrationId` from `ip`, spent by this call; undefined if unknown, expired, spent or from another address. */
  takeNewAccount(registrationId: string, ip: string, now: number): NewAccountRegistration | undefined {
    return this.accounts.take(registrationId, ip, now);
  }
}

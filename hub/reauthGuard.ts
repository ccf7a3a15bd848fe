import type { FastifyRequest } from 'fastify';
import type { PasswordProof } from '../common/api/users';
import { notifyUser } from '../common/notices';
import { HttpError, humanDuration, tooManyRequests } from './httpError';
import { accountKey } from './loginThrottle';
import type { HubServices } from './routeTable';
import { deleteSessionByHandle } from './sessions';
import type { User } from './users';
import { noticeDateTime } from '../common/noticeTime';
import { homeTimeZone } from './arming/armingStore';

/*
 * Routes that ask a signed-in person for their password or a 2FA code again (change the
 * password, turn 2FA off, replace the recovery codes) are a guessing oracle for whoever holds
 * a stolen session. So they take the sign-in lockout: each wrong answer is counted against
 * the address and the account exactly as a failed sign-in is, and audited; a locked address
 * is refused before anything is checked. The wrong answer that locks the address also ends
 * the session that gave it and tells the account's owner, in the UI and by mail.
 */

export type ReauthStep = 'password' | 'totp' | 'recovery' | 'passphrase';

export interface ReauthGuard {
  /** Refuses at once (429) while the address is locked out. */
  refuseIfLocked(req: FastifyRequest): void;
  /**
   * Counts a password check in advance, as it starts: the browser learns from the hub's OPAQUE
   * answer whether its guess was right, so a check it never finishes must count all the same.
   */
  countInAdvance(req: FastifyRequest, user: User): void;
  /**
   * The password (or passphrase) was proven: the failure counted in advance against the address
   * is taken back, and the account's count cleared as a sign-in clears it, so a household that
   * re-authenticates often is never throttled as if under attack.
   */
  proven(req: FastifyRequest, user: User): void;
  /** Counts (unless `counted`) and audits a wrong answer, then throws 403 with `message`, or 429 if the address is now locked. */
  fail(req: FastifyRequest, user: User, step: ReauthStep, code: string, message: string, counted?: boolean): Promise<never>;
  /** Checks a fresh OPAQUE proof of `user`'s password, started at /api/me/reauth/start (and counted there); fails as above. */
  checkPasswordProof(req: FastifyRequest, user: User, proof: PasswordProof, message: string): Promise<void>;
}

export function reauthGuard(svc: HubServices): ReauthGuard {
  const { db, throttle, audit, log } = svc;
  const guard: ReauthGuard = {
    refuseIfLocked(req) {
      const now = svc.now();
      const verdict = throttle.checkIp(req.ip, now);
      if (!verdict.allowed) {
        throw tooManyRequests('LOCKED_OUT', `too many wrong passwords or codes from this address: try again in ${humanDuration(verdict.retryAt - now)}`, verdict.retryAt, now);
      }
    },
    countInAdvance(req, user) {
      throttle.recordFailure(req.ip, accountKey(user, user.username), svc.now());
    },
    proven(req, user) {
      throttle.refund(req.ip);
      throttle.recordSuccess(user.id);
    },
    async fail(req, user, step, code, message, counted = false) {
      const now = svc.now();
      const route = req.routeOptions.url ?? req.url;
      let ipLockedUntil: number | null;
      if (counted) {
        const verdict = throttle.checkIp(req.ip, now);
        ipLockedUntil = verdict.allowed ? null : verdict.retryAt;
      } else {
        ipLockedUntil = throttle.recordFailure(req.ip, accountKey(user, user.username), now).ipLockedUntil;
      }
      audit.append({ actor: `user:${user.username}`, action: 'auth.reauth_failed', target: `user:${user.username}`, ip: req.ip, detail: { step, route } }, now);
      log.warn({ ip: req.ip, step, route, user: user.username }, 'a signed-in session gave a wrong password or code');
      if (ipLockedUntil === null) throw new HttpError(403, code, message);
      audit.append({ actor: 'system', action: 'auth.lockout', target: `ip:${req.ip}`, ip: req.ip, detail: { until: ipLockedUntil, route } }, now);
      const ended = req.session ? deleteSessionByHandle(db, user.id, req.session.handle) : false;
      if (ended) svc.accessChanges.changed({ userId: user.id });
      if (ended) audit.append({ actor: 'system', action: 'auth.session_ended', target: `user:${user.username}`, ip: req.ip, detail: { reason: 'reauth-lockout' } }, now);
      await notifyUser(db, svc.mailer, log, user.id, {
        kind: 'reauth-lockout',
        subject: 'Porchlight: wrong password or code, session signed out',
        message:
          `A signed-in session of your account ${user.username} (address ${req.ip}) gave a wrong password or 2FA code too many times while changing your security settings, ` +
          `at ${noticeDateTime(now, homeTimeZone(db))}. That session was signed out and the address is locked out for ${humanDuration(ipLockedUntil - now)}. ` +
          'If this was not you, change your password and sign out all sessions.',
      }, now);
      throw tooManyRequests('LOCKED_OUT', `${message}; that was too many wrong answers from this address: this session is signed out, try again in ${humanDuration(ipLockedUntil - now)}`, ipLockedUntil, now);
    },
    async checkPasswordProof(req, user, proof, message) {
      const login = svc.opaque.take(proof.loginId, req.ip, svc.now());
      // A check that was started (and counted) while the address was open is answered even if its
      // own count locked it; anything else from a locked address is refused before it is looked at.
      if (!login) guard.refuseIfLocked(req);
      if (!login || login.userId !== user.id || !svc.opaque.verify(login, proof.finishLoginRequest)) {
        return guard.fail(req, user, 'password', 'BAD_CREDENTIALS', message, login !== undefined);
      }
      guard.proven(req, user);
    },
  };
  return guard;
}

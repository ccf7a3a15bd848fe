import type { FastifyReply, FastifyRequest } from 'fastify';
import { LegacyLoginBody, LoginAnswerSchema, LoginFinishBody, LoginStartAnswerSchema, LoginStartBody, SecondFactorBody, SessionAnswerSchema, SignedInSchema, type SessionUser, type SignedIn } from '../../common/api/users';
import { newToken } from '../../common/tokens';
import { HttpError, humanDuration, tooManyRequests } from '../httpError';
import { BROWSER_COOKIE, BROWSER_COOKIE_MAX_AGE_S, isKnownBrowser, rememberBrowser, renewBrowserId } from '../knownBrowsers';
import { mentionsForgottenBrowsers, noticeDue, recordSignIn, signInHistory, tellNewDevice } from '../newDeviceNotice';
import { accountKey } from '../loginThrottle';
import { issueLoginTicket, spendLoginTicket, ticketUser } from '../loginTickets';
import { hashPassword, verifyPassword } from '../passwords';
import { type HubServices, type RouteDef, route, auditor, csrfTokenFor, userOf } from '../routeTable';
import { createSession, deleteSession, SESSION_ABSOLUTE_MS, COOKIE_ATTRIBUTES, SESSION_COOKIE } from '../sessions';
import { mustEnroll2fa } from '../securitySettings';
import { remainingRecoveryCodes, useRecoveryCode, verifyTotp } from '../totp';
import { findUser, getUser, hasLegacyAccounts, opaqueRecordFor, ROLES, setOpaqueRecord, type User } from '../users';
import type { PendingLogin } from '../pendingLogins';

/*
 * Sign-in: an OPAQUE exchange proving the password without sending it (start: KE1 → KE2,
 * finish: KE3), then (when enrolled) a TOTP code or a recovery code. Throttling is checked
 * before any secret is verified, so a locked-out address learns nothing, not even whether
 * its password was right. Each started exchange counts as a failure until its proof arrives:
 * the browser knows whether the password was right before the hub does, so an attacker who
 * never finishes must not get free guesses.
 *
 * Accounts made before OPAQUE have only an Argon2id hash. Their start gets a fake KE2 like an
 * unknown name; the browser cannot open it and, while any such account exists on the hub
 * (`legacyAccounts`, the same answer for every name), sends the password once over TLS to
 * /api/login/legacy. A right password there replaces the hash by an OPAQUE record at once.
 */

export function publicUser(svc: HubServices, user: User): SessionUser {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    email: user.email,
    emailVerified: user.emailVerified,
    totpEnabled: user.totpEnabled,
    recoveryCodesLeft: user.totpEnabled ? remainingRecoveryCodes(svc.db, user.id) : 0,
    mustEnroll2fa: mustEnroll2fa(svc.db, user),
  };
}

/** Starts a session for `user` (cookies, CSRF token, audit); sign-in and first-run setup both end here. */
export async function signInUser(svc: HubServices, req: FastifyRequest, reply: FastifyReply, user: User, method: string): Promise<SignedIn> {
  const { db, audit, throttle } = svc;
  const now = svc.now();
  throttle.recordSuccess(user.id);
  const browserId = renewBrowserId(db, svc.secret, req.cookies[BROWSER_COOKIE]);
  const history = signInHistory(db, user.id);
  const isNew = rememberBrowser(db, user.id, browserId, req.headers['user-agent'], now);
  recordSignIn(db, user.id, now);
  const sid = createSession(db, user.id, { ip: req.ip, userAgent: req.headers['user-agent'] }, now);
  audit.append({ actor: `user:${user.username}`, action: 'auth.login', ip: req.ip, detail: { method, newDevice: isNew } }, now);
  if (noticeDue(history, isNew)) {
    const userAgent = req.headers['user-agent'];
    const detail = { userAgent: userAgent?.slice(0, 120) ?? null, ...(mentionsForgottenBrowsers(history, now) ? { browsersForgottenAt: history.browsersForgottenAt } : {}) };
    audit.append({ actor: `user:${user.username}`, action: 'auth.new_device', ip: req.ip, detail }, now);
    await tellNewDevice(db, svc.mailer, svc.log, user.id, { username: user.username, userAgent, ip: req.ip, at: now }, history);
  }
  svc.log.info({ user: user.username, ip: req.ip, method }, 'signed in');
  reply.setCookie(SESSION_COOKIE, sid, { ...COOKIE_ATTRIBUTES, maxAge: SESSION_ABSOLUTE_MS / 1000 });
  reply.setCookie(BROWSER_COOKIE, browserId, { ...COOKIE_ATTRIBUTES, maxAge: BROWSER_COOKIE_MAX_AGE_S });
  return { status: 'signed_in' as const, user: publicUser(svc, user), csrfToken: csrfTokenFor(sid) };
}

export function signInRoutes(svc: HubServices): RouteDef[] {
  const { db, audit, throttle } = svc;
  const record = auditor(svc);

  const refuseIfLocked = (req: FastifyRequest) => {
    const now = svc.now();
    const verdict = throttle.checkIp(req.ip, now);
    if (!verdict.allowed) {
      throw tooManyRequests(
        'LOCKED_OUT',
        `too many failed sign-ins from this address: try again in ${humanDuration(verdict.retryAt - now)}`,
        verdict.retryAt,
        now,
      );
    }
  };

  /** The per-account throttle, for a name whether or not an account has it (the answer must not tell). */
  const refuseIfThrottled = (req: FastifyRequest, user: User | undefined, name: string) => {
    const now = svc.now();
    const known = user !== undefined && isKnownBrowser(db, svc.secret, user.id, req.cookies[BROWSER_COOKIE]);
    const verdict = throttle.checkAccount(accountKey(user, name), now, known);
    if (!verdict.allowed) {
      throw tooManyRequests(
        'ACCOUNT_THROTTLED',
        `too many failed sign-ins for this account: try again in ${humanDuration(verdict.retryAt - now)}, or from a device that has signed in before`,
        verdict.retryAt,
        now,
      );
    }
  };

  const fail = (req: FastifyRequest, user: User | undefined, name: string, step: 'password' | 'totp' | 'recovery', message: string): never => {
    const now = svc.now();
    const { ipLockedUntil } = throttle.recordFailure(req.ip, accountKey(user, name), now);
    audit.append({ actor: `ip:${req.ip}`, action: 'auth.login_failed', target: user ? `user:${user.username}` : null, ip: req.ip, detail: { step } }, now);
    svc.log.warn({ ip: req.ip, step, user: user?.username }, 'sign-in failed');
    if (ipLockedUntil !== null) {
      audit.append({ actor: 'system', action: 'auth.lockout', target: `ip:${req.ip}`, ip: req.ip, detail: { until: ipLockedUntil } }, now);
      svc.log.warn({ ip: req.ip, until: new Date(ipLockedUntil).toISOString() }, 'address locked out of sign-in');
      throw tooManyRequests('LOCKED_OUT', `${message}; that was too many failed sign-ins from this address: try again in ${humanDuration(ipLockedUntil - now)}`, ipLockedUntil, now);
    }
    throw new HttpError(401, step === 'password' ? 'BAD_CREDENTIALS' : 'BAD_SECOND_FACTOR', message);
  };

  const completeSignIn = (req: FastifyRequest, reply: FastifyReply, user: User, method: string) => signInUser(svc, req, reply, user, method);

  const takeLogin = (req: FastifyRequest, loginId: string): PendingLogin => {
    const login = svc.opaque.take(loginId, req.ip, svc.now());
    if (!login) throw new HttpError(401, 'LOGIN_EXPIRED', 'this sign-in took too long or was already used: sign in again');
    return login;
  };

  /** A wrong password at the second step: already counted when the exchange started, so only audited and answered. */
  const failCounted = (req: FastifyRequest, user: User | undefined): never => {
    const now = svc.now();
    audit.append({ actor: `ip:${req.ip}`, action: 'auth.login_failed', target: user ? `user:${user.username}` : null, ip: req.ip, detail: { step: 'password' } }, now);
    // The typed name is not logged for unknown names: people type passwords into the name field.
    svc.log.warn({ ip: req.ip, step: 'password', user: user?.username }, 'sign-in failed');
    const verdict = throttle.checkIp(req.ip, now);
    const message = 'wrong user name or password';
    if (!verdict.allowed) {
      audit.append({ actor: 'system', action: 'auth.lockout', target: `ip:${req.ip}`, ip: req.ip, detail: { until: verdict.retryAt } }, now);
      svc.log.warn({ ip: req.ip, until: new Date(verdict.retryAt).toISOString() }, 'address locked out of sign-in');
      throw tooManyRequests('LOCKED_OUT', `${message}; that was too many failed sign-ins from this address: try again in ${humanDuration(verdict.retryAt - now)}`, verdict.retryAt, now);
    }
    throw new HttpError(401, 'BAD_CREDENTIALS', message);
  };

  /** The password is proven: the failure counted at the start is taken back; then 2FA, or the session. */
  const passwordProven = async (req: FastifyRequest, reply: FastifyReply, user: User, method: string) => {
    throttle.refund(req.ip);
    if (user.totpEnabled) {
      // The account counter is cleared only by a full sign-in; the step is still a success for the address.
      return { status: 'totp_required' as const, ticket: issueLoginTicket(db, user.id, req.ip, svc.now()) };
    }
    return completeSignIn(req, reply, user, method);
  };

  return [
    route({
      method: 'POST',
      url: '/api/login/start',
      access: { kind: 'public' },
      summary: 'Sign-in, first step: the user name and OPAQUE KE1; answers KE2 (the same shape whether or not the account exists)',
      schema: { body: LoginStartBody, response: { 200: LoginStartAnswerSchema } },
      rateLimit: 'signin',
      handler: async (req) => {
        refuseIfLocked(req);
        const body = req.body;
        const user = findUser(db, body.username);
        refuseIfThrottled(req, user, body.username);
        const now = svc.now();
        const answer = svc.opaque.start(user, body.username, req.ip, body.startLoginRequest, now);
        throttle.recordFailure(req.ip, accountKey(user, body.username), now);
        return { ...answer, legacyAccounts: hasLegacyAccounts(db) };
      },
    }),
    route({
      method: 'POST',
      url: '/api/login/finish',
      access: { kind: 'public' },
      summary: 'Sign-in, second step: OPAQUE KE3 (none when the browser could not open KE2); answers totp_required when 2FA is on',
      schema: { body: LoginFinishBody, response: { 200: LoginAnswerSchema } },
      // Rate-limited at its start: each finish spends one started exchange.
      handler: async (req, reply) => {
        const login = takeLogin(req, req.body.loginId);
        const user = login.userId === undefined ? undefined : getUser(db, login.userId);
        if (!user || !svc.opaque.verify(login, req.body.finishLoginRequest)) return failCounted(req, user);
        return passwordProven(req, reply, user, 'password');
      },
    }),
    route({
      method: 'POST',
      url: '/api/login/legacy',
      access: { kind: 'public' },
      summary: 'Sign-in, second step for an account from before OPAQUE: the password, checked once against its Argon2id hash and replaced by an OPAQUE record',
      schema: { body: LegacyLoginBody, response: { 200: LoginAnswerSchema } },
      // Rate-limited at its start: each finish spends one started exchange.
      handler: async (req, reply) => {
        const login = takeLogin(req, req.body.loginId);
        const found = login.userId === undefined ? undefined : getUser(db, login.userId);
        const legacy = found && found.opaqueRecord === null && found.passwordHash !== '' ? found : undefined;
        // Unknown names and accounts already on OPAQUE verify against a dummy hash: the same work, the same answer.
        const ok = await verifyPassword(legacy?.passwordHash ?? (await unknownUserHash()), req.body.password);
        if (!legacy || !ok) return failCounted(req, found);
        setOpaqueRecord(db, legacy.id, await opaqueRecordFor(db, legacy.username, req.body.password));
        audit.append({ actor: `user:${legacy.username}`, action: 'auth.password_migrated', target: `user:${legacy.username}`, ip: req.ip, detail: { from: 'argon2id', to: 'opaque' } }, svc.now());
        return passwordProven(req, reply, getUser(db, legacy.id)!, 'password');
      },
    }),
    route({
      method: 'POST',
      url: '/api/login/totp',
      access: { kind: 'public' },
      summary: 'Second sign-in step: a TOTP code or a recovery code, with the ticket from /api/login',
      schema: { body: SecondFactorBody, response: { 200: SignedInSchema } },
      rateLimit: 'signin',
      handler: async (req, reply) => {
        refuseIfLocked(req);
        const body = req.body;
        if ((body.code === undefined) === (body.recoveryCode === undefined)) {
          throw new HttpError(400, 'BAD_REQUEST', 'send either a code from your authenticator app or a recovery code');
        }
        const userId = ticketUser(db, body.ticket, req.ip, svc.now());
        const user = userId === null ? undefined : getUser(db, userId);
        if (!user) throw new HttpError(401, 'TICKET_EXPIRED', 'this sign-in step has expired or was already used: enter your password again');
        refuseIfThrottled(req, user, user.username);
        if (body.code !== undefined) {
          if (!(await verifyTotp(db, svc.secret, user.id, body.code, svc.now()))) {
            return fail(req, user, user.username, 'totp', 'wrong or already used code: wait for the next code from your authenticator app');
          }
        } else if (!useRecoveryCode(db, user.id, body.recoveryCode!, svc.now())) {
          return fail(req, user, user.username, 'recovery', 'wrong or already used recovery code');
        }
        spendLoginTicket(db, body.ticket);
        if (body.recoveryCode !== undefined) {
          audit.append({ actor: `user:${user.username}`, action: 'totp.recovery_code_used', ip: req.ip, detail: { left: remainingRecoveryCodes(db, user.id) } }, svc.now());
        }
        return completeSignIn(req, reply, user, body.code !== undefined ? 'password+totp' : 'password+recovery');
      },
    }),
    route({
      method: 'GET',
      url: '/api/session',
      access: { kind: 'user', roles: ROLES, duringEnrollment: true },
      summary: 'The signed-in user and the CSRF token for this session',
      schema: { response: { 200: SessionAnswerSchema } },
      handler: async (req) => ({ user: publicUser(svc, userOf(req)), csrfToken: csrfTokenFor(req.sessionId!) }),
    }),
    route({
      method: 'POST',
      url: '/api/logout',
      access: { kind: 'user', roles: ROLES, duringEnrollment: true },
      summary: 'Sign out this session',
      handler: async (req, reply) => {
        deleteSession(db, req.sessionId!);
        svc.accessChanges.changed({ userId: userOf(req).id });
        record(req, 'auth.logout');
        reply.clearCookie(SESSION_COOKIE, COOKIE_ATTRIBUTES);
        return { ok: true };
      },
    }),
  ];
}

let dummyHash: Promise<string> | undefined;
/** The hash of a random password nobody knows: verifying it makes unknown-user sign-ins cost the same. */
function unknownUserHash(): Promise<string> {
  dummyHash ??= hashPassword(newToken(16));
  return dummyHash;
}

import type { FastifyRequest } from 'fastify';
import { ResetFinishBody, ResetRequestAnswerSchema, ResetRequestBody, ResetStartAnswerSchema, ResetStartBody } from '../../common/api/passwordReset';
import { HttpError, humanDuration, tooManyRequests } from '../httpError';
import { accountKey } from '../loginThrottle';
import { accountNamed, findResetCode, newResetCode, RESET_CODE_TTL_MS, spendResetCode, voidResetCodes } from '../passwordResets';
import { tellPasswordReset } from '../passwordResetNotice';
import { type HubServices, type RouteDef, route } from '../routeTable';
import { deleteUserSessions } from '../sessions';
import { useRecoveryCode, verifyTotp } from '../totp';
import { setOpaqueRecord, USERNAME_PATTERN, type User } from '../users';
import { normalizeEmail } from '../emailCodes';

/*
 * "Forgot password?": a code mailed to the account's verified address, then the new password
 * registered with OPAQUE by the browser, so the hub never sees it.
 *
 * - The request answers the same whatever the name (an account, a verified address, mail
 *   sent or not), and the mail goes out after the answer, so neither words nor timing tell
 *   which names exist.
 * - A wrong, expired or spent code counts toward the sign-in lockout of the address (and of
 *   the name) and is audited; the answer is one message for every reason and every name.
 * - Two-factor sign-in stays: an account with TOTP also needs a current code or a recovery
 *   code, counted alike when wrong. The mailbox alone does not open the account.
 * - The new password ends every session of the account, and the account is told.
 */

function isEmailAddress(text: string): boolean {
  try {
    normalizeEmail(text);
    return true;
  } catch {
    return false;
  }
}

const BAD_CODE = 'this reset code is not right, has expired or was already used: ask for a new one';

export function passwordResetRoutes(svc: HubServices): RouteDef[] {
  const { db, throttle, log } = svc;

  const refuseIfLocked = (req: FastifyRequest, now: number): void => {
    const verdict = throttle.checkIp(req.ip, now);
    if (!verdict.allowed) throw tooManyRequests('LOCKED_OUT', `too many wrong codes from this address: try again in ${humanDuration(verdict.retryAt - now)}`, verdict.retryAt, now);
  };

  const wrong = (req: FastifyRequest, user: User | undefined, name: string, step: string, code: string, message: string, now: number): never => {
    const { ipLockedUntil } = throttle.recordFailure(req.ip, accountKey(user, name), now);
    svc.audit.append({ actor: `ip:${req.ip}`, action: 'auth.reset_failed', target: user ? `user:${user.username}` : null, ip: req.ip, detail: { step } }, now);
    log.warn({ ip: req.ip, step }, 'a password reset was refused');
    if (ipLockedUntil !== null) {
      svc.audit.append({ actor: 'system', action: 'auth.lockout', target: `ip:${req.ip}`, ip: req.ip, detail: { until: ipLockedUntil, route: req.routeOptions.url } }, now);
      throw tooManyRequests('LOCKED_OUT', `${message}; that was too many tries from this address: try again in ${humanDuration(ipLockedUntil - now)}`, ipLockedUntil, now);
    }
    throw new HttpError(403, code, message);
  };

  return [
    route({
      method: 'POST',
      url: '/api/password-reset/request',
      access: { kind: 'public' },
      summary: 'Forgot password, first step: mails a reset code to the verified address of the account named (by user name or address); the answer never says whether it exists',
      schema: { body: ResetRequestBody, response: { 200: ResetRequestAnswerSchema } },
      rateLimit: 'signin',
      handler: async (req) => {
        const now = svc.now();
        const name = req.body.name.trim();
        // Judged by its form alone, so the refusal says nothing about who exists.
        if (!USERNAME_PATTERN.test(name) && !isEmailAddress(name)) throw new HttpError(400, 'BAD_NAME', 'enter your user name or your email address');
        const user = accountNamed(db, name);
        const code = user?.email && user.emailVerified && svc.mailer.configured ? newResetCode(db, user.id, now) : null;
        svc.audit.append({ actor: `ip:${req.ip}`, action: 'auth.reset_requested', target: user ? `user:${user.username}` : null, ip: req.ip, detail: { mailed: code !== null } }, now);
        if (user && code !== null) {
          const to = user.email!;
          // Not awaited: how long the mail server takes must not tell that the name exists.
          void svc.mailer
            .send({
              to,
              subject: 'Porchlight: your password reset code',
              text: [
                `Hello ${user.username},`,
                '',
                `Someone (the address ${req.ip}) asked to reset the password of your Porchlight account "${user.username}" at ${svc.runtime().url}.`,
                'To choose a new one, click "Forgot password?" on the sign-in page and enter this code:',
                '',
                `    ${code}`,
                '',
                `The code works once and for ${Math.round(RESET_CODE_TTL_MS / 60_000)} minutes. If you did not ask for it, ignore this mail: your password stays as it is.`,
                '',
              ].join('\n'),
            })
            .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'could not mail a password reset code'));
        }
        return {
          mailConfigured: svc.mailer.configured,
          message: svc.mailer.configured
            ? 'If this names an account with a confirmed email address, a reset code is on its way to that address.'
            : 'This hub cannot send mail: ask the owner of the hub to reset your password on its console ("porchlight user reset-password").',
        };
      },
    }),
    route({
      method: 'POST',
      url: '/api/password-reset/start',
      access: { kind: 'public' },
      summary: 'Forgot password, second step: the mailed code (and a 2FA code if the account has 2FA) with the OPAQUE registration request for the new password',
      schema: { body: ResetStartBody, response: { 200: ResetStartAnswerSchema } },
      rateLimit: 'signin',
      handler: async (req) => {
        const now = svc.now();
        refuseIfLocked(req, now);
        const body = req.body;
        const name = body.name.trim();
        const user = accountNamed(db, name);
        const codeId = user ? findResetCode(db, user.id, body.code, now) : undefined;
        if (!user || codeId === undefined) return wrong(req, user, name, 'code', 'BAD_RESET_CODE', BAD_CODE, now);
        if (user.totpEnabled) {
          if (body.totpCode === undefined && body.recoveryCode === undefined) {
            throw new HttpError(401, 'TOTP_REQUIRED', 'this account has two-factor sign-in: enter a current code from your authenticator app or a recovery code as well');
          }
          const second =
            body.totpCode !== undefined ? await verifyTotp(db, svc.secret, user.id, body.totpCode, now) : useRecoveryCode(db, user.id, body.recoveryCode!, now);
          if (!second) return wrong(req, user, name, body.totpCode !== undefined ? 'totp' : 'recovery', 'BAD_SECOND_FACTOR', 'enter a current code from your authenticator app or an unused recovery code', now);
        }
        if (!spendResetCode(db, codeId, now)) return wrong(req, user, name, 'code', 'BAD_RESET_CODE', BAD_CODE, now);
        return svc.opaque.startChange(user, req.ip, body.registrationRequest, now);
      },
    }),
    route({
      method: 'POST',
      url: '/api/password-reset/finish',
      access: { kind: 'public' },
      summary: 'Forgot password, last step: the new OPAQUE record; every session of the account ends and the account is told',
      schema: { body: ResetFinishBody },
      rateLimit: 'signin',
      handler: async (req) => {
        const now = svc.now();
        const user = accountNamed(db, req.body.name);
        if (!user || !svc.opaque.takeChange(req.body.changeId, user.id, req.ip, now)) {
          throw new HttpError(401, 'CHANGE_EXPIRED', 'this password reset took too long or was already used: ask for a new code');
        }
        setOpaqueRecord(db, user.id, req.body.registrationRecord);
        voidResetCodes(db, user.id, now);
        const sessions = deleteUserSessions(db, user.id);
        // Live views end with the sessions, now, not at the next 15 s check.
        svc.accessChanges.changed({ userId: user.id });
        svc.audit.append({ actor: `user:${user.username}`, action: 'user.password_reset', target: `user:${user.username}`, ip: req.ip, detail: { via: 'email', sessionsEnded: sessions } }, now);
        await tellPasswordReset(db, svc.mailer, log, user, `with a code mailed to your address, from the address ${req.ip}`, now);
        return { ok: true };
      },
    }),
  ];
}

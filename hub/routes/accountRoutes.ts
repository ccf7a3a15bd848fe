import {
  CodeBody,
  EmailBody,
  EmailSetSchema,
  NoticeListSchema,
  PasswordChangeBody,
  PasswordRegistrationBody,
  PasswordRegistrationSchema,
  RecoveryCodesSchema,
  SessionListSchema,
  TotpDisableBody,
  TotpEnrollmentSchema,
} from '../../common/api/account';
import { Type } from '@sinclair/typebox';
import { said } from '../../common/api/words';
import { confirmEmail, EmailCodeError, startEmailVerification } from '../emailCodes';
import { tellOldAddress } from '../emailChangeNotice';
import { HttpError, refusalsAs400 } from '../httpError';
import { listNotices, markNoticesRead } from '../../common/notices';
import { LoginStartAnswerSchema, ReauthStartBody } from '../../common/api/users';
import { reauthGuard } from '../reauthGuard';
import { type HubServices, type RouteDef, route, auditor, userOf } from '../routeTable';
import { voidResetCodes } from '../passwordResets';
import { deleteOtherSessions, deleteSessionByHandle, deleteUserSessions, listSessions, COOKIE_ATTRIBUTES, SESSION_COOKIE } from '../sessions';
import { getSecuritySettings } from '../securitySettings';
import {
  beginTotpEnrollment,
  confirmTotpEnrollment,
  disableTotp,
  regenerateRecoveryCodes,
  TotpError,
  useRecoveryCode,
  verifyTotp,
} from '../totp';
import { ROLES, setOpaqueRecord, UserError } from '../users';

/*
 * What every signed-in person manages for themselves: password, email address, 2FA,
 * sessions and notices. Changing a secret asks for the current one again, so a session
 * left open on a shared computer cannot take the account over.
 */

const Strict = { additionalProperties: false } as const;
const HandleParams = Type.Object({ handle: Type.String({ ...said('the session'), pattern: '^[A-Za-z0-9_-]{8,32}$' }) }, Strict);

export function accountRoutes(svc: HubServices): RouteDef[] {
  const { db } = svc;
  const audit = auditor(svc);
  const guard = reauthGuard(svc);
  const everyone = { kind: 'user', roles: ROLES } as const;
  const enrolling = { kind: 'user', roles: ROLES, duringEnrollment: true } as const;

  const refused = <T>(fn: () => T | Promise<T>) => refusalsAs400([TotpError, EmailCodeError, UserError], fn);

  return [
    route({
      method: 'POST',
      url: '/api/me/reauth/start',
      access: enrolling,
      summary: 'Prove your password again without sending it: OPAQUE KE1 → KE2, for a password or email change or turning 2FA off',
      schema: { body: ReauthStartBody, response: { 200: LoginStartAnswerSchema } },
      rateLimit: 'signin',
      handler: async (req) => {
        const user = userOf(req);
        guard.refuseIfLocked(req);
        const answer = svc.opaque.start(user, user.username, req.ip, req.body.startLoginRequest, svc.now());
        guard.countInAdvance(req, user);
        return { ...answer, legacyAccounts: false };
      },
    }),
    route({
      method: 'POST',
      url: '/api/me/password/registration',
      access: everyone,
      summary: 'Change your password, first step: a fresh proof of the current one and the OPAQUE registration request for the new one',
      schema: { body: PasswordRegistrationBody, response: { 200: PasswordRegistrationSchema } },
      rateLimit: 'signin',
      handler: async (req) => {
        const user = userOf(req);
        await guard.checkPasswordProof(req, user, req.body.proof, 'your current password is not right');
        return svc.opaque.startChange(user, req.ip, req.body.registrationRequest, svc.now());
      },
    }),
    route({
      method: 'POST',
      url: '/api/me/password',
      access: everyone,
      summary: 'Change your password, second step: the new OPAQUE record (signs out your other sessions)',
      schema: { body: PasswordChangeBody },
      rateLimit: 'signin',
      handler: async (req) => {
        const user = userOf(req);
        if (!svc.opaque.takeChange(req.body.changeId, user.id, req.ip, svc.now())) {
          throw new HttpError(401, 'CHANGE_EXPIRED', 'this password change took too long or was already used: enter your current password again');
        }
        setOpaqueRecord(db, user.id, req.body.registrationRecord);
        // A reset code mailed before the change (perhaps to a thief) must not undo it.
        voidResetCodes(db, user.id, svc.now());
        deleteOtherSessions(db, user.id, req.session!.handle);
        svc.accessChanges.changed({ userId: user.id });
        audit(req, 'user.password_changed');
        return { ok: true };
      },
    }),
    route({
      method: 'POST',
      url: '/api/me/email',
      access: enrolling,
      summary: 'Set your email address (needs a fresh proof of your password); a verification code is mailed (or shown to the owner without SMTP), and the old address is told',
      schema: { body: EmailBody, response: { 200: EmailSetSchema } },
      rateLimit: 'signin',
      handler: async (req) => {
        const user = userOf(req);
        const { email } = req.body;
        await guard.checkPasswordProof(req, user, req.body.proof, 'your password is not right');
        const result = await refused(() =>
          startEmailVerification(db, svc.secret, svc.mailer, { userId: user.id, email, hubUrl: svc.runtime().url }, svc.now()),
        );
        // Reset codes went to the old address: the account has moved away from it.
        voidResetCodes(db, user.id, svc.now());
        const told = user.email !== null && user.email.toLowerCase() !== email.trim().toLowerCase();
        if (told) await tellOldAddress(db, svc.mailer, svc.log, user, email.trim(), req.ip, svc.now());
        audit(req, 'user.email_changed', { detail: { sent: result.sent, oldAddressMailed: told && user.emailVerified && svc.mailer.configured } });
        return { sent: result.sent, mailConfigured: svc.mailer.configured };
      },
    }),
    route({
      method: 'POST',
      url: '/api/me/email/confirm',
      access: enrolling,
      summary: 'Confirm your email address with the code you received',
      schema: { body: CodeBody },
      rateLimit: 'pairing',
      handler: async (req) => {
        const user = userOf(req);
        await refused(() => confirmEmail(db, user.id, req.body.code, svc.now()));
        audit(req, 'user.email_verified');
        return { ok: true };
      },
    }),
    route({
      method: 'POST',
      url: '/api/me/totp',
      access: enrolling,
      summary: 'Start 2FA enrollment: returns the secret, its otpauth URI and a QR code',
      schema: { response: { 200: TotpEnrollmentSchema } },
      handler: async (req) => {
        const user = userOf(req);
        return refused(() => beginTotpEnrollment(db, svc.secret, user, svc.now()));
      },
    }),
    route({
      method: 'POST',
      url: '/api/me/totp/confirm',
      access: enrolling,
      summary: 'Finish 2FA enrollment with a code from the app; returns 10 one-time recovery codes',
      schema: { body: CodeBody, response: { 200: RecoveryCodesSchema } },
      handler: async (req) => {
        const user = userOf(req);
        const result = await refused(() => confirmTotpEnrollment(db, svc.secret, user.id, req.body.code, svc.now()));
        audit(req, 'totp.enabled');
        return result;
      },
    }),
    route({
      method: 'POST',
      url: '/api/me/totp/disable',
      access: everyone,
      summary: 'Turn 2FA off (needs your password and a current code or a recovery code)',
      schema: { body: TotpDisableBody },
      rateLimit: 'signin',
      handler: async (req) => {
        const user = userOf(req);
        const body = req.body;
        if (getSecuritySettings(db).require2fa) throw new HttpError(409, '2FA_REQUIRED', 'the owner requires two-factor sign-in for everyone in this home');
        if (!user.totpEnabled) throw new HttpError(409, 'NOT_ENROLLED', 'two-factor sign-in is not on');
        // The proof first: its own start may have been the attempt that counted up to the lock.
        await guard.checkPasswordProof(req, user, body.proof, 'your password is not right');
        guard.refuseIfLocked(req);
        const second = body.code !== undefined ? await verifyTotp(db, svc.secret, user.id, body.code, svc.now()) : body.recoveryCode !== undefined && useRecoveryCode(db, user.id, body.recoveryCode, svc.now());
        if (!second) return guard.fail(req, user, body.code !== undefined ? 'totp' : 'recovery', 'BAD_SECOND_FACTOR', 'enter a current code from your authenticator app or an unused recovery code');
        disableTotp(db, user.id);
        svc.accessChanges.changed({ userId: user.id });
        audit(req, 'totp.disabled');
        return { ok: true };
      },
    }),
    route({
      method: 'POST',
      url: '/api/me/totp/recovery-codes',
      access: everyone,
      summary: 'Replace your recovery codes (needs a current code); the old ones stop working',
      schema: { body: CodeBody, response: { 200: RecoveryCodesSchema } },
      rateLimit: 'signin',
      handler: async (req) => {
        const user = userOf(req);
        guard.refuseIfLocked(req);
        if (!(await verifyTotp(db, svc.secret, user.id, req.body.code, svc.now()))) {
          return guard.fail(req, user, 'totp', 'BAD_SECOND_FACTOR', 'wrong or already used code from your authenticator app');
        }
        const recoveryCodes = await refused(() => regenerateRecoveryCodes(db, user.id));
        audit(req, 'totp.recovery_codes_replaced');
        return { recoveryCodes };
      },
    }),
    route({
      method: 'GET',
      url: '/api/sessions',
      access: everyone,
      summary: 'Your active sessions',
      schema: { response: { 200: SessionListSchema } },
      handler: async (req) => ({ sessions: listSessions(db, userOf(req).id, req.session!.handle, svc.now()) }),
    }),
    route({
      method: 'DELETE',
      url: '/api/sessions/:handle',
      access: everyone,
      summary: 'Sign out one of your sessions',
      schema: { params: HandleParams },
      handler: async (req, reply) => {
        const { handle } = req.params;
        if (!deleteSessionByHandle(db, userOf(req).id, handle)) throw new HttpError(404, 'NO_SUCH_SESSION', 'no such session (it may have ended already)');
        svc.accessChanges.changed({ userId: userOf(req).id });
        audit(req, 'auth.session_revoked');
        if (handle === req.session!.handle) reply.clearCookie(SESSION_COOKIE, COOKIE_ATTRIBUTES);
        return { ok: true };
      },
    }),
    route({
      method: 'POST',
      url: '/api/sessions/sign-out-everywhere',
      access: everyone,
      summary: 'Sign out every session of your account, this one included',
      handler: async (req, reply) => {
        const n = deleteUserSessions(db, userOf(req).id);
        svc.accessChanges.changed({ userId: userOf(req).id });
        audit(req, 'auth.signed_out_everywhere', { detail: { sessions: n } });
        reply.clearCookie(SESSION_COOKIE, COOKIE_ATTRIBUTES);
        return { ok: true, sessions: n };
      },
    }),
    route({
      method: 'GET',
      url: '/api/me/notices',
      access: everyone,
      summary: 'Your notices (e.g. a sign-in from a new device)',
      schema: { response: { 200: NoticeListSchema } },
      handler: async (req) => ({ notices: listNotices(db, userOf(req).id) }),
    }),
    route({
      method: 'POST',
      url: '/api/me/notices/read',
      access: everyone,
      summary: 'Mark your notices read',
      handler: async (req) => {
        markNoticesRead(db, userOf(req).id, svc.now());
        return { ok: true };
      },
    }),
  ];
}

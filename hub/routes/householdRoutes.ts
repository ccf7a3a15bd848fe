import { Type } from '@sinclair/typebox';
import { said } from '../../common/api/words';
import { createInvitation, EmailCodeError, inspectInvitation, pendingCodes, redeemInvitation, revokeCode } from '../emailCodes';
import { HttpError, refusalsAs400 } from '../httpError';
import { type HubServices, type RouteDef, route, auditor, userOf } from '../routeTable';
import { deleteUserSessions } from '../sessions';
import { getSecuritySettings, setSecuritySettings } from '../securitySettings';
import { disableTotp } from '../totp';
import { checkNewAccount, deleteUser, getUser, insertUser, listUsers, setGrants, setRole, UserError } from '../users';
import {
  AcceptedSchema,
  AcceptFinishBody,
  AcceptStartAnswerSchema,
  AcceptStartBody,
  AuditPageSchema,
  AuditQuery,
  GrantsBody,
  InvitationSentSchema,
  InviteBody,
  PendingCodesSchema,
  RoleBody,
  SecuritySettingsBody,
  SecuritySettingsSchema,
  UserListSchema,
} from '../../common/api/users';

/*
 * The household: only owners invite people, change roles and camera grants, reset a
 * member's 2FA, read the audit log and set security policy.
 */

const Strict = { additionalProperties: false } as const;
const UserParams = Type.Object({ id: Type.Integer({ ...said('the id'), minimum: 1 }) }, Strict);
const CodeParams = Type.Object({ id: Type.Integer({ ...said('the id'), minimum: 1 }) }, Strict);

export function householdRoutes(svc: HubServices): RouteDef[] {
  const { db } = svc;
  const audit = auditor(svc);
  const owner = { kind: 'user', roles: ['owner'] } as const;
  const refused = <T>(fn: () => T | Promise<T>) => refusalsAs400([UserError, EmailCodeError], fn);
  const targetUser = (id: number) => {
    const user = getUser(db, id);
    if (!user) throw new HttpError(404, 'NO_SUCH_USER', 'no such user');
    return user;
  };

  return [
    route({
      method: 'GET',
      url: '/api/users',
      access: owner,
      summary: 'Everyone in the household, with roles, 2FA state and camera grants',
      schema: { response: { 200: UserListSchema } },
      handler: async () => ({ users: listUsers(db) }),
    }),
    route({
      method: 'POST',
      url: '/api/users/invitations',
      access: owner,
      summary: 'Invite someone by email with a role (and cameras, for viewers)',
      schema: { body: InviteBody, response: { 200: InvitationSentSchema } },
      handler: async (req) => {
        const body = req.body;
        const result = await refused(() =>
          createInvitation(db, svc.secret, svc.mailer, { email: body.email, role: body.role, grants: body.grants ?? [], createdBy: userOf(req).id, hubUrl: svc.runtime().url }, svc.now()),
        );
        audit(req, 'user.invited', { target: body.email, detail: { role: body.role, sent: result.sent } });
        // The code goes back to the owner only when no mail went out: then they hand it over themselves.
        return { sent: result.sent, expiresAt: result.expiresAt, code: result.sent ? undefined : result.code };
      },
    }),
    route({
      method: 'POST',
      url: '/api/invitations/accept',
      access: { kind: 'public' },
      summary: 'The old one-request invitation acceptance (the password in the body): refused, see /api/invitations/accept/start',
      handler: async () => {
        // Refused rather than kept beside the new routes: it handed the hub the new member's password.
        throw new HttpError(
          410,
          'INVITATION_PROTOCOL_CHANGED',
          'this hub registers a new password with OPAQUE in the browser (POST /api/invitations/accept/start, then /api/invitations/accept/finish) so it never reaches the hub: reload the page',
        );
      },
    }),
    route({
      method: 'POST',
      url: '/api/invitations/accept/start',
      access: { kind: 'public' },
      summary: 'Create your account from an invitation, first step: the code, your user name and the OPAQUE registration request for your password',
      schema: { body: AcceptStartBody, response: { 200: AcceptStartAnswerSchema } },
      rateLimit: 'pairing',
      handler: async (req) => {
        const body = req.body;
        const username = body.username.trim();
        const invitation = await refused(() => {
          const found = inspectInvitation(db, body.code, svc.now());
          checkNewAccount(db, username, found.role, { email: found.email });
          return found;
        });
        const started = svc.opaque.startNewAccount({ username, email: invitation.email, authorisedBy: `invitation:${invitation.id}`, ip: req.ip }, body.registrationRequest, svc.now());
        return { ...started, email: invitation.email };
      },
    }),
    route({
      method: 'POST',
      url: '/api/invitations/accept/finish',
      access: { kind: 'public' },
      summary: 'Create your account from an invitation, last step: the code again (spent now) and the OPAQUE record of your password',
      schema: { body: AcceptFinishBody, response: { 200: AcceptedSchema } },
      rateLimit: 'pairing',
      handler: async (req) => {
        const body = req.body;
        const started = svc.opaque.takeNewAccount(body.registrationId, req.ip, svc.now());
        if (!started || !started.authorisedBy.startsWith('invitation:')) {
          throw new HttpError(401, 'REGISTRATION_EXPIRED', 'this step took too long or was already used: enter your password again and continue');
        }
        const user = await refused(() =>
          // Spending the code and storing the account in one transaction: two people racing
          // with one code cannot both join, and a replayed finish finds the code spent.
          db.transaction(() => {
            const invitation = inspectInvitation(db, body.code, svc.now());
            if (started.authorisedBy !== `invitation:${invitation.id}`) throw new EmailCodeError('this is not the invitation code the account was started with');
            redeemInvitation(db, body.code, svc.now());
            const created = insertUser(db, { username: started.username, role: invitation.role, opaqueRecord: body.registrationRecord, email: invitation.email, emailVerified: true }, svc.now());
            const grants = invitation.grants.filter((id) => db.prepare('SELECT 1 FROM devices WHERE id = ?').get(id));
            if (grants.length) setGrants(db, created.id, grants);
            return created;
          }).immediate(),
        );
        svc.audit.append({ actor: `user:${user.username}`, action: 'user.created', target: `user:${user.username}`, ip: req.ip, detail: { role: user.role, via: 'invitation' } }, svc.now());
        return { ok: true as const, username: user.username, role: user.role };
      },
    }),
    route({
      method: 'PATCH',
      url: '/api/users/:id',
      access: owner,
      summary: "Change someone's role",
      schema: { params: UserParams, body: RoleBody },
      handler: async (req) => {
        const { id } = req.params;
        const { role } = req.body;
        const user = targetUser(id);
        await refused(() => setRole(db, id, role));
        svc.accessChanges.changed({ userId: id });
        audit(req, 'user.role_changed', { target: `user:${user.username}`, detail: { from: user.role, to: role } });
        return { ok: true };
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/users/:id',
      access: owner,
      summary: 'Remove someone from the household (ends their sessions)',
      schema: { params: UserParams },
      handler: async (req) => {
        const { id } = req.params;
        const user = targetUser(id);
        await refused(() => deleteUser(db, id));
        svc.accessChanges.changed({ userId: id });
        audit(req, 'user.removed', { target: `user:${user.username}` });
        return { ok: true };
      },
    }),
    route({
      method: 'PUT',
      url: '/api/users/:id/grants',
      access: owner,
      summary: 'Set which cameras a viewer may see',
      schema: { params: UserParams, body: GrantsBody },
      handler: async (req) => {
        const { id } = req.params;
        const { devices } = req.body;
        const user = targetUser(id);
        await refused(() => setGrants(db, id, devices));
        svc.accessChanges.changed({ userId: id });
        audit(req, 'user.grants_changed', { target: `user:${user.username}`, detail: { devices } });
        return { ok: true };
      },
    }),
    route({
      method: 'POST',
      url: '/api/users/:id/reset-2fa',
      access: owner,
      summary: 'Turn off 2FA for someone who lost their phone and recovery codes (ends their sessions)',
      schema: { params: UserParams },
      handler: async (req) => {
        const { id } = req.params;
        const user = targetUser(id);
        disableTotp(db, id);
        deleteUserSessions(db, id);
        svc.accessChanges.changed({ userId: id });
        audit(req, 'totp.reset_by_owner', { target: `user:${user.username}` });
        return { ok: true };
      },
    }),
    route({
      method: 'GET',
      url: '/api/email-codes',
      access: owner,
      summary: 'Pending verification and invitation codes (to hand over when no mail server is set up)',
      schema: { response: { 200: PendingCodesSchema } },
      handler: async () => ({ mailConfigured: svc.mailer.configured, codes: pendingCodes(db, svc.secret, svc.now()) }),
    }),
    route({
      method: 'DELETE',
      url: '/api/email-codes/:id',
      access: owner,
      summary: 'Withdraw a pending invitation or verification code',
      schema: { params: CodeParams },
      handler: async (req) => {
        const { id } = req.params;
        if (!revokeCode(db, id)) throw new HttpError(404, 'NO_SUCH_CODE', 'no such pending code');
        audit(req, 'user.code_withdrawn', { detail: { id } });
        return { ok: true };
      },
    }),
    route({
      method: 'GET',
      url: '/api/settings/security',
      access: owner,
      summary: 'Household security settings',
      schema: { response: { 200: SecuritySettingsSchema } },
      handler: async () => getSecuritySettings(db),
    }),
    route({
      method: 'PUT',
      url: '/api/settings/security',
      access: owner,
      summary: 'Change household security settings (e.g. require 2FA for everyone)',
      schema: { body: SecuritySettingsBody, response: { 200: SecuritySettingsSchema } },
      handler: async (req) => {
        const before = getSecuritySettings(db);
        const after = req.body;
        if (after.require2fa && !userOf(req).totpEnabled) {
          throw new HttpError(409, 'ENROLL_FIRST', 'turn on two-factor sign-in for your own account before requiring it for everyone');
        }
        setSecuritySettings(db, after);
        // Turning "require 2FA" on ends what people without it have open (live view), not only their next request.
        svc.accessChanges.changed({ everyone: true });
        audit(req, 'settings.security_changed', { detail: { from: before, to: after } });
        return after;
      },
    }),
    route({
      method: 'GET',
      url: '/api/audit',
      access: owner,
      summary: 'The audit log, newest first',
      schema: { querystring: AuditQuery, response: { 200: AuditPageSchema } },
      handler: async (req) => {
        const q = req.query;
        return { entries: svc.audit.list({ limit: q.limit ?? 100, beforeSeq: q.before, action: q.action }) };
      },
    }),
  ];
}

import type { FastifyRequest } from 'fastify';
import { NewAccountStartAnswerSchema, SetupNeededSchema, SetupOwnerFinishBody, SetupOwnerStartBody, SignedInSchema } from '../../common/api/users';
import { EmailCodeError, normalizeEmail, startEmailVerification } from '../emailCodes';
import { HttpError, humanDuration, refusalsAs400, tooManyRequests } from '../httpError';
import { hasUsers } from '../firstRunSetup';
import { type HubServices, type RouteDef, route } from '../routeTable';
import { checkNewAccount, insertUser, UserError } from '../users';
import { signInUser } from './signInRoutes';

/*
 * First-run setup from the web: while the hub has no account, whoever holds the setup code
 * (printed on the Pi by `porchlight setup code`) creates the owner and is signed in. The
 * password is registered with OPAQUE in the browser (start: the code, the name and the
 * registration request; finish: the code again and the record), so the hub never sees it,
 * not even this first one. The rest of the wizard (2FA, home, cloud) uses the ordinary owner
 * routes with that session.
 */

const setupDone = () => new HttpError(409, 'SETUP_DONE', 'this hub is already set up: sign in instead');

export function setupRoutes(svc: HubServices): RouteDef[] {
  const { db, throttle, firstRun } = svc;

  /**
   * Both steps need the code: it authorises the registration and the account being stored,
   * and is spent with it. The same lockout as sign-in: the code is a password nobody chose,
   * and guesses count alike.
   */
  const checkCode = (req: FastifyRequest, setupCode: string): void => {
    if (!firstRun.needed()) throw setupDone();
    const now = svc.now();
    const locked = throttle.checkIp(req.ip, now);
    if (!locked.allowed) {
      throw tooManyRequests('LOCKED_OUT', `too many wrong codes from this address: try again in ${humanDuration(locked.retryAt - now)}`, locked.retryAt, now);
    }
    if (firstRun.matches(setupCode)) return;
    const { ipLockedUntil } = throttle.recordFailure(req.ip, undefined, now);
    svc.audit.append({ actor: `ip:${req.ip}`, action: 'setup.code_rejected', ip: req.ip }, now);
    svc.log.warn({ ip: req.ip }, 'first-run setup refused a wrong setup code');
    if (ipLockedUntil !== null) {
      throw tooManyRequests('LOCKED_OUT', `the setup code is not right, and that was too many tries from this address: try again in ${humanDuration(ipLockedUntil - now)}`, ipLockedUntil, now);
    }
    throw new HttpError(403, 'BAD_SETUP_CODE', 'the setup code is not right: run "porchlight setup code" on the hub to see it');
  };

  return [
    route({
      method: 'GET',
      url: '/api/setup',
      access: { kind: 'public' },
      summary: 'Whether the hub still needs its first-run setup (no account exists yet)',
      schema: { response: { 200: SetupNeededSchema } },
      handler: async () => ({ needed: firstRun.needed() }),
    }),
    route({
      method: 'POST',
      url: '/api/setup/owner',
      access: { kind: 'public' },
      summary: 'The old one-request first-run setup (the password in the body): refused, see /api/setup/owner/start',
      handler: async () => {
        // Refused rather than kept beside the new routes: it handed the hub the owner's password.
        throw new HttpError(
          410,
          'SETUP_PROTOCOL_CHANGED',
          'this hub registers the first password with OPAQUE in the browser (POST /api/setup/owner/start, then /api/setup/owner/finish) so it never reaches the hub: reload the page',
        );
      },
    }),
    route({
      method: 'POST',
      url: '/api/setup/owner/start',
      access: { kind: 'public' },
      summary: "First-run setup, first step: the hub's one-time setup code, the owner's name and the OPAQUE registration request for the password",
      schema: { body: SetupOwnerStartBody, response: { 200: NewAccountStartAnswerSchema } },
      rateLimit: 'signin',
      handler: async (req) => {
        checkCode(req, req.body.setupCode);
        const body = req.body;
        const username = body.username.trim();
        const email = body.email?.trim() ? await refusalsAs400([EmailCodeError], () => normalizeEmail(body.email!)) : undefined;
        await refusalsAs400([UserError], () => checkNewAccount(db, username, 'owner', { email }));
        return svc.opaque.startNewAccount({ username, email: email ?? null, authorisedBy: 'setup', ip: req.ip }, body.registrationRequest, svc.now());
      },
    }),
    route({
      method: 'POST',
      url: '/api/setup/owner/finish',
      access: { kind: 'public' },
      summary: 'First-run setup, last step: the setup code again and the OPAQUE record; creates the owner, spends the code and signs the owner in',
      schema: { body: SetupOwnerFinishBody, response: { 200: SignedInSchema } },
      rateLimit: 'signin',
      handler: async (req, reply) => {
        checkCode(req, req.body.setupCode);
        const started = svc.opaque.takeNewAccount(req.body.registrationId, req.ip, svc.now());
        if (!started || started.authorisedBy !== 'setup') {
          throw new HttpError(401, 'REGISTRATION_EXPIRED', 'this setup step took too long or was already used: enter the password again and continue');
        }
        const owner = await refusalsAs400([UserError], () =>
          db.transaction(() => {
            // A second browser with the code may have finished first.
            if (hasUsers(db)) return null;
            return insertUser(db, { username: started.username, role: 'owner', opaqueRecord: req.body.registrationRecord, email: started.email, emailVerified: false }, svc.now());
          }).immediate(),
        );
        if (!owner) throw setupDone();
        await firstRun.discard();
        // The address typed at setup is unconfirmed like any other until its code comes back.
        if (owner.email) await startEmailVerification(db, svc.secret, svc.mailer, { userId: owner.id, email: owner.email, hubUrl: svc.runtime().url }, svc.now());
        svc.audit.append({ actor: `ip:${req.ip}`, action: 'setup.owner_created', target: `user:${owner.username}`, ip: req.ip, detail: { email: owner.email !== null } }, svc.now());
        svc.log.info({ user: owner.username, ip: req.ip }, 'first-run setup: owner created');
        return signInUser(svc, req, reply, owner, 'setup');
      },
    }),
  ];
}

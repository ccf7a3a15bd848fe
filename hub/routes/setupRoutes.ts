import { SetupNeededSchema, SetupOwnerBody, SignedInSchema } from '../../common/api/users';
import { EmailCodeError, normalizeEmail, startEmailVerification } from '../emailCodes';
import { HttpError, humanDuration, refusalsAs400, tooManyRequests } from '../httpError';
import { hasUsers } from '../firstRunSetup';
import { type HubServices, type RouteDef, route } from '../routeTable';
import { insertUser, prepareUser, UserError } from '../users';
import { signInUser } from './signInRoutes';

/*
 * First-run setup from the web: while the hub has no account, whoever holds the setup code
 * (printed on the Pi by `porchlight setup code`) creates the owner and is signed in. The rest
 * of the wizard (2FA, home, cloud) uses the ordinary owner routes with that session.
 */

const setupDone = () => new HttpError(409, 'SETUP_DONE', 'this hub is already set up: sign in instead');

export function setupRoutes(svc: HubServices): RouteDef[] {
  const { db, throttle, firstRun } = svc;

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
      summary: "First-run setup: create the owner with the hub's one-time setup code, and sign them in",
      schema: { body: SetupOwnerBody, response: { 200: SignedInSchema } },
      rateLimit: 'signin',
      handler: async (req, reply) => {
        if (!firstRun.needed()) throw setupDone();
        const now = svc.now();
        // The same lockout as sign-in: the code is a password nobody chose, and guesses count alike.
        const locked = throttle.checkIp(req.ip, now);
        if (!locked.allowed) {
          throw tooManyRequests('LOCKED_OUT', `too many wrong codes from this address: try again in ${humanDuration(locked.retryAt - now)}`, locked.retryAt, now);
        }
        const body = req.body;
        if (!firstRun.matches(body.setupCode)) {
          const { ipLockedUntil } = throttle.recordFailure(req.ip, undefined, now);
          svc.audit.append({ actor: `ip:${req.ip}`, action: 'setup.code_rejected', ip: req.ip }, now);
          svc.log.warn({ ip: req.ip }, 'first-run setup refused a wrong setup code');
          if (ipLockedUntil !== null) {
            throw tooManyRequests('LOCKED_OUT', `the setup code is not right, and that was too many tries from this address: try again in ${humanDuration(ipLockedUntil - now)}`, ipLockedUntil, now);
          }
          throw new HttpError(403, 'BAD_SETUP_CODE', 'the setup code is not right: run "porchlight setup code" on the hub to see it');
        }
        const email = body.email?.trim() ? await refusalsAs400([EmailCodeError], () => normalizeEmail(body.email!)) : undefined;
        const prepared = await refusalsAs400([UserError], () => prepareUser(db, body.username.trim(), body.password, 'owner', { email }));
        // Hashing took a while: a second browser with the code may have finished first.
        const owner = db.transaction(() => {
          if (hasUsers(db)) return null;
          return insertUser(db, prepared, svc.now());
        }).immediate();
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

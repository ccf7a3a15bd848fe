import { FootageKeyStateSchema, FootageKeyUnlockBody, FootageKeyUnwrapBody, FootageKeyWrapBody, type FootageKeyState } from '../../common/api/footageKey';
import { KeyFileError, WrongPassphraseError } from '../../common/footageKeys';
import { AlreadyUnlockedError, FootageKeyLockedError } from '../footageKeyring';
import { heldClipCount } from '../heldClips';
import { HttpError } from '../httpError';
import { reauthGuard } from '../reauthGuard';
import { type HubServices, type RouteDef, route, auditor, userOf } from '../routeTable';
import { ROLES } from '../users';

/*
 * The owner's choice for the footage key (docs/security.md, "Footage key at rest"): keep it
 * wrapped with a passphrase, so a hub or SD card taken while powered off decrypts nothing,
 * at the price of unlocking it from this page after each restart. Wrapping and unwrapping ask
 * for a fresh proof of the owner's password (OPAQUE, as the password change does); a wrong password or passphrase counts toward the sign-in
 * lockout like any re-authentication (hub/reauthGuard.ts).
 */

export function footageKeyRoutes(svc: HubServices): RouteDef[] {
  const keyring = svc.clips.keyring;
  const audit = auditor(svc);
  const guard = reauthGuard(svc);
  const owner = { kind: 'user', roles: ['owner'] } as const;
  const state = (): FootageKeyState => ({ wrapped: keyring.wrapped, locked: keyring.locked, heldClips: heldClipCount(svc.clips) });

  return [
    route({
      method: 'GET',
      url: '/api/system/footage-key',
      // Everyone sees that footage is locked (the banner); only owners can act on it.
      access: { kind: 'user', roles: ROLES },
      summary: 'Whether the footage key is wrapped with a passphrase, locked, and how many clips wait for their check',
      schema: { response: { 200: FootageKeyStateSchema } },
      handler: async (req) => {
        const { wrapped, locked, heldClips } = state();
        return userOf(req).role === 'owner' ? { wrapped, locked, heldClips } : { wrapped, locked };
      },
    }),
    route({
      method: 'POST',
      url: '/api/system/footage-key/wrap',
      access: owner,
      summary: "Wrap the footage key with a passphrase (or change it); after a restart clips play only once an owner unlocks it",
      schema: { body: FootageKeyWrapBody, response: { 200: FootageKeyStateSchema } },
      rateLimit: 'signin',
      handler: async (req) => {
        const user = userOf(req);
        await guard.checkPasswordProof(req, user, req.body.proof, 'your password is not right');
        if (keyring.locked) throw new FootageKeyLockedError();
        const changed = keyring.wrapped;
        await keyring.wrap(req.body.passphrase);
        audit(req, changed ? 'footage_key.passphrase_changed' : 'footage_key.wrapped');
        return state();
      },
    }),
    route({
      method: 'POST',
      url: '/api/system/footage-key/unwrap',
      access: owner,
      summary: 'Keep the footage key unwrapped again (the hub restarts unlocked; a stolen SD card then decrypts every clip)',
      schema: { body: FootageKeyUnwrapBody, response: { 200: FootageKeyStateSchema } },
      rateLimit: 'signin',
      handler: async (req) => {
        const user = userOf(req);
        await guard.checkPasswordProof(req, user, req.body.proof, 'your password is not right');
        if (!keyring.wrapped) throw new HttpError(409, 'NOT_WRAPPED', 'the footage key is not wrapped with a passphrase');
        if (keyring.locked) throw new FootageKeyLockedError();
        await keyring.unwrap();
        audit(req, 'footage_key.unwrapped');
        return state();
      },
    }),
    route({
      method: 'POST',
      url: '/api/system/footage-key/unlock',
      access: owner,
      summary: 'Unlock the wrapped footage key with its passphrase (kept in memory only, until the hub stops)',
      schema: { body: FootageKeyUnlockBody, response: { 200: FootageKeyStateSchema } },
      rateLimit: 'signin',
      handler: async (req) => {
        const user = userOf(req);
        guard.refuseIfLocked(req);
        // Said, not silently accepted: a passphrase sent to a key that needs none is a mistake (or a probe).
        const notLocked = () => new HttpError(409, 'NOT_LOCKED', keyring.wrapped ? 'the footage key is already unlocked' : 'the footage key is not wrapped with a passphrase: there is nothing to unlock');
        if (!keyring.locked) throw notLocked();
        // Counted before it waits its turn (unlocks run one at a time), so guesses sent in parallel
        // meet the lockout as guesses sent one after another do.
        guard.countInAdvance(req, user);
        try {
          await keyring.unlock(req.body.passphrase);
        } catch (err) {
          if (err instanceof WrongPassphraseError) return guard.fail(req, user, 'passphrase', 'BAD_PASSPHRASE', 'that passphrase does not open the footage key', true);
          guard.proven(req, user);
          if (err instanceof AlreadyUnlockedError) throw notLocked();
          // The key file changed behind the running hub (unwrapped on the console): a state to fix, not a crash.
          if (err instanceof KeyFileError) throw new HttpError(409, 'KEY_FILE_CHANGED', err.message);
          throw err;
        }
        guard.proven(req, user);
        audit(req, 'footage_key.unlocked');
        return state();
      },
    }),
  ];
}

import { Type, type Static } from '@sinclair/typebox';
import { said } from './words';
import { PasswordProofSchema } from './users';
import { FOOTAGE_PASSPHRASE_MIN } from './footageKeyPassphrase';

/*
 * The footage key's protection, for owners (System page): whether the hub's key file is
 * wrapped with a passphrase, whether the running hub has it unlocked, and the clips stored
 * while it was locked that still wait for their check (hub/heldClips.ts).
 */

const Strict = { additionalProperties: false } as const;

export { FOOTAGE_PASSPHRASE_MIN };

export const FootageKeyStateSchema = Type.Object({
  wrapped: Type.Boolean(),
  locked: Type.Boolean(),
  /** Clips stored while locked, not yet checked with the secret key: told to owners only (it is household activity). */
  heldClips: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type FootageKeyState = Static<typeof FootageKeyStateSchema>;

const Passphrase = Type.String({ ...said('the passphrase'), minLength: FOOTAGE_PASSPHRASE_MIN, maxLength: 1024 });
export const FootageKeyWrapBody = Type.Object({ proof: PasswordProofSchema, passphrase: Passphrase }, Strict);
export const FootageKeyUnwrapBody = Type.Object({ proof: PasswordProofSchema }, Strict);
// No minimum here: a short guess is a wrong passphrase, counted like any other.
export const FootageKeyUnlockBody = Type.Object({ passphrase: Type.String({ ...said('the passphrase'), minLength: 1, maxLength: 1024 }) }, Strict);

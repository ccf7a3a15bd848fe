import { Type, type Static } from '@sinclair/typebox';
import { said } from './words';

/*
 * Forgotten password: a code mailed to the account's verified address, then a new password the
 * browser registers with OPAQUE (the hub never sees it). Public routes, so every answer before
 * the code is proven is the same whoever the name belongs to.
 */

const Strict = { additionalProperties: false } as const;
const opaqueMessage = (what: string) => Type.String({ ...said(what), minLength: 16, maxLength: 1024, pattern: '^[A-Za-z0-9_-]+$' });
/** A user name or an email address. */
const name = Type.String({ ...said('the user name or email address'), minLength: 1, maxLength: 254 });

export const ResetRequestBody = Type.Object({ name }, Strict);
export const ResetRequestAnswerSchema = Type.Object({ message: Type.String(), mailConfigured: Type.Boolean() });
export type ResetRequestAnswer = Static<typeof ResetRequestAnswerSchema>;

/** The mailed code, a second factor when the account has 2FA, and the OPAQUE registration request for the new password. */
export const ResetStartBody = Type.Object(
  {
    name,
    code: Type.String({ ...said('the reset code'), minLength: 1, maxLength: 32 }),
    registrationRequest: opaqueMessage('the registration request'),
    totpCode: Type.Optional(Type.String({ ...said('the code from your authenticator app'), minLength: 6, maxLength: 8 })),
    recoveryCode: Type.Optional(Type.String({ ...said('the recovery code'), minLength: 10, maxLength: 16 })),
  },
  Strict,
);
export const ResetStartAnswerSchema = Type.Object({ changeId: Type.String(), registrationResponse: Type.String() });
export type ResetStartAnswer = Static<typeof ResetStartAnswerSchema>;

export const ResetFinishBody = Type.Object(
  {
    name,
    changeId: Type.String({ ...said('the password reset'), minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    registrationRecord: opaqueMessage('the password record'),
  },
  Strict,
);

import { Type, type Static } from '@sinclair/typebox';
import { said } from './words';
import { PasswordProofSchema, registrationRecord } from './users';

/*
 * Your own account, for everyone signed in: password, e-mail address, two-factor sign-in,
 * where you are signed in, and your notices.
 */

const Strict = { additionalProperties: false } as const;

const changeId = Type.String({ ...said('the password change'), minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
/** Password change, first step: a fresh OPAQUE proof of the current password and the registration request for the new one. */
export const PasswordRegistrationBody = Type.Object(
  { proof: PasswordProofSchema, registrationRequest: Type.String({ ...said('the registration request'), minLength: 16, maxLength: 1024, pattern: '^[A-Za-z0-9_-]+$' }) },
  Strict,
);
export const PasswordRegistrationSchema = Type.Object({ changeId: Type.String(), registrationResponse: Type.String() });
export type PasswordRegistration = Static<typeof PasswordRegistrationSchema>;
/** Password change, second step: the new OPAQUE record; neither password reaches the hub. */
export const PasswordChangeBody = Type.Object({ changeId, registrationRecord: registrationRecord() }, Strict);
const email = Type.String({ ...said('the email address'), minLength: 3, maxLength: 254 });
/**
 * A new email address, with a fresh proof of the password: the address is where a password
 * reset is mailed, so a stolen session must not be able to point it elsewhere.
 */
export const EmailBody = Type.Object({ email, proof: PasswordProofSchema }, Strict);
export const CodeBody = Type.Object({ code: Type.String({ ...said('the code'), minLength: 1, maxLength: 32 }) }, Strict);
export const TotpDisableBody = Type.Object(
  {
    proof: PasswordProofSchema,
    code: Type.Optional(Type.String({ ...said('the code'), minLength: 6, maxLength: 8 })),
    recoveryCode: Type.Optional(Type.String({ ...said('the recovery code'), minLength: 10, maxLength: 16 })),
  },
  Strict,
);

export const EmailSetSchema = Type.Object({ sent: Type.Boolean(), mailConfigured: Type.Boolean() });
/** Whether the verification code went out by mail (without mail the owner hands it over). */
export type EmailSet = Static<typeof EmailSetSchema>;

export const TotpEnrollmentSchema = Type.Object({
  /** Base32 seed, shown so it can be typed in when the QR code cannot be scanned. */
  secret: Type.String(),
  otpauthUri: Type.String(),
  qrSvgDataUrl: Type.String(),
});
export type TotpEnrollment = Static<typeof TotpEnrollmentSchema>;

export const RecoveryCodesSchema = Type.Object({ recoveryCodes: Type.Array(Type.String()) });
export type RecoveryCodes = Static<typeof RecoveryCodesSchema>;

export const SessionInfoSchema = Type.Object({
  handle: Type.String(),
  createdAt: Type.Number(),
  lastSeenAt: Type.Number(),
  expiresAt: Type.Number(),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  /** The session this request came with. */
  current: Type.Boolean(),
});
export type SessionInfo = Static<typeof SessionInfoSchema>;
export const SessionListSchema = Type.Object({ sessions: Type.Array(SessionInfoSchema) });
export type SessionList = Static<typeof SessionListSchema>;

export const NoticeSchema = Type.Object({ id: Type.Integer(), at: Type.Number(), kind: Type.String(), message: Type.String(), read: Type.Boolean() });
export type Notice = Static<typeof NoticeSchema>;
export const NoticeListSchema = Type.Object({ notices: Type.Array(NoticeSchema) });
export type NoticeList = Static<typeof NoticeListSchema>;

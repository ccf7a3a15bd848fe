import { Type, type Static } from '@sinclair/typebox';
import { said } from './words';
import type { Role } from '../roles';

/*
 * People: who is signed in (the session the UI keeps), sign-in answers, and the household
 * the owner manages (members, invitations, pending e-mail codes, the security policy, the
 * audit log).
 */

const Strict = { additionalProperties: false } as const;
const NullableString = Type.Union([Type.String(), Type.Null()]);

export const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('member'), Type.Literal('viewer'), Type.Literal('installer')]);
/** The roles in common/roles.ts and this schema's are the same: this stops compiling when they drift apart. */
export const ROLES_MATCH: [Static<typeof RoleSchema>, Role] extends [Role, Static<typeof RoleSchema>] ? true : false = true;

/** What every view of an account shows (never a password hash). */
const AccountFields = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  role: RoleSchema,
  email: NullableString,
  emailVerified: Type.Boolean(),
  totpEnabled: Type.Boolean(),
});

/** The signed-in user as the UI sees them. */
export const SessionUserSchema = Type.Composite([
  AccountFields,
  Type.Object({
    recoveryCodesLeft: Type.Integer(),
    /** The home requires 2FA and this user has not set it up: enrollment comes first. */
    mustEnroll2fa: Type.Boolean(),
  }),
]);
export type SessionUser = Static<typeof SessionUserSchema>;

export const SessionAnswerSchema = Type.Object({ user: SessionUserSchema, csrfToken: Type.String() });
/** GET /api/session and the end of every sign-in. */
export type SessionAnswer = Static<typeof SessionAnswerSchema>;

export const SignedInSchema = Type.Object({ status: Type.Literal('signed_in'), user: SessionUserSchema, csrfToken: Type.String() });
export type SignedIn = Static<typeof SignedInSchema>;
export const TotpRequiredSchema = Type.Object({ status: Type.Literal('totp_required'), ticket: Type.String() });
export const LoginAnswerSchema = Type.Union([SignedInSchema, TotpRequiredSchema]);
/** The password step: signed in, or a ticket for the second step. */
export type LoginAnswer = Static<typeof LoginAnswerSchema>;

/** An OPAQUE message (RFC 9807), base64url as @serenity-kit/opaque writes it. */
const opaqueMessage = (what: string) => Type.String({ ...said(what), minLength: 16, maxLength: 1024, pattern: '^[A-Za-z0-9_-]+$' });
const loginId = Type.String({ ...said('the sign-in step'), minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/** First sign-in step: the user name and OPAQUE's first message (KE1); no password. */
export const LoginStartBody = Type.Object(
  {
    username: Type.String({ ...said('the user name'), minLength: 1, maxLength: 64 }),
    startLoginRequest: opaqueMessage('the sign-in request'),
  },
  Strict,
);
/** The hub's OPAQUE answer (KE2): the same shape and status whether or not the account exists. */
export const LoginStartAnswerSchema = Type.Object({
  loginId: Type.String(),
  loginResponse: Type.String(),
  /**
   * Whether some account of this hub (not necessarily this one) still has a password from
   * before OPAQUE; then a browser whose OPAQUE step failed offers the password once, for the
   * hub to check against the old hash and replace it.
   */
  legacyAccounts: Type.Boolean(),
});
export type LoginStartAnswer = Static<typeof LoginStartAnswerSchema>;
/** Second step: OPAQUE's last message (KE3), or nothing when the browser could not open the answer (wrong password). */
export const LoginFinishBody = Type.Object({ loginId, finishLoginRequest: Type.Optional(opaqueMessage('the sign-in proof')) }, Strict);
/** Second step for an account from before OPAQUE: the password, once, to check against its Argon2id hash. */
export const LegacyLoginBody = Type.Object(
  { loginId, password: Type.String({ ...said('the password'), minLength: 1, maxLength: 256 }) },
  Strict,
);
/** A fresh OPAQUE proof of the password by a signed-in person (changing the password, turning 2FA off); no proof when the browser could not open the answer. */
export const PasswordProofSchema = Type.Object({ loginId, finishLoginRequest: Type.Optional(opaqueMessage('the password proof')) }, Strict);
export type PasswordProof = Static<typeof PasswordProofSchema>;
export const ReauthStartBody = Type.Object({ startLoginRequest: opaqueMessage('the password check') }, Strict);
export const RegistrationStartBody = Type.Object({ registrationRequest: opaqueMessage('the registration request') }, Strict);
export const RegistrationStartAnswerSchema = Type.Object({ registrationResponse: Type.String() });
export const registrationRecord = () => opaqueMessage('the password record');
export const SecondFactorBody = Type.Object(
  {
    ticket: Type.String({ ...said('the sign-in step'), minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    code: Type.Optional(Type.String({ ...said('the code'), minLength: 6, maxLength: 8 })),
    recoveryCode: Type.Optional(Type.String({ ...said('the recovery code'), minLength: 10, maxLength: 16 })),
  },
  Strict,
);

export const UserSummarySchema = Type.Composite([
  AccountFields,
  Type.Object({
    /** Device ids a viewer may watch. */
    grants: Type.Array(Type.String()),
  }),
]);
export type UserSummary = Static<typeof UserSummarySchema>;
export const UserListSchema = Type.Object({ users: Type.Array(UserSummarySchema) });
export type UserList = Static<typeof UserListSchema>;

export const InvitationSentSchema = Type.Object({
  sent: Type.Boolean(),
  expiresAt: Type.Number(),
  /** Only when no mail went out: the owner passes the code on. */
  code: Type.Optional(Type.String()),
});
export type InvitationSent = Static<typeof InvitationSentSchema>;

export const PendingCodeSchema = Type.Object({
  id: Type.Integer(),
  purpose: Type.Union([Type.Literal('verify'), Type.Literal('invite')]),
  email: Type.String(),
  userId: Type.Union([Type.Integer(), Type.Null()]),
  role: Type.Union([RoleSchema, Type.Null()]),
  /** The code in plain, for the owner to pass on; null if the hub secret that sealed it is gone. */
  code: NullableString,
  expiresAt: Type.Number(),
  /** Whether it went out by mail. */
  sent: Type.Boolean(),
});
export type PendingCode = Static<typeof PendingCodeSchema>;
export const PendingCodesSchema = Type.Object({ mailConfigured: Type.Boolean(), codes: Type.Array(PendingCodeSchema) });
export type PendingCodes = Static<typeof PendingCodesSchema>;

export const SecuritySettingsSchema = Type.Object({
  /** Every user must enroll TOTP before they can do anything but enroll. */
  require2fa: Type.Boolean(),
});
export type SecuritySettings = Static<typeof SecuritySettingsSchema>;

export const AuditEntrySchema = Type.Object({
  seq: Type.Integer(),
  at: Type.Number(),
  actor: Type.String(),
  action: Type.String(),
  target: NullableString,
  ip: NullableString,
  detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  hash: Type.String(),
});
export type AuditEntry = Static<typeof AuditEntrySchema>;
export const AuditPageSchema = Type.Object({ entries: Type.Array(AuditEntrySchema) });
export type AuditPage = Static<typeof AuditPageSchema>;

/** First-run setup: whether no account exists yet. */
export const SetupNeededSchema = Type.Object({ needed: Type.Boolean() });
export type SetupNeeded = Static<typeof SetupNeededSchema>;
const setupCode = Type.String({ ...said('the setup code'), minLength: 1, maxLength: 64 });
const registrationId = Type.String({ ...said('the registration step'), minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
/**
 * First-run setup, first step: the hub's one-time setup code, the owner's name (and address),
 * and OPAQUE's registration request for the password, made in the browser; no password.
 */
export const SetupOwnerStartBody = Type.Object(
  {
    setupCode,
    username: Type.String({ ...said('the user name'), minLength: 1, maxLength: 64 }),
    email: Type.Optional(Type.String({ ...said('the email address'), maxLength: 254 })),
    registrationRequest: opaqueMessage('the registration request'),
  },
  Strict,
);
/** The hub's registration response for a new account's password, and the id its record goes back with (one minute, once). */
export const NewAccountStartAnswerSchema = Type.Object({ registrationId: Type.String(), registrationResponse: Type.String() });
export type NewAccountStartAnswer = Static<typeof NewAccountStartAnswerSchema>;
/** First-run setup, last step: the setup code again (it authorises the account being stored) and the password record. */
export const SetupOwnerFinishBody = Type.Object({ setupCode, registrationId, registrationRecord: registrationRecord() }, Strict);

/* The household, as the owner manages it. */
const RequestedRole = Type.Union(RoleSchema.anyOf, said('the role'));
const DeviceIdSchema = Type.String({ pattern: '^[0-9a-f-]{36}$' });
export const InviteBody = Type.Object(
  { email: Type.String({ ...said('the email address'), minLength: 3, maxLength: 254 }), role: RequestedRole, grants: Type.Optional(Type.Array(DeviceIdSchema, { ...said('the cameras they may watch'), maxItems: 256 })) },
  Strict,
);
const invitationCode = Type.String({ ...said('the invitation code'), minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
/** Accepting an invitation, first step: its code, the chosen user name and OPAQUE's registration request; no password. */
export const AcceptStartBody = Type.Object(
  {
    code: invitationCode,
    username: Type.String({ ...said('the user name'), minLength: 2, maxLength: 64 }),
    registrationRequest: opaqueMessage('the registration request'),
  },
  Strict,
);
/** The registration response, with the address the invitation was for (the page checks the new password against it before sending the record). */
export const AcceptStartAnswerSchema = Type.Composite([NewAccountStartAnswerSchema, Type.Object({ email: Type.String() })]);
export type AcceptStartAnswer = Static<typeof AcceptStartAnswerSchema>;
/** Accepting an invitation, last step: the code again (spent now, with the account stored) and the password record. */
export const AcceptFinishBody = Type.Object({ code: invitationCode, registrationId, registrationRecord: registrationRecord() }, Strict);
export const AcceptedSchema = Type.Object({ ok: Type.Literal(true), username: Type.String(), role: RoleSchema });
export type Accepted = Static<typeof AcceptedSchema>;
export const RoleBody = Type.Object({ role: RequestedRole }, Strict);
export const GrantsBody = Type.Object({ devices: Type.Array(DeviceIdSchema, { ...said('the cameras'), maxItems: 256 }) }, Strict);
export const SecuritySettingsBody = Type.Object({ require2fa: Type.Boolean(said('the "require two-factor sign-in" choice')) }, Strict);
export const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ ...said('the number of entries asked for'), minimum: 1, maximum: 1000 })),
    before: Type.Optional(Type.Integer({ ...said('the page cursor'), minimum: 1 })),
    action: Type.Optional(Type.String({ ...said('the kind of audit entry'), pattern: '^[a-z0-9_.]{1,64}$' })),
  },
  Strict,
);

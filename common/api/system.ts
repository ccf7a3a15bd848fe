import { Type, type Static } from '@sinclair/typebox';

/*
 * What the hub says about itself: health before sign-in, and the System page for owners and
 * installers (versions, ports, certificate, mail, the relay, cameras online, disk space).
 */

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);

export const DiskSpaceSchema = Type.Object({ path: Type.String(), freeBytes: Type.Number(), totalBytes: Type.Number() });
export type DiskSpace = Static<typeof DiskSpaceSchema>;

export const CameraHealthSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  /** Whether the camera holds its device channel open right now. */
  online: Type.Boolean(),
  lastSeenAt: NullableNumber,
});
export type CameraHealth = Static<typeof CameraHealthSchema>;

export const VersionsSchema = Type.Object({
  node: Type.String(),
  /** The first line of `ffmpeg -version`'s number, or null when ffmpeg cannot be run. */
  ffmpeg: NullableString,
  os: Type.String(),
});
export type Versions = Static<typeof VersionsSchema>;

export const CertificateStatusSchema = Type.Object({
  /** user: hub.tls's files; acme: issued through hub.acme (Let's Encrypt); local: the hub's own CA. */
  source: Type.Union([Type.Literal('local'), Type.Literal('user'), Type.Literal('acme')]),
  subject: Type.String(),
  issuer: Type.String(),
  validTo: Type.String(),
  fingerprint: Type.String(),
  /** Set when a configured user certificate could not be used. */
  userCertificateProblem: NullableString,
  /** Set while renewals from the ACME server (hub.acme) fail: the last error and how many in a row. */
  renewalProblem: Type.Optional(NullableString),
});
export type CertificateStatus = Static<typeof CertificateStatusSchema>;

export const RelayStateSchema = Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('misconfigured')]);
export type RelayState = Static<typeof RelayStateSchema>;
/** 'not-running' when the relay's heartbeat is older than three beats (or it never ran). */
export const CloudStateSchema = Type.Union([RelayStateSchema, Type.Literal('not-running')]);
export type CloudState = Static<typeof CloudStateSchema>;

export const CloudHealthSchema = Type.Object({
  state: CloudStateSchema,
  since: NullableNumber,
  target: NullableString,
  lastError: NullableString,
  lastUploadAt: NullableNumber,
  pending: Type.Integer(),
  oldestPendingAt: NullableNumber,
  /** The relay's last heartbeat, so a stopped relay can say since when; null if it never ran. */
  heartbeatAt: NullableNumber,
});
export type CloudHealth = Static<typeof CloudHealthSchema>;

export const HealthSchema = Type.Object({
  ok: Type.Boolean(),
  service: Type.String(),
  httpsPort: Type.Integer(),
  httpPort: Type.Union([Type.Integer(), Type.Null()]),
  /** The address mails and the UI give for this hub. */
  url: Type.String(),
  /** Only the state is public (for the banner before sign-in); the details are in /api/system. */
  cloud: Type.Object({ state: CloudStateSchema }),
});
export type Health = Static<typeof HealthSchema>;

export const SystemStatusSchema = Type.Object({
  version: Type.String(),
  httpsPort: Type.Integer(),
  httpPort: Type.Union([Type.Integer(), Type.Null()]),
  url: Type.String(),
  startedAt: Type.Number(),
  uptimeSeconds: Type.Number(),
  versions: VersionsSchema,
  certificate: CertificateStatusSchema,
  caFingerprint: Type.String(),
  mailConfigured: Type.Boolean(),
  cloud: CloudHealthSchema,
  cameras: Type.Array(CameraHealthSchema),
  disk: Type.Union([DiskSpaceSchema, Type.Null()]),
});
export type SystemStatus = Static<typeof SystemStatusSchema>;

/** The household CA a phone installs to trust the hub's page (public: first-run setup shows it before any account exists). */
export const HouseholdCaSchema = Type.Object({
  /** SHA-256 of the CA certificate, colon-separated hex, as phones show it. */
  fingerprint: Type.String(),
  name: Type.String(),
  validTo: Type.String(),
  /** The DNS subtrees and subnets it may vouch for; nothing else. */
  permitted: Type.Array(Type.String()),
  /** The names in the browser certificate it issued. */
  certificateNames: Type.Array(Type.String()),
  /** The hub's present names it does not cover (left out of the certificate). */
  uncovered: Type.Array(Type.String()),
  /** False when browsers get the household's own certificate (e.g. Let's Encrypt) instead. */
  inUse: Type.Boolean(),
  downloads: Type.Object({ android: Type.String(), ios: Type.String(), pem: Type.String() }),
});
export type HouseholdCa = Static<typeof HouseholdCaSchema>;

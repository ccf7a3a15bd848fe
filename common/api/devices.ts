import { Type, type Static } from '@sinclair/typebox';
import { CameraHealthReportSchema } from './cameraHealth';
import { said } from './words';

/*
 * Paired cameras as the Cameras, Live, Timeline and Schedules pages list them, and the
 * invitation a pairing window shows.
 */

export const DeviceSummarySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.Number(),
  lastSeenAt: Type.Union([Type.Number(), Type.Null()]),
  /** Revoked cameras stay listed: their clips are still the household's. */
  revoked: Type.Boolean(),
  tokenIssuedAt: Type.Number(),
});
export type DeviceSummary = Static<typeof DeviceSummarySchema>;

export const DeviceViewSchema = Type.Object({
  ...DeviceSummarySchema.properties,
  /** Holds its channel to the hub open now. */
  online: Type.Boolean(),
  /** Sends live video now (someone is watching); not told to installers (docs/security.md, what each role may learn). */
  live: Type.Optional(Type.Boolean()),
  /** What its agent last reported of the camera's video; null while it has not (or is offline). */
  health: Type.Union([CameraHealthReportSchema, Type.Null()]),
});
export type DeviceView = Static<typeof DeviceViewSchema>;
export const DeviceListSchema = Type.Object({ devices: Type.Array(DeviceViewSchema) });
export type DeviceList = Static<typeof DeviceListSchema>;

export const RenameDeviceBody = Type.Object({ name: Type.String({ ...said('the name'), minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

export const PairingInviteSchema = Type.Object({
  code: Type.String(),
  expiresAt: Type.Number(),
  hubUrl: Type.String(),
  /** The invitation as a porchlight://pair link. */
  uri: Type.String(),
  /** The link as an SVG QR code, a data: URL for an <img>. */
  qr: Type.String(),
  /** What to type on the camera: the link form, and the same without the link. */
  command: Type.String(),
  manualCommand: Type.String(),
});
/** What the Cameras page shows for an open pairing window. */
export type PairingInvite = Static<typeof PairingInviteSchema>;

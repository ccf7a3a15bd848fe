import { Type, type Static } from '@sinclair/typebox';
import { CameraHealthReportSchema } from './cameraHealth';
import { CloudHealthSchema, DiskSpaceSchema } from './system';

/*
 * The dashboard's answer: one tile per camera the user may see, the hub's storage and the
 * cloud backup. Installers manage cameras but never see footage, so their tiles carry no
 * motion, recording or clip.
 */

export const DashboardCameraSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  online: Type.Boolean(),
  lastSeenAt: Type.Union([Type.Number(), Type.Null()]),
  /** The camera's video as its agent last reported it; null while it has not (or is offline). */
  health: Type.Union([CameraHealthReportSchema, Type.Null()]),
  /** Footage roles only (null for cameras that never saw motion). */
  lastMotionAt: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  recording: Type.Optional(Type.Boolean()),
  latestClip: Type.Optional(Type.Union([Type.Object({ id: Type.String(), startedAt: Type.Number(), local: Type.Boolean(), inCloud: Type.Boolean() }), Type.Null()])),
});
export type DashboardCamera = Static<typeof DashboardCameraSchema>;

const { state, since, lastUploadAt, pending, oldestPendingAt, lastError } = CloudHealthSchema.properties;

export const DashboardSchema = Type.Object({
  cameras: Type.Array(DashboardCameraSchema),
  /** Clips kept on the hub from the cameras whose footage the user may see (none for installers: no clips, bytes), and the disk. */
  storage: Type.Object({ clips: Type.Optional(Type.Integer()), bytes: Type.Optional(Type.Number()), disk: Type.Union([DiskSpaceSchema, Type.Null()]) }),
  /**
   * Owners and installers see why the cloud fails (lastError); members only that it does;
   * viewers only its state (upload times and the queue tell when clips were made anywhere in the home).
   */
  cloud: Type.Object({ state, since, lastUploadAt: Type.Optional(lastUploadAt), pending: Type.Optional(pending), oldestPendingAt: Type.Optional(oldestPendingAt), lastError: Type.Optional(lastError) }),
  timeZone: Type.String(),
});
export type Dashboard = Static<typeof DashboardSchema>;

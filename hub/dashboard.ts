import type { CameraHealthReport } from '../common/api/cameraHealth';
import type { DB } from '../common/database';
import type { DiskSpace } from '../common/api/system';
import type { Dashboard, DashboardCamera } from '../common/api/dashboard';
import type { ClipStore } from './clipStore';

/*
 * The dashboard's answer: one tile per camera the user may see (online or not, last motion,
 * recording now, its newest clip for the picture), the hub's storage and the cloud backup.
 * Installers manage cameras but never see footage, so theirs has no clips and no motion.
 */

/**
 * How long after a motion start with no end a camera still counts as recording: the longest
 * clip the camera settings allow (60 s) plus the longest post-roll (30 s). A camera that
 * went silent mid-event (unplugged) stops showing "recording" after that.
 */
export const RECORDING_BOUND_MS = (60 + 30) * 1000;

export interface LastMotion {
  kind: 'start' | 'end';
  /** When it happened, by the camera's clock. */
  at: number;
  /** When the hub heard of it, by the hub's clock. */
  receivedAt: number;
}

/** Pure: a camera records now when it is armed to record and its last motion event is a start within the bound. */
export function isRecording(last: LastMotion | undefined, armedToRecord: boolean, online: boolean, now: number): boolean {
  return armedToRecord && online && last?.kind === 'start' && now - last.receivedAt < RECORDING_BOUND_MS;
}

export type { Dashboard, DashboardCamera };

export interface DashboardInputs {
  db: DB;
  clips: ClipStore;
  now: number;
  timeZone: string;
  /** Active cameras, already narrowed to the ones the user may see. */
  cameras: ReadonlyArray<{ id: string; name: string; online: boolean; lastSeenAt: number | null; health: CameraHealthReport | null }>;
  footage: boolean;
  armedToRecord: (deviceId: string) => boolean;
  /** The clips kept of the cameras whose footage the user may see; null: none (installers). */
  usage: { clips: number; bytes: number } | null;
  /** Already narrowed to what the role may know (disclosure.ts). */
  cloud: Dashboard['cloud'];
  disk: DiskSpace | null;
}

export function buildDashboard(i: DashboardInputs): Dashboard {
  const lastMotion = i.db.prepare('SELECT kind, at, received_at AS receivedAt FROM motion_events WHERE device_id = ? ORDER BY at DESC, id DESC LIMIT 1');
  const cameras = i.cameras.map((c): DashboardCamera => {
    const base = { id: c.id, name: c.name, online: c.online, lastSeenAt: c.lastSeenAt, health: c.online ? c.health : null };
    if (!i.footage) return base;
    const last = lastMotion.get(c.id) as LastMotion | undefined;
    const latest = i.clips.latestOf(c.id);
    return {
      ...base,
      lastMotionAt: last?.at ?? null,
      recording: isRecording(last, i.armedToRecord(c.id), c.online, i.now),
      latestClip: latest ? { id: latest.id, startedAt: latest.startedAt, local: latest.local, inCloud: latest.inCloud } : null,
    };
  });
  return {
    cameras,
    storage: { ...(i.usage ?? {}), disk: i.disk },
    cloud: i.cloud,
    timeZone: i.timeZone,
  };
}

import type { DB } from '../common/database';
import { checkCameraSettings, type CameraSettings, type CameraSettingsMessage } from '../common/cameraSettings';
import type { DetectionSettings } from '../common/detectionSettings';
import type { ObjectRules } from './objectAlertPolicy';

/*
 * Each camera's saved settings, one JSON row per camera with a version that goes up on
 * every save. A camera without a row runs on its own config file until someone saves.
 */

export interface StoredCameraSettings extends CameraSettingsMessage {
  updatedBy: string;
}

export class StaleSettingsError extends Error {
  constructor(readonly current: number) {
    super(`these settings were changed meanwhile (now version ${current}): reload them and make your change again`);
  }
}

interface Row {
  settings: string;
  version: number;
  updated_at: number;
  updated_by: string;
}

/** `detectionDefault`: the hub's `hub.detection`, for a row saved before detection settings existed. */
export function getCameraSettings(db: DB, deviceId: string, detectionDefault?: DetectionSettings): StoredCameraSettings | null {
  const row = db.prepare('SELECT settings, version, updated_at, updated_by FROM camera_settings WHERE device_id = ?').get(deviceId) as Row | undefined;
  if (!row) return null;
  // Rows are only ever written checked; a row that no longer passes (bounds tightened in a
  // later release) is treated as never saved rather than pushed to a camera that would refuse it.
  const checked = checkCameraSettings(JSON.parse(row.settings), detectionDefault);
  if (!checked.ok) return null;
  return { settings: checked.settings, version: row.version, updatedAt: row.updated_at, updatedBy: row.updated_by };
}

/**
 * Saves checked settings. With `expectedVersion` (0: never saved) the save is refused when
 * someone else saved in between, so two people editing zones do not silently undo each other.
 */
export function saveCameraSettings(db: DB, deviceId: string, settings: CameraSettings, by: string, now: number, expectedVersion?: number): StoredCameraSettings {
  return db.transaction((): StoredCameraSettings => {
    const current = (db.prepare('SELECT version FROM camera_settings WHERE device_id = ?').get(deviceId) as { version: number } | undefined)?.version ?? 0;
    if (expectedVersion !== undefined && expectedVersion !== current) throw new StaleSettingsError(current);
    const version = current + 1;
    db.prepare(
      `INSERT INTO camera_settings (device_id, settings, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(device_id) DO UPDATE SET settings = excluded.settings, version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    ).run(deviceId, JSON.stringify(settings), version, now, by);
    return { settings, version, updatedAt: now, updatedBy: by };
  })();
}

/**
 * What the hub's detector and alerts follow for a camera: its saved detection settings, else
 * the hub config's (`hub.detection`), which every camera never saved on the page runs on.
 */
export function detectionSettingsOf(db: DB, deviceId: string, hubDefault: DetectionSettings): DetectionSettings {
  return objectRulesOf(db, deviceId, hubDefault).detection;
}

/**
 * A camera's saved detection settings and zones, else the hub config's detection settings and
 * no zones: a camera never saved on the page keeps its zones in its own config file, which the
 * hub does not see, so its objects are judged over the whole picture.
 */
export function objectRulesOf(db: DB, deviceId: string, hubDefault: DetectionSettings): ObjectRules {
  const saved = getCameraSettings(db, deviceId, hubDefault)?.settings;
  return { detection: saved?.detection ?? hubDefault, zones: saved?.zones ?? [] };
}

/** What the camera is sent: the settings and their version, not who saved them. */
export function settingsMessage(stored: StoredCameraSettings): CameraSettingsMessage {
  return { version: stored.version, updatedAt: stored.updatedAt, settings: stored.settings };
}

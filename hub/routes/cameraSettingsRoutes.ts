import { Type } from '@sinclair/typebox';
import { said } from '../../common/api/words';
import { checkCameraSettings, defaultCameraSettings, SETTING_LIMITS, type CameraSettings } from '../../common/cameraSettings';
import { CameraSettingsBody, CameraSettingsViewSchema, type CameraSettingsView } from '../../common/api/cameraSettings';
import { getCameraSettings, saveCameraSettings, settingsMessage, StaleSettingsError, type StoredCameraSettings } from '../cameraSettingsStore';
import { getDevice } from '../devices';
import { HttpError } from '../httpError';
import { type HubServices, type RouteDef, route, actorOf, auditor } from '../routeTable';
import { DEVICE_ROLES } from '../users';

/*
 * A camera's detection and recording settings, for the people who manage devices (owner,
 * installer). A save is checked whole (common/cameraSettings.ts), stored, audited and
 * pushed to the camera at once; a camera that is offline gets it when its channel opens.
 */

const Strict = { additionalProperties: false } as const;
const CameraParams = Type.Object({ id: Type.String({ ...said('the id'), pattern: '^[0-9a-f-]{36}$' }) }, Strict);
export function cameraSettingsRoutes(svc: HubServices): RouteDef[] {
  const { db } = svc;
  const audit = auditor(svc);
  const managers = { kind: 'user', roles: DEVICE_ROLES } as const;
  const cameraOrThrow = (id: string) => {
    const device = getDevice(db, id);
    if (!device) throw new HttpError(404, 'NO_SUCH_DEVICE', 'no such camera');
    return device;
  };
  // Detection runs on the hub, so a camera never saved here follows the hub's config for it.
  const detectionDefault = svc.config.detection;
  const defaults = () => defaultCameraSettings(detectionDefault);
  const view = (device: { id: string; name: string }, stored: StoredCameraSettings | null): CameraSettingsView => ({
    deviceId: device.id,
    name: device.name,
    online: svc.channels.isOnline(device.id),
    saved: stored !== null,
    version: stored?.version ?? 0,
    updatedAt: stored?.updatedAt ?? null,
    updatedBy: stored?.updatedBy ?? null,
    settings: stored?.settings ?? defaults(),
    limits: SETTING_LIMITS,
  });

  return [
    route({
      method: 'GET',
      url: '/api/cameras/:id/settings',
      access: managers,
      summary: "A camera's detection and recording settings, with their bounds",
      schema: { params: CameraParams, response: { 200: CameraSettingsViewSchema } },
      handler: async (req) => {
        const { id } = req.params;
        return view(cameraOrThrow(id), getCameraSettings(db, id, detectionDefault));
      },
    }),
    route({
      method: 'PUT',
      url: '/api/cameras/:id/settings',
      access: managers,
      summary: "Change a camera's settings (sensitivity, object size, clip length, retrigger, pre/post-roll, zones, ignore masks, object detection); pushed to it at once",
      schema: { params: CameraParams, body: CameraSettingsBody, response: { 200: CameraSettingsViewSchema } },
      bodyLimit: 64 * 1024,
      handler: async (req) => {
        const { id } = req.params;
        const device = cameraOrThrow(id);
        const { version, detection, ...changes } = req.body;
        const before = getCameraSettings(db, id, detectionDefault);
        const base = before?.settings ?? defaults();
        // Detection fields merge one level deeper, so "alert on people only" leaves the scores alone.
        const merged = detection ? { ...base.detection, ...detection, minScore: { ...base.detection.minScore, ...detection.minScore } } : base.detection;
        const checked = checkCameraSettings({ ...base, ...changes, detection: merged });
        if (!checked.ok) throw new HttpError(400, 'BAD_SETTING', checked.message, { field: checked.field });
        let stored: StoredCameraSettings;
        try {
          stored = saveCameraSettings(db, id, checked.settings, actorOf(req), svc.now(), version);
        } catch (err) {
          if (err instanceof StaleSettingsError) throw new HttpError(409, 'SETTINGS_CHANGED', err.message, { version: err.current });
          throw err;
        }
        const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
        const changed: string[] = (Object.keys(checked.settings) as Array<keyof CameraSettings>).filter((k) => k !== 'detection' && differs(checked.settings[k], base[k]));
        const detectionAfter = checked.settings.detection;
        changed.push(...(Object.keys(detectionAfter) as Array<keyof typeof detectionAfter>).filter((k) => differs(detectionAfter[k], base.detection[k])).map((k) => `detection.${k}`));
        const delivered = svc.channels.push(id, 'settings', settingsMessage(stored)) > 0;
        audit(req, 'camera.settings_changed', {
          target: `device:${id}`,
          detail: { version: stored.version, changed, zones: stored.settings.zones.length, ignoreMasks: stored.settings.ignoreMasks.length, delivered },
        });
        return { ...view(device, stored), delivered };
      },
    }),
  ];
}

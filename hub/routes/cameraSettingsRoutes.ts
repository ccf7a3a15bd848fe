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
  const view = (device: { id: string; name: string }, stored: StoredCameraSettings | null): CameraSettingsView => ({
    deviceId: device.id,
    name: device.name,
    online: svc.channels.isOnline(device.id),
    saved: stored !== null,
    version: stored?.version ?? 0,
    updatedAt: stored?.updatedAt ?? null,
    updatedBy: stored?.updatedBy ?? null,
    settings: stored?.settings ?? defaultCameraSettings(),
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
        return view(cameraOrThrow(id), getCameraSettings(db, id));
      },
    }),
    route({
      method: 'PUT',
      url: '/api/cameras/:id/settings',
      access: managers,
      summary: "Change a camera's settings (sensitivity, object size, clip length, retrigger, pre/post-roll, zones, ignore masks); pushed to it at once",
      schema: { params: CameraParams, body: CameraSettingsBody, response: { 200: CameraSettingsViewSchema } },
      bodyLimit: 64 * 1024,
      handler: async (req) => {
        const { id } = req.params;
        const device = cameraOrThrow(id);
        const { version, ...changes } = req.body;
        const before = getCameraSettings(db, id);
        const base = before?.settings ?? defaultCameraSettings();
        const checked = checkCameraSettings({ ...base, ...changes });
        if (!checked.ok) throw new HttpError(400, 'BAD_SETTING', checked.message, { field: checked.field });
        let stored: StoredCameraSettings;
        try {
          stored = saveCameraSettings(db, id, checked.settings, actorOf(req), svc.now(), version);
        } catch (err) {
          if (err instanceof StaleSettingsError) throw new HttpError(409, 'SETTINGS_CHANGED', err.message, { version: err.current });
          throw err;
        }
        const changed = (Object.keys(checked.settings) as Array<keyof CameraSettings>).filter((k) => JSON.stringify(checked.settings[k]) !== JSON.stringify(base[k]));
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

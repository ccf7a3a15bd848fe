import type { ArmingSettings, HouseholdState } from '../../common/api/arming';
import type { DB } from '../../common/database';
import { readSetting, writeSetting } from '../../common/settingsTable';
import type { ArmingDecision, ArmingInputs } from './armingDecision';
import { GEOFENCE_DEFAULTS, type GeofenceSettings, type Presence } from './geofence';
import type { Mode } from '../../common/protocol';
import { canonicalArmedIn, DEFAULT_ARMED_IN, isArmableMode, type ArmableMode } from '../../common/armedIn';
import type { CameraRule, ScheduleRule } from './schedule';

/*
 * What the arming decision is made from, as stored in the hub's database: the household's
 * arming settings, the last manual change and the household's last presence change (rows of
 * the settings table), the weekly rules, each camera's motion switch, and the geofencing
 * members with only their latest position.
 */

export type { ArmingSettings };

export function defaultTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The home's time zone, as the household set it (for the times notices show). */
export function homeTimeZone(db: DB): string {
  return new ArmingStore(db).settings().timeZone;
}

export interface MemberRow {
  userId: number;
  username: string;
  enabled: boolean;
  presence: Presence;
  fixAt: number | null;
}

export class ArmingStore {
  constructor(private readonly db: DB) {}

  settings(): ArmingSettings {
    return {
      timeZone: defaultTimeZone(),
      geofenceEnabled: false,
      geofenceBeatsSchedule: true,
      home: null,
      radiusM: GEOFENCE_DEFAULTS.radiusM,
      hysteresisM: GEOFENCE_DEFAULTS.hysteresisM,
      maxAccuracyM: GEOFENCE_DEFAULTS.maxAccuracyM,
      staleAfterMinutes: GEOFENCE_DEFAULTS.staleAfterMs / 60_000,
      ...readSetting<Partial<ArmingSettings>>(this.db, 'arming.settings'),
    };
  }

  saveSettings(s: ArmingSettings): void {
    writeSetting(this.db, 'arming.settings', s);
  }

  geofenceSettings(s = this.settings()): GeofenceSettings | null {
    if (!s.home) return null;
    return { home: s.home, radiusM: s.radiusM, hysteresisM: s.hysteresisM, maxAccuracyM: s.maxAccuracyM, staleAfterMs: s.staleAfterMinutes * 60_000 };
  }

  manual(): ArmingInputs['manual'] {
    return readSetting<ArmingInputs['manual']>(this.db, 'arming.manual');
  }

  setManual(manual: { mode: Mode; at: number; by: string }): void {
    writeSetting(this.db, 'arming.manual', manual);
  }

  household(): HouseholdState {
    return readSetting(this.db, 'arming.household') ?? { household: 'unknown', since: 0, member: null };
  }

  setHousehold(h: HouseholdState): void {
    writeSetting(this.db, 'arming.household', h);
  }

  /** The last decision the hub acted on: a new one is an arming change only if it differs. */
  current(): ArmingDecision | null {
    return readSetting<ArmingDecision>(this.db, 'arming.current');
  }

  setCurrent(d: ArmingDecision): void {
    writeSetting(this.db, 'arming.current', d);
  }

  rules(): { rules: ScheduleRule[]; cameraRules: CameraRule[] } {
    const rows = this.db.prepare('SELECT id, camera_id, days, at, mode, motion FROM schedule_rules ORDER BY created_at, id').all() as Array<{
      id: string;
      camera_id: string | null;
      days: string;
      at: string;
      mode: Mode | null;
      motion: number | null;
    }>;
    const rules: ScheduleRule[] = [];
    const cameraRules: CameraRule[] = [];
    for (const r of rows) {
      const days = JSON.parse(r.days) as number[];
      if (r.camera_id === null) rules.push({ id: r.id, days, at: r.at, mode: r.mode! });
      else cameraRules.push({ id: r.id, cameraId: r.camera_id, days, at: r.at, motion: r.motion === 1 });
    }
    return { rules, cameraRules };
  }

  /** Active (not revoked) cameras with their motion switch and the modes they record in. */
  cameras(): ArmingInputs['cameras'] {
    const rows = this.db
      .prepare(
        `SELECT d.id, a.motion_on, a.motion_at, COALESCE(a.armed_in, ?) AS armed_in
         FROM devices d LEFT JOIN camera_arming a ON a.device_id = d.id WHERE d.revoked_at IS NULL ORDER BY d.created_at`,
      )
      .all(JSON.stringify(DEFAULT_ARMED_IN)) as Array<{ id: string; motion_on: number | null; motion_at: number | null; armed_in: string }>;
    return rows.map((r) => ({
      id: r.id,
      motion: r.motion_on === null || r.motion_at === null ? null : { on: r.motion_on === 1, at: r.motion_at },
      // Canonical and only armable modes, whatever an older version or a hand edit left in the row.
      armedIn: canonicalArmedIn((JSON.parse(r.armed_in) as unknown[]).filter(isArmableMode)),
    }));
  }

  setCameraArmedIn(deviceId: string, modes: readonly ArmableMode[]): void {
    this.db
      .prepare('INSERT INTO camera_arming (device_id, armed_in) VALUES (?, ?) ON CONFLICT (device_id) DO UPDATE SET armed_in = excluded.armed_in')
      .run(deviceId, JSON.stringify(canonicalArmedIn(modes)));
  }

  setCameraMotion(deviceId: string, on: boolean, at: number): void {
    this.db
      .prepare('INSERT INTO camera_arming (device_id, motion_on, motion_at) VALUES (?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET motion_on = excluded.motion_on, motion_at = excluded.motion_at')
      .run(deviceId, on ? 1 : 0, at);
  }

  inputs(): ArmingInputs {
    const s = this.settings();
    const h = this.household();
    return {
      timeZone: s.timeZone,
      ...this.rules(),
      manual: this.manual(),
      geofence: { enabled: s.geofenceEnabled && s.home !== null, household: h.household, since: h.since, member: h.member },
      geofenceBeatsSchedule: s.geofenceBeatsSchedule,
      cameras: this.cameras(),
    };
  }

  recordEvent(at: number, d: ArmingDecision): void {
    this.db.prepare('INSERT INTO arming_events (at, mode, cause) VALUES (?, ?, ?)').run(at, d.mode, JSON.stringify(d.cause));
  }

  members(): MemberRow[] {
    const rows = this.db
      .prepare('SELECT m.user_id, u.username, m.enabled, m.presence, m.fix_at FROM geofence_members m JOIN users u ON u.id = m.user_id ORDER BY u.username')
      .all() as Array<{ user_id: number; username: string; enabled: number; presence: Presence; fix_at: number | null }>;
    return rows.map((r) => ({ userId: r.user_id, username: r.username, enabled: r.enabled === 1, presence: r.presence, fixAt: r.fix_at }));
  }
}

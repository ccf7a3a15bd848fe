import type { DB } from '../../common/database';
import type { ArmingService } from './armingService';
import { household as householdOf, isUsableFix, presenceAfterFix, presenceNow, type Fix, type Presence } from './geofence';

/*
 * Members' phones report where they are — from the web UI ("share my location") or an
 * OwnTracks-compatible app — and the household's presence follows. Only each member's latest
 * position is kept, never a history, and none at all while geofencing is off.
 */

export class LocationError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Checks a fix from any client; throws a LocationError naming the bad field. */
export function checkFix(fix: { lat: unknown; lon: unknown; accuracyM: unknown; at: unknown }, now: number): Fix {
  const { lat, lon, accuracyM, at } = fix;
  if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90) throw new LocationError(400, 'BAD_LATITUDE', 'the latitude must be a number between -90 and 90');
  if (typeof lon !== 'number' || !Number.isFinite(lon) || lon < -180 || lon > 180) throw new LocationError(400, 'BAD_LONGITUDE', 'the longitude must be a number between -180 and 180');
  if (typeof accuracyM !== 'number' || !Number.isFinite(accuracyM) || accuracyM < 0) throw new LocationError(400, 'BAD_ACCURACY', 'the accuracy must be a number of metres, 0 or more');
  if (typeof at !== 'number' || !Number.isFinite(at) || at <= 0) throw new LocationError(400, 'BAD_TIME', 'the time of the fix is missing or not a number');
  // A phone's clock may run a little ahead; a fix from well in the future is not a fix.
  if (at > now + 5 * 60_000) throw new LocationError(400, 'BAD_TIME', 'the time of the fix is in the future');
  return { lat, lon, accuracyM, at };
}


/**
 * Applies one report for a member: a fix, or a direct statement from the phone's own region
 * monitoring (OwnTracks enter/leave). Returns the member's presence afterwards.
 */
export function reportPresence(db: DB, arming: ArmingService, user: { id: number; username: string }, report: { fix: Fix } | { presence: 'home' | 'away'; at: number }, now: number): Presence {
  const store = arming.store;
  const settings = store.settings();
  const geofence = store.geofenceSettings(settings);
  if (!settings.geofenceEnabled || !geofence) throw new LocationError(409, 'GEOFENCE_OFF', 'geofencing is off in this home: the hub does not keep locations');
  const members = store.members();
  const member = members.find((m) => m.userId === user.id);
  if (!member || !member.enabled) throw new LocationError(409, 'NOT_A_MEMBER', 'turn on geofencing for your account first');

  let presence: Presence;
  if ('fix' in report) {
    const { fix } = report;
    if (member.fixAt !== null && fix.at < member.fixAt) return presenceNow({ presence: member.presence, lastFixAt: member.fixAt }, geofence, now); // an older fix arriving late
    presence = presenceAfterFix(member.presence, fix, geofence);
    if (isUsableFix(fix, geofence)) {
      db.prepare('UPDATE geofence_members SET presence = ?, lat = ?, lon = ?, accuracy_m = ?, fix_at = ? WHERE user_id = ?').run(presence, fix.lat, fix.lon, fix.accuracyM, fix.at, user.id);
    }
  } else {
    presence = report.presence;
    db.prepare('UPDATE geofence_members SET presence = ?, fix_at = MAX(COALESCE(fix_at, 0), ?) WHERE user_id = ?').run(presence, report.at, user.id);
  }

  const presences = store.members().filter((m) => m.enabled).map((m) => presenceNow({ presence: m.presence, lastFixAt: m.fixAt }, geofence, now));
  const current = householdOf(presences);
  // Quiet phones make the household unknown; its last known state stands (docs/arming.md).
  if (current !== 'unknown' && current !== store.household().household) {
    store.setHousehold({ household: current, since: now, member: user.username });
    arming.evaluate();
  }
  return presence;
}

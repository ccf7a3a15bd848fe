import type { CloudHealth } from '../common/api/system';
import type { DeviceView } from '../common/api/devices';
import type { NotificationPrefs } from '../common/api/alerts';
import { mayKnow } from '../common/disclosure';
import type { Role } from '../common/roles';

/*
 * The response filters of common/disclosure.ts's table, one per kind of answer that mixes what
 * some roles may know with what they may not. Pure: the routes pass in what they read and
 * send what comes out, so each rule is tested without a hub (test/hub/disclosure.test.ts), and
 * the route × role test checks the answers themselves (test/hub/routeMatrix.test.ts).
 * Routes whose whole answer is one kind (the arming, schedules, presence) are closed to the
 * roles that may not know it in the route table instead.
 */

export { mayKnow, MAY_KNOW, type Knowledge } from '../common/disclosure';

/**
 * The cameras a role may know exist (ids, names, status): a viewer its grants, everyone else
 * every camera. Footage is narrower still: users.ts's visibleCameras (installers: none).
 */
export function knownCameras(role: Role, grants: readonly string[]): 'all' | readonly string[] {
  return role === 'viewer' ? grants : 'all';
}

export function isKnown(cameras: 'all' | readonly string[], id: string): boolean {
  return cameras === 'all' || cameras.includes(id);
}

/** A camera as the Cameras page lists it: whether someone watches it live now is household life, not the installer's. */
export function deviceViewFor(role: Role, view: DeviceView): DeviceView {
  if (mayKnow(role, 'watching')) return view;
  const { live: _live, ...rest } = view;
  return rest;
}

/**
 * The cloud backup as the dashboard shows it. Its upload times and queue say when clips were
 * made anywhere in the home, so a viewer gets only whether the backup works; owners and
 * installers (who fix it) also get why it fails.
 */
export function dashboardCloudFor(role: Role, cloud: CloudHealth): { state: CloudHealth['state']; since: number | null; lastUploadAt?: number | null; pending?: number; oldestPendingAt?: number | null; lastError?: string | null } {
  const { state, since, lastUploadAt, pending, oldestPendingAt, lastError } = cloud;
  if (role === 'viewer') return { state, since };
  return { state, since, lastUploadAt, pending, oldestPendingAt, ...(mayKnow(role, 'system') ? { lastError } : {}) };
}

/** A user's notification choices name only cameras they may still know (a member made a viewer keeps no other camera's id). */
export function notificationPrefsFor(prefs: NotificationPrefs, cameras: 'all' | readonly string[]): NotificationPrefs {
  if (prefs.cameras === 'all' || cameras === 'all') return prefs;
  return { ...prefs, cameras: prefs.cameras.filter((id) => cameras.includes(id)) };
}

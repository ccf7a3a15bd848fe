/*
 * What each role may learn about the home, by kind of information: the one table the route
 * table, the hub's response filters, its notices and the web UI's menus read (written out for
 * people in docs/security.md, "What each role may learn"). No imports beyond the roles, so the
 * UI bundle can take it.
 *
 * The decisions, as Ring's shared users or Arlo's granted friends work:
 * - A viewer is someone outside the household (a neighbour, a sitter) granted some cameras:
 *   those cameras' names, status, clips and live view, and nothing of the rest of the home —
 *   not other cameras (not even their ids), not the home's mode (armed-away says nobody is
 *   home), not who set it, the schedules, or who is home. What it sees of the arming is only
 *   whether each granted camera records now, which is that camera's own status.
 * - An installer pairs, names and tunes cameras and keeps the hub healthy, but learns nothing of
 *   the household's life: no footage or motion, no arming mode or history, no schedules, no
 *   presence, not even whether someone is watching a camera live.
 * - Owners and members live there and know all of it (managing users and the audit log stays
 *   the owner's, in the route table).
 */

import type { Role } from './roles';

export type Knowledge =
  /** A camera's id, name, online state and video health (viewers: granted cameras only). */
  | 'cameras'
  /** Clips, thumbnails, snapshots, live view, motion times, "recording now", clip counts (viewers: granted cameras only). */
  | 'footage'
  /** Whether someone is watching a camera live right now. */
  | 'watching'
  /** A camera's detection and recording settings (zones, masks, clip lengths). */
  | 'cameraSettings'
  /** The home's mode, who or what set it and when, the next scheduled change, the arming timeline, mode-change notices. */
  | 'arming'
  /** The weekly rules. */
  | 'schedules'
  /** Who is home, the household's presence, the home's location and geofence settings. */
  | 'presence'
  /** The hub itself: versions, ports, certificate, disk, relay and cloud upload health. */
  | 'system';

export const MAY_KNOW: Readonly<Record<Knowledge, readonly Role[]>> = {
  cameras: ['owner', 'member', 'viewer', 'installer'],
  footage: ['owner', 'member', 'viewer'],
  watching: ['owner', 'member', 'viewer'],
  cameraSettings: ['owner', 'installer'],
  arming: ['owner', 'member'],
  schedules: ['owner', 'member'],
  presence: ['owner', 'member'],
  system: ['owner', 'installer'],
};

export function mayKnow(role: Role, what: Knowledge): boolean {
  return MAY_KNOW[what].includes(role);
}

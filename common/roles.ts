/*
 * Who may do what, by role: the hub's route table and the web UI's menus read the same lists.
 * No imports, so the UI bundle can take these values without pulling in anything else.
 */

export const ROLES = ['owner', 'member', 'viewer', 'installer'] as const;
export type Role = (typeof ROLES)[number];

/*
 * What each role may see of the footage: owners and members see every camera, viewers
 * only the cameras granted to them, installers none at all (they pair and check devices).
 */
export const FOOTAGE_ROLES: readonly Role[] = ['owner', 'member', 'viewer'];
export const DEVICE_ROLES: readonly Role[] = ['owner', 'installer'];
/** Roles that may change the arming. */
export const ARMING_ROLES: readonly Role[] = ['owner', 'member'];

import type { SecuritySettings } from '../common/api/users';
import type { DB } from '../common/database';
import { readSetting, writeSetting } from '../common/settingsTable';

/* The home's sign-in rules, set by an owner on the Household page; unset keys take their default. */

export type { SecuritySettings };

const DEFAULTS: SecuritySettings = { require2fa: false };

export function getSecuritySettings(db: DB): SecuritySettings {
  return { ...DEFAULTS, ...(readSetting<Partial<SecuritySettings>>(db, 'security') ?? {}) };
}

export function setSecuritySettings(db: DB, settings: SecuritySettings): void {
  writeSetting(db, 'security', settings);
}

/**
 * Whether `user` must set up 2FA before using the hub: the owner requires it and they have none.
 * Every route applies it (routeTable.ts), and open live views are checked against it too.
 */
export function mustEnroll2fa(db: DB, user: { totpEnabled: boolean }): boolean {
  return !user.totpEnabled && getSecuritySettings(db).require2fa;
}

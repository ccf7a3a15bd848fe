import type { DB } from '../common/database';
import { readSetting, writeSetting } from '../common/settingsTable';

/* The home's sign-in rules, set by an owner on the Household page; unset keys take their default. */

export interface SecuritySettings {
  /** Every user must enroll TOTP before they can do anything but enroll. */
  require2fa: boolean;
}

const DEFAULTS: SecuritySettings = { require2fa: false };

export function getSecuritySettings(db: DB): SecuritySettings {
  return { ...DEFAULTS, ...(readSetting<Partial<SecuritySettings>>(db, 'security') ?? {}) };
}

export function setSecuritySettings(db: DB, settings: SecuritySettings): void {
  writeSetting(db, 'security', settings);
}

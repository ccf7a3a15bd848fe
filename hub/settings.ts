import type { DB } from '../common/database';

/*
 * Household-wide settings the owner changes from the UI (not the config file, which
 * belongs to the installer). Values are JSON; unknown keys fall back to their default.
 */

export interface SecuritySettings {
  /** Every user must enroll TOTP before they can do anything but enroll. */
  require2fa: boolean;
}

const DEFAULTS: SecuritySettings = { require2fa: false };

export function getSecuritySettings(db: DB): SecuritySettings {
  const row = db.prepare("SELECT value FROM settings WHERE key = 'security'").get() as { value: string } | undefined;
  return { ...DEFAULTS, ...(row ? (JSON.parse(row.value) as Partial<SecuritySettings>) : {}) };
}

export function setSecuritySettings(db: DB, settings: SecuritySettings): void {
  db.prepare("INSERT INTO settings (key, value) VALUES ('security', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(JSON.stringify(settings));
}

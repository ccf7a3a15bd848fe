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

/** One JSON value of the settings table, or null when it was never set. */
export function readSetting<T>(db: DB, key: string): T | null {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : null;
}

export function writeSetting(db: DB, key: string, value: unknown): void {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value));
}

export function getSecuritySettings(db: DB): SecuritySettings {
  return { ...DEFAULTS, ...(readSetting<Partial<SecuritySettings>>(db, 'security') ?? {}) };
}

export function setSecuritySettings(db: DB, settings: SecuritySettings): void {
  writeSetting(db, 'security', settings);
}

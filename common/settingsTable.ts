import type { DB } from './database';

/*
 * Household-wide settings the owner changes from the UI (not the config file, which
 * belongs to the installer), one JSON value per key in the hub database's settings table.
 * The hub and the relay both read it (the relay follows the cloud target chosen there).
 */

/** One JSON value of the settings table, or null when it was never set. */
export function readSetting<T>(db: DB, key: string): T | null {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : null;
}

export function writeSetting(db: DB, key: string, value: unknown): void {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value));
}

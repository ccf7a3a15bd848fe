import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { MIGRATIONS } from './migrations';

export type DB = Database.Database;

/**
 * Opens the hub's SQLite database (shared by hub and relay, which run on the same Pi)
 * in WAL mode with full fsync, and brings its schema up to date.
 */
export function openDatabase(file: string): DB {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: a committed clip or queue row survives a power cut, not only a crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  migrate(db);
  return db;
}

export function migrate(db: DB): void {
  const apply = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `database schema version ${current} is newer than this Porchlight (${MIGRATIONS.length}): upgrade Porchlight`,
      );
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }
  });
  // IMMEDIATE: hub and relay may start together; only one migrates, the other waits.
  apply.immediate();
}

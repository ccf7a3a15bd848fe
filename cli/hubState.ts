import { existsSync, statSync } from 'node:fs';
import type { AuditLog } from '../common/auditLog';
import type { Config } from '../common/config';
import type { HubPaths } from '../common/dataLayout';
import type { DB } from '../common/database';
import { loadCommandConfig, type ConfigOptions } from '../common/serviceCommand';
import { CliError } from './cliError';

export interface HubState {
  db: DB;
  cfg: Config;
  paths: HubPaths;
  audit: AuditLog;
}

/**
 * A console command run as root (sudo) on a data directory the hub's user owns becomes that
 * user before it touches anything in it. Root acting inside a folder another user controls
 * follows whatever links that user planted there: a chown or a write would land on /etc (the
 * hub's user made root). As the owner, the command can do only what the hub itself could, and
 * what it leaves (the database's -wal and -shm, keys, configs) stays the hub's.
 */
export function becomeDataDirOwner(dataDir: string): void {
  if (process.geteuid?.() !== 0 || !existsSync(dataDir)) return;
  const { uid, gid } = statSync(dataDir);
  if (uid === 0) return;
  process.setgroups!([gid]);
  process.setgid!(gid);
  process.setuid!(uid);
}

/**
 * Opens the hub's state for a one-shot command and appends to its audit log as `cli`.
 * Only `create` commands (adding the first owner) may start a hub's state: a mistyped
 * --data or a missing --config must not quietly make a second, empty hub.
 */
export async function withHubState<T>(opts: ConfigOptions, work: (state: HubState) => Promise<T> | T, { create = false } = {}): Promise<T> {
  const cfg = loadCommandConfig(opts);
  becomeDataDirOwner(cfg.dataDir);
  const { openHubState } = await import('../hub/hub');
  const { hubPaths } = await import('../common/dataLayout');
  const { AuditLog } = await import('../common/auditLog');
  const { openDatabase } = await import('../common/database');
  const paths = hubPaths(cfg.dataDir);
  if (!create && !existsSync(paths.db)) {
    throw new CliError(`no hub database at ${paths.db}: check --config / --data (a hub is created by "porchlight user add" or "porchlight hub")`);
  }
  const db = create ? (await openHubState(cfg.dataDir)).db : openDatabase(paths.db);
  try {
    return await work({ db, cfg, paths, audit: new AuditLog(db, paths.auditHead) });
  } finally {
    db.close();
  }
}

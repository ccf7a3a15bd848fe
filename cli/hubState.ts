import { existsSync } from 'node:fs';
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
 * Opens the hub's state for a one-shot command and appends to its audit log as `cli`.
 * Only `create` commands (adding the first owner) may start a hub's state: a mistyped
 * --data or a missing --config must not quietly make a second, empty hub.
 */
export async function withHubState<T>(opts: ConfigOptions, work: (state: HubState) => Promise<T> | T, { create = false } = {}): Promise<T> {
  const cfg = loadCommandConfig(opts);
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

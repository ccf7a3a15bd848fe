import type { CloudHealth, RelayState } from '../api/system';
import type { DB } from '../database';

/*
 * The relay's state as the hub shows it (health endpoint, UI banner). The relay writes the
 * row when the state changes and on a slow heartbeat — not once per upload, to spare the
 * Pi's SD card — and the hub reads it; a stale heartbeat means the relay is not running.
 */

export type { CloudHealth, RelayState };

export interface RelayStatus {
  state: RelayState;
  since: number;
  target: string;
  lastError: string | null;
  lastUploadAt: number | null;
  heartbeatAt: number;
}

export const HEARTBEAT_MS = 30_000;

export function writeRelayStatus(db: DB, s: RelayStatus): void {
  db.prepare(
    `INSERT INTO relay_status (id, state, since, target, last_error, last_upload_at, heartbeat_at) VALUES (1, @state, @since, @target, @lastError, @lastUploadAt, @heartbeatAt)
     ON CONFLICT(id) DO UPDATE SET state = @state, since = @since, target = @target, last_error = @lastError, last_upload_at = @lastUploadAt, heartbeat_at = @heartbeatAt`,
  ).run(s);
}

export function readCloudHealth(db: DB, now: number): CloudHealth {
  const row = db.prepare('SELECT state, since, target, last_error, last_upload_at, heartbeat_at FROM relay_status WHERE id = 1').get() as
    | { state: RelayState; since: number; target: string; last_error: string | null; last_upload_at: number | null; heartbeat_at: number }
    | undefined;
  const backlog = db
    .prepare("SELECT COUNT(*) AS n, MIN(c.started_at) AS oldest FROM upload_queue q JOIN clips c ON c.id = q.clip_id WHERE q.state = 'pending' AND c.local_deleted_at IS NULL")
    .get() as { n: number; oldest: number | null };
  const alive = row !== undefined && now - row.heartbeat_at <= 3 * HEARTBEAT_MS;
  return {
    state: alive ? row.state : 'not-running',
    since: row?.since ?? null,
    target: row?.target ?? null,
    lastError: row?.last_error ?? null,
    lastUploadAt: row?.last_upload_at ?? null,
    pending: backlog.n,
    oldestPendingAt: backlog.oldest,
    heartbeatAt: row?.heartbeat_at ?? null,
  };
}

import type { DB } from '../common/database';

/*
 * The durable upload queue: a table in the hub's SQLite database (the relay runs beside
 * the hub on the same Pi). The hub inserts a row in the same transaction that indexes a
 * clip, so no stored clip can be missing from the queue.
 */

export interface QueueItem {
  clipId: string;
  objectName: string;
  attempts: number;
}

/** Exponential backoff with ±20 % jitter, capped. Pure. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.8 + random() * 0.4));
}

export class UploadQueue {
  constructor(private readonly db: DB) {}

  /** Pending items whose retry time has come, oldest clip first. */
  due(now: number, limit = 10): QueueItem[] {
    return (
      this.db
        .prepare(
          `SELECT clip_id AS clipId, object_name AS objectName, attempts FROM upload_queue
           WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY enqueued_at LIMIT ?`,
        )
        .all(now, limit) as QueueItem[]
    );
  }

  markUploaded(clipId: string, now: number): void {
    this.db.prepare("UPDATE upload_queue SET state = 'uploaded', uploaded_at = ?, last_error = NULL WHERE clip_id = ?").run(now, clipId);
  }

  markFailed(clipId: string, error: string, nextAttemptAt: number): void {
    this.db
      .prepare('UPDATE upload_queue SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE clip_id = ?')
      .run(error.slice(0, 500), nextAttemptAt, clipId);
  }

  /** After the target comes back, the backlog need not wait out its backoff. */
  retryAllNow(now: number): void {
    this.db.prepare("UPDATE upload_queue SET next_attempt_at = ? WHERE state = 'pending' AND next_attempt_at > ?").run(now, now);
  }

  counts(): { pending: number; uploaded: number } {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM upload_queue GROUP BY state').all() as Array<{ state: string; n: number }>;
    const get = (s: string) => rows.find((r) => r.state === s)?.n ?? 0;
    return { pending: get('pending'), uploaded: get('uploaded') };
  }
}

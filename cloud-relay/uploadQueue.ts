import type { DB } from '../common/database';
import type { ClipManifest } from '../common/clipManifest';

/*
 * The durable upload queue: a table in the hub's SQLite database (the relay runs beside
 * the hub on the same Pi). The hub inserts a row in the same transaction that indexes a
 * clip, so no stored clip can be missing from the queue. A row turns 'uploaded' only after
 * the target verified the clip and its manifest; retention trusts nothing else. What retention
 * reads and writes of the same tables is common/retention/clipCopies.ts.
 */

export interface QueueItem {
  clipId: string;
  objectName: string;
  attempts: number;
}

export class UploadQueue {
  constructor(private readonly db: DB) {}

  /** Pending items whose retry time has come, oldest clip first. */
  due(now: number, limit = 10): QueueItem[] {
    return this.db
      .prepare(
        `SELECT q.clip_id AS clipId, q.object_name AS objectName, q.attempts FROM upload_queue q JOIN clips c ON c.id = q.clip_id
         WHERE q.state = 'pending' AND q.next_attempt_at <= ? AND c.local_deleted_at IS NULL AND c.deleted_at IS NULL
         ORDER BY c.started_at, q.enqueued_at LIMIT ?`,
      )
      .all(now, limit) as QueueItem[];
  }

  /** What the manifest of a clip says, from the index. */
  manifestFields(clipId: string): Omit<ClipManifest, 'sha256' | 'objectName'> | undefined {
    return this.db
      .prepare(
        `SELECT c.id AS clipId, c.device_id AS deviceId, d.name AS deviceName, c.started_at AS startedAt, c.ended_at AS endedAt,
                c.media_start AS mediaStart, c.media_end AS mediaEnd, c.trigger, c.cipher_bytes AS cipherBytes,
                c.plain_bytes AS plainBytes, c.chunk_size AS chunkSize, c.stored_at AS storedAt
         FROM clips c JOIN devices d ON d.id = c.device_id WHERE c.id = ?`,
      )
      .get(clipId) as Omit<ClipManifest, 'sha256' | 'objectName'> | undefined;
  }

  markUploaded(clipId: string, sha256: string, now: number): void {
    this.db.prepare("UPDATE upload_queue SET state = 'uploaded', uploaded_at = ?, sha256 = ?, last_error = NULL WHERE clip_id = ?").run(now, sha256, clipId);
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

  /** Clips the owner deleted whose index rows wait for their cloud copy to be removed. */
  deleted(limit = 50): Array<{ clipId: string; objectName: string | null; cloudGone: boolean }> {
    const rows = this.db
      .prepare(
        `SELECT c.id AS clipId, q.object_name AS objectName, (q.clip_id IS NULL OR q.cloud_deleted_at IS NOT NULL) AS cloudGone
         FROM clips c LEFT JOIN upload_queue q ON q.clip_id = c.id WHERE c.deleted_at IS NOT NULL ORDER BY c.deleted_at LIMIT ?`,
      )
      .all(limit) as Array<{ clipId: string; objectName: string | null; cloudGone: number }>;
    return rows.map((r) => ({ ...r, cloudGone: r.cloudGone === 1 }));
  }

  isDeleted(clipId: string): boolean {
    return this.db.prepare('SELECT 1 FROM clips WHERE id = ? AND deleted_at IS NOT NULL').get(clipId) !== undefined;
  }

  /** Drops the index rows of a clip the owner deleted, once its cloud copy is gone. */
  forget(clipId: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM upload_queue WHERE clip_id = ?').run(clipId);
      this.db.prepare('DELETE FROM clips WHERE id = ?').run(clipId);
    })();
  }
}

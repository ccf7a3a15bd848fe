import type { DB } from '../database';
import type { RetentionClip } from './retentionPolicy';

/*
 * Where each copy of a clip is, as retention reads and records it: the clip index and the
 * upload queue in the hub's database. Both halves of retention use it — the hub for local
 * copies, the relay for cloud copies — so the two read one truth and each writes only its own
 * columns: the hub `clips.local_deleted_at`, the relay `upload_queue.cloud_deleted_at` and the
 * rows it forgets.
 */

export interface ClipCopy extends RetentionClip {
  objectName: string;
}

export class ClipCopies {
  constructor(private readonly db: DB) {}

  /**
   * Every clip with a copy somewhere, as the relay's cloud retention sees it: "uploaded" means
   * a verified cloud copy exists now. Clips the owner deleted are the relay's removeDeleted's.
   */
  cloudView(): ClipCopy[] {
    return this.view('(q.state = \'uploaded\' AND q.cloud_deleted_at IS NULL)');
  }

  /**
   * The same clips as the hub's local retention sees them: "uploaded" means the cloud once
   * held a verified copy. A copy that cloud retention has since removed lived out the owner's
   * cloudDays, so the local copy going too (at localDays, or for space) is retention, not a
   * lost clip — and a clip must not be stranded on the hub because the relay's cloud pass
   * happened to come before the hub's local one.
   */
  localView(): ClipCopy[] {
    return this.view("q.state = 'uploaded'");
  }

  private view(uploaded: string): ClipCopy[] {
    const rows = this.db
      .prepare(
        `SELECT c.id, c.started_at AS startedAt, c.cipher_bytes AS bytes, c.local_deleted_at IS NULL AS local,
                ${uploaded} AS uploaded, q.object_name AS objectName
         FROM clips c JOIN upload_queue q ON q.clip_id = c.id WHERE c.deleted_at IS NULL`,
      )
      .all() as Array<{ id: string; startedAt: number; bytes: number; local: number; uploaded: number; objectName: string }>;
    return rows.map((r) => ({ ...r, local: r.local === 1, uploaded: r.uploaded === 1 }));
  }

  /** Did the cloud ever verify this clip (whether or not cloud retention removed it since)? Read fresh before deleting a local copy. */
  wasUploaded(clipId: string): boolean {
    return this.db.prepare("SELECT 1 FROM upload_queue WHERE clip_id = ? AND state = 'uploaded'").get(clipId) !== undefined;
  }

  /** The hub no longer holds the clip's file (retention deleted it), so nobody may upload it. */
  isLocalGone(clipId: string): boolean {
    return this.db.prepare('SELECT 1 FROM clips WHERE id = ? AND local_deleted_at IS NOT NULL').get(clipId) !== undefined;
  }

  markLocalDeleted(clipId: string, now: number): void {
    this.db.prepare('UPDATE clips SET local_deleted_at = ? WHERE id = ?').run(now, clipId);
  }

  markCloudDeleted(clipId: string, now: number): void {
    this.db.prepare('UPDATE upload_queue SET cloud_deleted_at = ? WHERE clip_id = ?').run(now, clipId);
  }

  /**
   * Drops the index rows of a clip — only if, read now, it has no copy left anywhere: no local
   * file and no cloud copy. A plan made from an older snapshot cannot drop a clip whose local
   * copy the hub still holds. True when the rows went.
   */
  forgetIfNoCopy(clipId: string): boolean {
    return this.db.transaction(() => {
      const gone = this.db
        .prepare(
          `SELECT 1 FROM clips c LEFT JOIN upload_queue q ON q.clip_id = c.id
           WHERE c.id = ? AND c.local_deleted_at IS NOT NULL AND (q.clip_id IS NULL OR q.state <> 'uploaded' OR q.cloud_deleted_at IS NOT NULL)`,
        )
        .get(clipId);
      if (gone === undefined) return false;
      this.db.prepare('DELETE FROM upload_queue WHERE clip_id = ?').run(clipId);
      this.db.prepare('DELETE FROM clips WHERE id = ?').run(clipId);
      return true;
    })();
  }
}

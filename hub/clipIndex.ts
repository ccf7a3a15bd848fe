import type { ClipLabel, ClipRecord } from '../common/api/clips';
import type { DB } from '../common/database';
import { defaultDetectionSettings, type DetectionSettings } from '../common/detectionSettings';
import { objectRulesOf } from './cameraSettingsStore';
import { clipLabels } from './clipLabels';
import type { ObjectRules } from './objectAlertPolicy';
import type { TimelineQuery } from './timelineQuery';

/*
 * The clip index: what the hub knows of each stored clip (SQLite, joined with its camera and
 * its upload), as the lists, the timeline and the dashboard ask for it.
 */

export type { ClipRecord };

export interface ClipRow {
  id: string;
  device_id: string;
  device_name: string;
  started_at: number;
  ended_at: number;
  media_start: number;
  media_end: number;
  trigger: string;
  plain_bytes: number;
  cipher_bytes: number;
  upload_state: string | null;
  local_deleted_at: number | null;
  cloud_deleted_at: number | null;
  object_name: string | null;
}

export const SELECT_CLIP = `
  SELECT c.id, c.device_id, d.name AS device_name, c.started_at, c.ended_at, c.media_start, c.media_end,
         c.trigger, c.plain_bytes, c.cipher_bytes, q.state AS upload_state, c.local_deleted_at, q.cloud_deleted_at, q.object_name
  FROM clips c JOIN devices d ON d.id = c.device_id LEFT JOIN upload_queue q ON q.clip_id = c.id`;

export function toRecord(r: ClipRow, labels: ClipLabel[]): ClipRecord {
  return {
    id: r.id,
    deviceId: r.device_id,
    deviceName: r.device_name,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    mediaStart: r.media_start,
    mediaEnd: r.media_end,
    trigger: r.trigger,
    plainBytes: r.plain_bytes,
    cipherBytes: r.cipher_bytes,
    uploaded: r.upload_state === 'uploaded',
    local: r.local_deleted_at === null,
    inCloud: r.upload_state === 'uploaded' && r.cloud_deleted_at === null,
    objectName: r.object_name,
    labels,
  };
}

export class ClipIndex {
  constructor(
    readonly db: DB,
    /** The hub's `hub.detection`: how a camera never saved on the Cameras page counts what its clips hold. */
    readonly detectionDefault: DetectionSettings = defaultDetectionSettings(),
  ) {}

  /** Rows as records with their labels; each camera's settings read once per call. */
  recordsOf(rows: ClipRow[]): ClipRecord[] {
    const judgements = new Map<string, ObjectRules>();
    return rows.map((r) => {
      let j = judgements.get(r.device_id);
      if (!j) {
        j = objectRulesOf(this.db, r.device_id, this.detectionDefault);
        judgements.set(r.device_id, j);
      }
      return toRecord(r, clipLabels(this.db, { deviceId: r.device_id, startedAt: r.started_at, endedAt: r.ended_at }, j));
    });
  }

  /** A clip that was not deleted by its owner. */
  get(clipId: string): ClipRecord | undefined {
    const row = this.db.prepare(`${SELECT_CLIP} WHERE c.id = ? AND c.deleted_at IS NULL`).get(clipId) as ClipRow | undefined;
    return row && this.recordsOf([row])[0];
  }

  /** Newest first; `cameras` limits the list to the cameras a user may see. */
  list(limit = 200, before?: number, cameras: 'all' | readonly string[] = 'all'): ClipRecord[] {
    if (cameras !== 'all' && cameras.length === 0) return [];
    const only = cameras === 'all' ? '' : ` AND c.device_id IN (${cameras.map(() => '?').join(', ')})`;
    const rows = this.db
      .prepare(`${SELECT_CLIP} WHERE c.started_at < ? AND c.deleted_at IS NULL${only} ORDER BY c.started_at DESC LIMIT ?`)
      .all(before ?? Number.MAX_SAFE_INTEGER, ...(cameras === 'all' ? [] : cameras), limit) as ClipRow[];
    return this.recordsOf(rows);
  }

  /** One page of the timeline, newest first (ties by id, so a cursor neither skips nor repeats). */
  timeline(q: TimelineQuery, cameras: 'all' | readonly string[] = 'all'): ClipRecord[] {
    if (cameras !== 'all' && cameras.length === 0) return [];
    const where = ['c.deleted_at IS NULL'];
    const args: Array<string | number> = [];
    if (cameras !== 'all') {
      where.push(`c.device_id IN (${cameras.map(() => '?').join(', ')})`);
      args.push(...cameras);
    }
    if (q.camera !== null) {
      where.push('c.device_id = ?');
      args.push(q.camera);
    }
    if (q.from !== null) {
      where.push('c.started_at >= ?');
      args.push(q.from);
    }
    if (q.to !== null) {
      where.push('c.started_at < ?');
      args.push(q.to);
    }
    if (q.labels.length > 0) {
      // Only clips where the detector kept one of these labels at all (motion_labels' key, a
      // range per clip); whether it counts under the camera's settings is judged below.
      where.push(`EXISTS (SELECT 1 FROM motion_labels l WHERE l.device_id = c.device_id AND l.event_at BETWEEN c.started_at AND c.ended_at AND l.label IN (${q.labels.map(() => '?').join(', ')}))`);
      args.push(...q.labels);
    }
    const out: ClipRecord[] = [];
    let before = q.before;
    // Without a label filter one query fills the page. With one, a clip whose labels do not
    // count (a person outside the zones) is left out, so pages are read on until full.
    for (;;) {
      const cursor: string[] = [];
      const cursorArgs: Array<string | number> = [];
      if (before !== null) {
        if (before.id === null) {
          cursor.push('c.started_at < ?');
          cursorArgs.push(before.startedAt);
        } else {
          cursor.push('(c.started_at < ? OR (c.started_at = ? AND c.id < ?))');
          cursorArgs.push(before.startedAt, before.startedAt, before.id);
        }
      }
      const rows = this.db
        .prepare(`${SELECT_CLIP} WHERE ${[...where, ...cursor].join(' AND ')} ORDER BY c.started_at DESC, c.id DESC LIMIT ?`)
        .all(...args, ...cursorArgs, q.limit) as ClipRow[];
      for (const record of this.recordsOf(rows)) {
        if (q.labels.length === 0 || record.labels.some((l) => q.labels.includes(l.label))) out.push(record);
        if (out.length === q.limit) return out;
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < q.limit) return out;
      before = { startedAt: last.started_at, id: last.id };
    }
  }

  /** The newest clip of a camera, for its tile on the dashboard. */
  latestOf(deviceId: string): ClipRecord | undefined {
    const row = this.db
      .prepare(`${SELECT_CLIP} WHERE c.device_id = ? AND c.deleted_at IS NULL ORDER BY c.started_at DESC, c.id DESC LIMIT 1`)
      .get(deviceId) as ClipRow | undefined;
    return row && this.recordsOf([row])[0];
  }

  /**
   * The camera's clips with a local copy that hold a motion start at `at` (the labels' rule:
   * the start lies within the clip). Bounded by the index on (device_id, started_at): a clip
   * is at most a minute long, so only starts up to an hour before `at` are looked at.
   */
  localHolding(deviceId: string, at: number): ClipRecord[] {
    const rows = this.db
      .prepare(`${SELECT_CLIP} WHERE c.device_id = ? AND c.started_at BETWEEN ? AND ? AND c.ended_at >= ? AND c.deleted_at IS NULL AND c.local_deleted_at IS NULL`)
      .all(deviceId, at - 3_600_000, at, at) as ClipRow[];
    return this.recordsOf(rows);
  }

  /** Clips the hub still keeps a copy of, and their bytes on its disk: of every camera, or of these. */
  localUsage(cameras: 'all' | readonly string[] = 'all'): { clips: number; bytes: number } {
    if (cameras !== 'all' && cameras.length === 0) return { clips: 0, bytes: 0 };
    const only = cameras === 'all' ? '' : ` AND device_id IN (${cameras.map(() => '?').join(', ')})`;
    return this.db.prepare(`SELECT COUNT(*) AS clips, COALESCE(SUM(cipher_bytes), 0) AS bytes FROM clips WHERE local_deleted_at IS NULL${only}`).get(...(cameras === 'all' ? [] : cameras)) as { clips: number; bytes: number };
  }
}

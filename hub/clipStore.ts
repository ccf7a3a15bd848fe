import type { ClipRecord } from '../common/api/clips';
import { createReadStream, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import type { DB } from '../common/database';
import { AtomicFileWriter } from '../common/atomicFile';
import { ClipDecryptor, createDecryptStream, type FootageKeyPair } from '../common/clipEnvelope';
import { ClipError } from '../common/clipErrors';
import { CLIP_ID_PATTERN, type ClipUploadMeta } from '../common/protocol';
import type { UploadTarget } from '../common/cloud/uploadTarget';
import type { TimelineQuery } from './timelineQuery';

/*
 * The hub's store of encrypted clips: one envelope file per clip under clips/, indexed
 * in SQLite. An upload is authenticated chunk by chunk as it arrives (the hub holds the
 * footage key), so a tampered or truncated clip is refused before anything is indexed.
 */

export class ClipIngestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type { ClipRecord };

interface ClipRow {
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

const SELECT_CLIP = `
  SELECT c.id, c.device_id, d.name AS device_name, c.started_at, c.ended_at, c.media_start, c.media_end,
         c.trigger, c.plain_bytes, c.cipher_bytes, q.state AS upload_state, c.local_deleted_at, q.cloud_deleted_at, q.object_name
  FROM clips c JOIN devices d ON d.id = c.device_id LEFT JOIN upload_queue q ON q.clip_id = c.id`;

function toRecord(r: ClipRow): ClipRecord {
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
  };
}

const MP4_FTYP = Buffer.from('ftyp', 'ascii');

export class ClipStore {
  constructor(
    private readonly db: DB,
    readonly clipsDir: string,
    private readonly tmpDir: string,
    private readonly keys: FootageKeyPair,
    private readonly maxBytes: number,
    /** Where clips whose local copy retention deleted are played from. */
    private readonly cloud: UploadTarget | null = null,
  ) {}

  async init(): Promise<void> {
    await fs.mkdir(this.clipsDir, { recursive: true, mode: 0o700 });
    await fs.mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
    // Leftovers of uploads cut off by a crash: never indexed, safe to drop.
    for (const name of await fs.readdir(this.tmpDir)) await fs.rm(path.join(this.tmpDir, name), { force: true });
  }

  fileOf(clipId: string): string {
    if (!CLIP_ID_PATTERN.test(clipId)) throw new ClipIngestError(400, 'BAD_CLIP_ID', 'clip id is not valid');
    return path.join(this.clipsDir, `${clipId}.plc`);
  }

  /** A clip that was not deleted by its owner. */
  get(clipId: string): ClipRecord | undefined {
    const row = this.db.prepare(`${SELECT_CLIP} WHERE c.id = ? AND c.deleted_at IS NULL`).get(clipId) as ClipRow | undefined;
    return row && toRecord(row);
  }

  /** Newest first; `cameras` limits the list to the cameras a user may see. */
  list(limit = 200, before?: number, cameras: 'all' | readonly string[] = 'all'): ClipRecord[] {
    if (cameras !== 'all' && cameras.length === 0) return [];
    const only = cameras === 'all' ? '' : ` AND c.device_id IN (${cameras.map(() => '?').join(', ')})`;
    const rows = this.db
      .prepare(`${SELECT_CLIP} WHERE c.started_at < ? AND c.deleted_at IS NULL${only} ORDER BY c.started_at DESC LIMIT ?`)
      .all(before ?? Number.MAX_SAFE_INTEGER, ...(cameras === 'all' ? [] : cameras), limit) as ClipRow[];
    return rows.map(toRecord);
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
    if (q.before !== null) {
      if (q.before.id === null) {
        where.push('c.started_at < ?');
        args.push(q.before.startedAt);
      } else {
        where.push('(c.started_at < ? OR (c.started_at = ? AND c.id < ?))');
        args.push(q.before.startedAt, q.before.startedAt, q.before.id);
      }
    }
    const rows = this.db
      .prepare(`${SELECT_CLIP} WHERE ${where.join(' AND ')} ORDER BY c.started_at DESC, c.id DESC LIMIT ?`)
      .all(...args, q.limit) as ClipRow[];
    return rows.map(toRecord);
  }

  /** The newest clip of a camera, for its tile on the dashboard. */
  latestOf(deviceId: string): ClipRecord | undefined {
    const row = this.db
      .prepare(`${SELECT_CLIP} WHERE c.device_id = ? AND c.deleted_at IS NULL ORDER BY c.started_at DESC, c.id DESC LIMIT 1`)
      .get(deviceId) as ClipRow | undefined;
    return row && toRecord(row);
  }

  /** Clips the hub still keeps a copy of, and their bytes on its disk. */
  localUsage(): { clips: number; bytes: number } {
    return this.db.prepare('SELECT COUNT(*) AS clips, COALESCE(SUM(cipher_bytes), 0) AS bytes FROM clips WHERE local_deleted_at IS NULL').get() as { clips: number; bytes: number };
  }

  /**
   * The owner deletes a clip: it disappears from every list at once and its local file goes.
   * The row stays, marked, for the relay: it removes the cloud copy (retrying while offline,
   * and after an upload that was in flight), then forgets the clip. False when there was no
   * such clip (or it was deleted already).
   */
  async delete(clipId: string, now: number): Promise<boolean> {
    const marked = this.db
      .prepare('UPDATE clips SET deleted_at = ?, local_deleted_at = COALESCE(local_deleted_at, ?) WHERE id = ? AND deleted_at IS NULL')
      .run(now, now, clipId).changes;
    if (marked === 0) return false;
    // If this fails (a read-only disk) the clip is already gone from every list; sweepDeleted retries.
    await fs.rm(this.fileOf(clipId), { force: true });
    return true;
  }

  /** Local files of deleted clips that a failed removal left behind. */
  async sweepDeleted(): Promise<number> {
    const rows = this.db.prepare('SELECT id FROM clips WHERE deleted_at IS NOT NULL').all() as Array<{ id: string }>;
    let removed = 0;
    for (const { id } of rows) {
      try {
        await fs.rm(this.fileOf(id), { force: false });
        removed += 1;
      } catch {
        // Already gone, or still unremovable: the next sweep tries again.
      }
    }
    return removed;
  }

  /**
   * Stores an uploaded clip. Idempotent per clip id and device, so an agent that lost
   * the acknowledgement can simply send again.
   */
  async ingest(deviceId: string, meta: ClipUploadMeta, body: Readable, declaredLength?: number): Promise<{ record: ClipRecord; duplicate: boolean }> {
    const finalPath = this.fileOf(meta.clipId);
    if (declaredLength !== undefined && declaredLength > this.maxBytes) {
      throw new ClipIngestError(413, 'CLIP_TOO_LARGE', `clip is larger than the hub accepts (${this.maxBytes} bytes)`);
    }
    if (meta.endedAt < meta.startedAt || meta.mediaEnd < meta.mediaStart) {
      throw new ClipIngestError(400, 'BAD_CLIP_META', 'clip ends before it starts');
    }
    const existing = this.db.prepare('SELECT device_id FROM clips WHERE id = ?').get(meta.clipId) as { device_id: string } | undefined;
    if (existing) {
      body.resume();
      if (existing.device_id !== deviceId) throw new ClipIngestError(409, 'CLIP_ID_TAKEN', 'clip id belongs to another device');
      // A camera resending a clip the owner has deleted since is acknowledged, not stored again.
      const row = this.db.prepare(`${SELECT_CLIP} WHERE c.id = ?`).get(meta.clipId) as ClipRow;
      return { record: toRecord(row), duplicate: true };
    }

    const writer = await AtomicFileWriter.open(finalPath, path.join(this.tmpDir, `${meta.clipId}.${randomBytes(4).toString('hex')}.tmp`)).catch((err: unknown) => {
      body.resume();
      throw diskError(err) ?? err;
    });
    try {
      const decryptor = await ClipDecryptor.create(this.keys);
      let cipherBytes = 0;
      let plainBytes = 0;
      const first: { plain: Buffer | null } = { plain: null };
      const take = (plain: Buffer[]) => {
        for (const p of plain) {
          if (!first.plain && p.length > 0) first.plain = p;
          plainBytes += p.length;
        }
      };
      for await (const chunk of body as AsyncIterable<Buffer>) {
        cipherBytes += chunk.length;
        if (cipherBytes > this.maxBytes) {
          throw new ClipIngestError(413, 'CLIP_TOO_LARGE', `clip is larger than the hub accepts (${this.maxBytes} bytes)`);
        }
        take(decryptor.push(chunk));
        await writer.write(chunk);
      }
      take(decryptor.end());
      const routing = decryptor.clipHeader!.routing;
      if (routing.clipId !== meta.clipId || routing.deviceId !== deviceId) {
        throw new ClipIngestError(403, 'CLIP_NOT_YOURS', 'the clip was recorded by another device or under another id');
      }
      const head = first.plain;
      if (!head || head.length < 8 || !head.subarray(4, 8).equals(MP4_FTYP)) {
        throw new ClipIngestError(400, 'CLIP_NOT_MP4', 'the clip does not contain an MP4 video');
      }
      await writer.commit();
      const now = Date.now();
      try {
        this.db.transaction(() => {
          this.db
            .prepare(
              `INSERT INTO clips (id, device_id, started_at, ended_at, media_start, media_end, trigger, cipher_bytes, plain_bytes, chunk_size, stored_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(meta.clipId, deviceId, meta.startedAt, meta.endedAt, meta.mediaStart, meta.mediaEnd, meta.trigger, cipherBytes, plainBytes, decryptor.clipHeader!.chunkSize, now);
          this.db
            .prepare("INSERT INTO upload_queue (clip_id, object_name, state, next_attempt_at, enqueued_at) VALUES (?, ?, 'pending', ?, ?)")
            .run(meta.clipId, randomBytes(16).toString('hex'), now, now);
        })();
      } catch (err) {
        await fs.rm(finalPath, { force: true });
        throw err;
      }
      return { record: this.get(meta.clipId)!, duplicate: false };
    } catch (err) {
      await writer.abort().catch(() => undefined);
      body.resume();
      if (err instanceof ClipError) throw new ClipIngestError(400, err.code, `clip rejected: ${err.message}`);
      throw diskError(err) ?? err;
    }
  }

  /** Decrypting stream of plaintext bytes [start, end] (inclusive) of a stored clip. */
  async openPlayback(clip: ClipRecord, start: number, end: number): Promise<Readable> {
    const plain = await this.openPlain(clip);
    const ranged = plain.pipe(byteRange(start, end));
    // pipe() does not forward errors: without this a clip failing to decrypt would hang its reader.
    plain.on('error', (err) => ranged.destroy(err));
    ranged.on('close', () => plain.destroy());
    return ranged;
  }

  /**
   * The whole plaintext of a clip, from the local copy or else the cloud copy. Errors of the
   * source or of decryption end the stream with that error; destroying it stops the reading
   * (and a cloud download) early.
   */
  async openPlain(clip: ClipRecord): Promise<Readable> {
    const decryptor = await ClipDecryptor.create(this.keys);
    let source: Readable;
    if (clip.local) {
      source = createReadStream(this.fileOf(clip.id));
    } else if (clip.inCloud && clip.objectName && this.cloud) {
      try {
        source = await this.cloud.get(`${clip.objectName}.plc`);
      } catch (err) {
        throw new ClipIngestError(502, 'CLOUD_UNAVAILABLE', `this clip is kept only in the cloud, which cannot be reached now (${(err as Error).message})`);
      }
    } else {
      throw new ClipIngestError(410, 'CLIP_GONE', 'this clip was deleted by the retention settings');
    }
    const plain = source.pipe(createDecryptStream(decryptor));
    source.on('error', (err) => plain.destroy(err));
    plain.on('close', () => source.destroy());
    return plain;
  }
}

/** The hub's own disk refusing a write: a 507 the camera retries later, keeping the clip in its spool. */
function diskError(err: unknown): ClipIngestError | null {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new ClipIngestError(507, 'HUB_DISK_FULL', "the hub's disk is full; the camera keeps the clip and sends it later");
  if (code === 'EROFS') return new ClipIngestError(507, 'HUB_DISK_READ_ONLY', "the hub's disk is read-only; the camera keeps the clip and sends it later");
  return null;
}

/** Passes through only bytes [start, end] of a stream; secretstream cannot seek, so earlier bytes are decrypted and dropped. */
export function byteRange(start: number, end: number): Transform {
  let offset = 0;
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (done) return cb();
      const from = Math.max(start - offset, 0);
      const to = Math.min(end + 1 - offset, chunk.length);
      offset += chunk.length;
      if (to > from) this.push(chunk.subarray(from, to));
      if (offset > end) {
        done = true;
        this.push(null);
      }
      cb();
    },
  });
}

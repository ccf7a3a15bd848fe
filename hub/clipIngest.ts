import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { AtomicFileWriter } from '../common/atomicFile';
import { ClipDecryptor, type FootageKeyPair } from '../common/clipEnvelope';
import { ClipError } from '../common/clipErrors';
import type { DB } from '../common/database';
import type { ClipUploadMeta } from '../common/protocol';
import type { DetectionSettings } from '../common/detectionSettings';
import { SELECT_CLIP, type ClipRecord, type ClipRow } from './clipIndex';
import { objectRulesOf } from './cameraSettingsStore';
import { CLIP_FILE_MODE } from './dataDirModes';
import { clipEvents, keepArrivingClip } from './clipLabels';
import { ClipStoreError } from './clipStoreError';

/*
 * A camera's upload, taken in: authenticated chunk by chunk as it arrives (the hub holds the
 * footage key), so a tampered, truncated, foreign or non-MP4 clip is refused before anything
 * is indexed; the file and its index and queue rows appear together or not at all.
 */

/** What ingest needs of the store it fills. */
export interface IngestTarget {
  db: DB;
  keys: FootageKeyPair;
  maxBytes: number;
  tmpDir: string;
  fileOf(clipId: string): string;
  get(clipId: string): ClipRecord | undefined;
  recordsOf(rows: ClipRow[]): ClipRecord[];
  detectionDefault: DetectionSettings;
  /** Told of a clip acknowledged but not kept (nothing counted, recordWithoutObject off): for the audit log. */
  onDropped: ((clip: DroppedClip) => void) | null;
}

/** A motion clip the hub took in and let go: what the audit log and the log say of it (no footage, no secrets). */
export interface DroppedClip {
  clipId: string;
  deviceId: string;
  startedAt: number;
  endedAt: number;
  /** The motion starts (ms) it covered, each looked at by the detector with nothing counted. */
  events: number[];
}

export interface IngestResult {
  record: ClipRecord;
  duplicate: boolean;
  /**
   * The clip was acknowledged (the camera deletes its copy) but not stored: the detector looked
   * at all its motion and nothing counted, and the camera records motion with an object only.
   */
  dropped: boolean;
}

const MP4_FTYP = Buffer.from('ftyp', 'ascii');

/**
 * Stores an uploaded clip. Idempotent per clip id and device, so an agent that lost
 * the acknowledgement can simply send again.
 */
/**
 * What every upload goes through before its bytes are read, with the key unlocked or not: the
 * size and times it claims, a resend of a clip already stored (answered as it was), and the
 * temp file its bytes go to.
 */
export async function openIngest(
  store: Omit<IngestTarget, 'keys'>,
  deviceId: string,
  meta: ClipUploadMeta,
  body: Readable,
  declaredLength?: number,
): Promise<{ duplicate: IngestResult; writer?: never } | { writer: AtomicFileWriter; duplicate?: never }> {
  const { db, maxBytes, tmpDir } = store;
  if (declaredLength !== undefined && declaredLength > maxBytes) {
    throw new ClipStoreError(413, 'CLIP_TOO_LARGE', `clip is larger than the hub accepts (${maxBytes} bytes)`);
  }
  if (meta.endedAt < meta.startedAt || meta.mediaEnd < meta.mediaStart) {
    throw new ClipStoreError(400, 'BAD_CLIP_META', 'clip ends before it starts');
  }
  const existing = db.prepare('SELECT device_id FROM clips WHERE id = ?').get(meta.clipId) as { device_id: string } | undefined;
  if (existing) {
    body.resume();
    if (existing.device_id !== deviceId) throw new ClipStoreError(409, 'CLIP_ID_TAKEN', 'clip id belongs to another device');
    // A camera resending a clip the owner has deleted since is acknowledged, not stored again.
    const row = db.prepare(`${SELECT_CLIP} WHERE c.id = ?`).get(meta.clipId) as ClipRow;
    return { duplicate: { record: store.recordsOf([row])[0]!, duplicate: true, dropped: false } };
  }
  const writer = await AtomicFileWriter.open(store.fileOf(meta.clipId), path.join(tmpDir, `${meta.clipId}.${randomBytes(4).toString('hex')}.tmp`), CLIP_FILE_MODE).catch((err: unknown) => {
    body.resume();
    throw diskError(err) ?? err;
  });
  return { writer };
}

export async function ingestClip(store: IngestTarget, deviceId: string, meta: ClipUploadMeta, body: Readable, declaredLength?: number): Promise<IngestResult> {
  const { db, keys, maxBytes } = store;
  const opened = await openIngest(store, deviceId, meta, body, declaredLength);
  if (opened.duplicate) return opened.duplicate;
  const { writer } = opened;
  try {
    const decryptor = await ClipDecryptor.create(keys);
    let cipherBytes = 0;
    let plainBytes = 0;
    const first: { plain: Buffer | null } = { plain: null };
    const take = (plain: Buffer[]) => {
      for (const p of plain) {
        if (!first.plain && p.length > 0) first.plain = p;
        plainBytes += p.length;
      }
    };
    // Leaving this loop early (a full disk, a tampered chunk, too many bytes) must not destroy
    // the body: destroying a server request stops its socket being read without closing it, so
    // the refusal still goes out on a keep-alive connection whose next request is never read,
    // and the camera's next upload hangs until its timeout. Left intact, the body is drained
    // below (and by node once the answer is sent), and the connection stays usable.
    for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      cipherBytes += chunk.length;
      if (cipherBytes > maxBytes) {
        throw new ClipStoreError(413, 'CLIP_TOO_LARGE', `clip is larger than the hub accepts (${maxBytes} bytes)`);
      }
      take(decryptor.push(chunk));
      await writer.write(chunk);
    }
    take(decryptor.end());
    const routing = decryptor.routing;
    if (routing.clipId !== meta.clipId || routing.deviceId !== deviceId) {
      throw new ClipStoreError(403, 'CLIP_NOT_YOURS', 'the clip was recorded by another device or under another id');
    }
    const head = first.plain;
    if (!head || head.length < 8 || !head.subarray(4, 8).equals(MP4_FTYP)) {
      throw new ClipStoreError(400, 'CLIP_NOT_MP4', 'the clip does not contain an MP4 video');
    }
    // Judged only once the upload proved to be this camera's clip: a forged one is refused, not acknowledged.
    if (meta.trigger === 'motion') {
      const events = clipEvents(db, deviceId, meta.startedAt, meta.endedAt);
      if (!keepArrivingClip(events, objectRulesOf(db, deviceId, store.detectionDefault))) {
        await writer.abort();
        store.onDropped?.({ clipId: meta.clipId, deviceId, startedAt: meta.startedAt, endedAt: meta.endedAt, events: events.map((e) => e.at) });
        return { record: droppedRecord(db, deviceId, meta, cipherBytes, plainBytes), duplicate: false, dropped: true };
      }
    }
    await writer.commit();
    return await indexClip(store, deviceId, meta, { cipherBytes, plainBytes, chunkSize: decryptor.clipHeader!.chunkSize });
  } catch (err) {
    await writer.abort().catch(() => undefined);
    body.resume();
    if (err instanceof ClipError) throw new ClipStoreError(400, err.code, `clip rejected: ${err.message}`);
    throw diskError(err) ?? err;
  }
}

/**
 * Indexes a clip whose file is committed: its row and its place in the upload queue, in one
 * transaction with `alsoInTransaction` (a held clip's mark); the file goes again if that fails.
 */
export async function indexClip(
  store: Omit<IngestTarget, 'keys'>,
  deviceId: string,
  meta: ClipUploadMeta,
  sizes: { cipherBytes: number; plainBytes: number; chunkSize: number },
  alsoInTransaction: (now: number) => void = () => undefined,
): Promise<IngestResult> {
  const { db } = store;
  const now = Date.now();
  try {
    db.transaction(() => {
      db
        .prepare(
          `INSERT INTO clips (id, device_id, started_at, ended_at, media_start, media_end, trigger, cipher_bytes, plain_bytes, chunk_size, stored_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(meta.clipId, deviceId, meta.startedAt, meta.endedAt, meta.mediaStart, meta.mediaEnd, meta.trigger, sizes.cipherBytes, sizes.plainBytes, sizes.chunkSize, now);
      db
        .prepare("INSERT INTO upload_queue (clip_id, object_name, state, next_attempt_at, enqueued_at) VALUES (?, ?, 'pending', ?, ?)")
        .run(meta.clipId, randomBytes(16).toString('hex'), now, now);
      alsoInTransaction(now);
    })();
  } catch (err) {
    await fs.rm(store.fileOf(meta.clipId), { force: true });
    throw err;
  }
  return { record: store.get(meta.clipId)!, duplicate: false, dropped: false };
}

/** What the upload's answer says of a clip that was not kept: no copy anywhere, no labels. */
function droppedRecord(db: DB, deviceId: string, meta: ClipUploadMeta, cipherBytes: number, plainBytes: number): ClipRecord {
  const device = db.prepare('SELECT name FROM devices WHERE id = ?').get(deviceId) as { name: string } | undefined;
  return {
    id: meta.clipId,
    deviceId,
    deviceName: device?.name ?? '',
    startedAt: meta.startedAt,
    endedAt: meta.endedAt,
    mediaStart: meta.mediaStart,
    mediaEnd: meta.mediaEnd,
    trigger: meta.trigger,
    plainBytes,
    cipherBytes,
    uploaded: false,
    local: false,
    inCloud: false,
    objectName: null,
    labels: [],
  };
}

/** The hub's own disk refusing a write: a 507 the camera retries later, keeping the clip in its spool. */
export function diskError(err: unknown): ClipStoreError | null {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new ClipStoreError(507, 'HUB_DISK_FULL', "the hub's disk is full; the camera keeps the clip and sends it later");
  if (code === 'EROFS') return new ClipStoreError(507, 'HUB_DISK_READ_ONLY', "the hub's disk is read-only; the camera keeps the clip and sends it later");
  return null;
}

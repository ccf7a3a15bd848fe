import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { FootageKeyPair } from '../common/clipEnvelope';
import type { UploadTarget } from '../common/cloud/uploadTarget';
import type { DB } from '../common/database';
import { CLIP_ID_PATTERN, type ClipUploadMeta } from '../common/protocol';
import { ClipIndex, type ClipRecord } from './clipIndex';
import type { DetectionSettings } from '../common/detectionSettings';
import { ingestClip, type DroppedClip, type IngestResult } from './clipIngest';
import { openClipRange, openPlainClip } from './clipPlayback';
import { ClipStoreError } from './clipStoreError';
import { FootageKeyring } from './footageKeyring';
import { ingestHeldClip } from './heldClips';

/*
 * The hub's store of encrypted clips: one envelope file per clip under clips/, indexed in
 * SQLite. This class owns the folder (its layout, deletions); the queries are the index's
 * (clipIndex.ts), taking uploads in is clipIngest.ts, playing them clipPlayback.ts.
 */

export type { ClipRecord };

export class ClipStore extends ClipIndex {
  readonly keyring: FootageKeyring;

  constructor(
    db: DB,
    readonly clipsDir: string,
    readonly tmpDir: string,
    keys: FootageKeyPair | FootageKeyring,
    readonly maxBytes: number,
    /** Where clips whose local copy retention deleted are played from. */
    readonly cloud: UploadTarget | null = null,
    detectionDefault?: DetectionSettings,
  ) {
    super(db, detectionDefault);
    this.keyring = keys instanceof FootageKeyring ? keys : FootageKeyring.of(keys);
  }

  /** The footage key pair; FootageKeyLockedError (423) while the hub's wrapped key is locked. */
  get keys(): FootageKeyPair {
    return this.keyring.pair();
  }

  /** Told of each motion clip acknowledged but not kept (the hub audits and logs it). */
  onDropped: ((clip: DroppedClip) => void) | null = null;

  async init(): Promise<void> {
    await fs.mkdir(this.clipsDir, { recursive: true, mode: 0o700 });
    await fs.mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
    // Leftovers of uploads cut off by a crash: never indexed, safe to drop.
    for (const name of await fs.readdir(this.tmpDir)) await fs.rm(path.join(this.tmpDir, name), { force: true });
  }

  fileOf(clipId: string): string {
    if (!CLIP_ID_PATTERN.test(clipId)) throw new ClipStoreError(400, 'BAD_CLIP_ID', 'clip id is not valid');
    return path.join(this.clipsDir, `${clipId}.plc`);
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
  async ingest(deviceId: string, meta: ClipUploadMeta, body: Readable, declaredLength?: number): Promise<IngestResult> {
    if (!this.keyring.locked) return ingestClip(this, deviceId, meta, body, declaredLength);
    // Locked: sealed to the public key already, so kept now and verified once unlocked (heldClips.ts).
    const result = await ingestHeldClip(this, deviceId, meta, body, declaredLength);
    // The key opened while the clip was arriving, after the unlock's check of the held clips
    // ran: without this the clip (a forged one too) stayed unchecked until the next unlock or start.
    if (!this.keyring.locked) this.onHeldWhileUnlocked?.();
    return result;
  }

  /** Told when a clip taken in as held finishes arriving after the key was unlocked (the hub checks the held clips again). */
  onHeldWhileUnlocked: (() => void) | null = null;

  /** Decrypting stream of plaintext bytes [start, end] (inclusive) of a stored clip. */
  openPlayback(clip: ClipRecord, start: number, end: number): Promise<Readable> {
    return openClipRange(this, clip, start, end);
  }

  /** The whole plaintext of a clip, from the local copy or else the cloud copy. */
  openPlain(clip: ClipRecord): Promise<Readable> {
    return openPlainClip(this, clip);
  }
}

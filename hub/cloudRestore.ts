import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { DB } from '../common/database';
import type { FootageKeyPair } from '../common/clipEnvelope';
import type { HubPaths } from '../common/dataLayout';
import { saveFootageKeyPair, saveFootagePublicKey } from '../common/footageKeys';
import { ManifestError, openManifest, type ClipManifest } from '../common/clipManifest';
import type { UploadTarget } from '../common/cloud/uploadTarget';

/*
 * `porchlight cloud restore`: rebuilds the clip index of a hub from the bucket alone — after
 * a dead SD card, on a new Pi — using the footage key from the owner's recovery file. Each
 * clip's sealed manifest says what the clip is; only manifests whose clip object is there
 * with the size the manifest names are indexed. Restored clips have no local copy and play
 * from the cloud. Cameras come back as revoked devices (their tokens died with the old hub):
 * re-pair them and their new clips join the same names.
 */

export interface RestoreResult {
  restored: number;
  alreadyIndexed: number;
  /** Manifests another key sealed, or damaged ones. */
  unreadable: number;
  /** Manifests whose clip object is missing or has the wrong size. */
  missingClip: number;
  cameras: string[];
}

const MAX_MANIFEST = 16 * 1024;

async function readSmall(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_MANIFEST) {
      stream.destroy();
      throw new ManifestError('manifest is too large');
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/**
 * A new hub makes a footage key of its own on first start; the recovered one replaces it,
 * but only while no clip is stored under it (those would become unreadable). Returns the
 * key to restore with and whether it replaced the hub's own.
 */
export async function adoptRecoveredKey(
  db: DB,
  paths: Pick<HubPaths, 'footageKey' | 'footagePublicKey'>,
  own: FootageKeyPair,
  recovered: FootageKeyPair,
): Promise<{ keys: FootageKeyPair; adopted: boolean }> {
  if (Buffer.from(recovered.publicKey).equals(Buffer.from(own.publicKey))) return { keys: own, adopted: false };
  const { n } = db.prepare('SELECT COUNT(*) AS n FROM clips').get() as { n: number };
  if (n > 0) throw new Error(`this hub already has ${n} clips under its own footage key; restore into a new hub (empty data directory)`);
  await saveFootageKeyPair(paths.footageKey, recovered);
  await saveFootagePublicKey(paths.footagePublicKey, recovered.publicKey);
  return { keys: recovered, adopted: true };
}

export async function restoreFromCloud(db: DB, target: UploadTarget, keys: FootageKeyPair, now: number): Promise<RestoreResult> {
  const sizes = new Map<string, number>();
  const manifests: string[] = [];
  for await (const o of target.list()) {
    sizes.set(o.key, o.bytes);
    if (o.key.endsWith('.plm')) manifests.push(o.key);
  }
  const result: RestoreResult = { restored: 0, alreadyIndexed: 0, unreadable: 0, missingClip: 0, cameras: [] };
  const found: ClipManifest[] = [];
  for (const key of manifests) {
    let m: ClipManifest;
    try {
      m = await openManifest(await readSmall(await target.get(key)), keys);
    } catch (err) {
      if (err instanceof ManifestError) {
        result.unreadable += 1;
        continue;
      }
      throw err;
    }
    if (`${m.objectName}.plm` !== key || sizes.get(`${m.objectName}.plc`) !== m.cipherBytes) {
      result.missingClip += 1;
      continue;
    }
    found.push(m);
  }

  const hasClip = db.prepare('SELECT 1 FROM clips WHERE id = ?');
  const hasDevice = db.prepare('SELECT 1 FROM devices WHERE id = ?');
  const addDevice = db.prepare('INSERT INTO devices (id, name, token_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?)');
  const addClip = db.prepare(
    `INSERT INTO clips (id, device_id, started_at, ended_at, media_start, media_end, trigger, cipher_bytes, plain_bytes, chunk_size, stored_at, local_deleted_at, restored_at)
     VALUES (@clipId, @deviceId, @startedAt, @endedAt, @mediaStart, @mediaEnd, @trigger, @cipherBytes, @plainBytes, @chunkSize, @storedAt, @now, @now)`,
  );
  const addQueue = db.prepare(
    `INSERT INTO upload_queue (clip_id, object_name, state, next_attempt_at, enqueued_at, uploaded_at, sha256) VALUES (@clipId, @objectName, 'uploaded', @now, @storedAt, @now, @sha256)`,
  );
  const cameras = new Set<string>();
  db.transaction(() => {
    for (const m of found.sort((a, b) => a.startedAt - b.startedAt)) {
      if (hasClip.get(m.clipId)) {
        result.alreadyIndexed += 1;
        continue;
      }
      if (!hasDevice.get(m.deviceId)) {
        // An unguessable hash nobody holds the token for: the device is listed, and can never sign in.
        addDevice.run(m.deviceId, m.deviceName, `restored:${randomBytes(24).toString('hex')}`, m.storedAt, now);
      }
      addClip.run({ ...m, now });
      addQueue.run({ ...m, now });
      cameras.add(m.deviceName);
      result.restored += 1;
    }
  })();
  result.cameras = [...cameras].sort();
  return result;
}

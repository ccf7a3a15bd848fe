import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ClipDecryptor, keyIdOf, parseClipHeader, plainLengthOfBody, type ClipHeader } from '../common/clipEnvelope';
import { ClipError, ClipKeyError, ClipTruncatedError } from '../common/clipErrors';
import type { ClipUploadMeta } from '../common/protocol';
import { getSodium } from '../common/sodium';
import type { AuditLog } from '../common/auditLog';
import type { Logger } from '../common/logger';
import type { ClipRecord } from './clipIndex';
import { diskError, indexClip, openIngest, type IngestResult, type IngestTarget } from './clipIngest';
import { objectRulesOf } from './cameraSettingsStore';
import { clipEvents, keepArrivingClip } from './clipLabels';
import type { ClipStore } from './clipStore';
import { ClipStoreError } from './clipStoreError';
import type { FootageKeyring } from './footageKeyring';

/*
 * Clips that arrive while the hub's footage key is locked (wrapped with a passphrase, not yet
 * unlocked after a restart). The camera sealed them to the public key, which the hub has, so
 * they are stored and acknowledged (the camera's spool is not made to fill up for hours) and
 * go to the cloud like any clip. What cannot be checked without the secret half — that the
 * clip authenticates, holds an MP4, and was recorded by the camera that sent it under the id
 * it names — is checked as soon as an owner unlocks the key (a clip still arriving then, as soon
 * as it has arrived); a clip failing then is deleted
 * everywhere (the relay removes its cloud copy) and audited. Until then the clip is "held":
 * listed, not playable (nothing plays while locked).
 *
 * What is checked at once, without the key: the header (format, chunk size), that it names
 * this hub's footage key, a body length a whole clip can have, the size limit.
 */

type HeldTarget = Omit<IngestTarget, 'keys'> & { keyring: FootageKeyring };

export async function ingestHeldClip(store: HeldTarget, deviceId: string, meta: ClipUploadMeta, body: Readable, declaredLength?: number): Promise<IngestResult> {
  const { db, maxBytes } = store;
  const opened = await openIngest(store, deviceId, meta, body, declaredLength);
  if (opened.duplicate) return opened.duplicate;
  const { writer } = opened;
  try {
    const sodium = await getSodium();
    const ourKeyId = keyIdOf(sodium, store.keyring.publicKey);
    let head = Buffer.alloc(0);
    let header: ClipHeader | null = null;
    let cipherBytes = 0;
    // Not destroyed on an early exit: see clipIngest.ts (the keep-alive connection must stay usable).
    for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      cipherBytes += chunk.length;
      if (cipherBytes > maxBytes) throw new ClipStoreError(413, 'CLIP_TOO_LARGE', `clip is larger than the hub accepts (${maxBytes} bytes)`);
      if (!header) {
        head = Buffer.concat([head, chunk]);
        header = parseClipHeader(head);
        if (header && !header.keyId.equals(ourKeyId)) {
          throw new ClipKeyError(`clip was sealed to footage key ${header.keyId.toString('hex')}, not this hub's ${ourKeyId.toString('hex')}`);
        }
      }
      await writer.write(chunk);
    }
    if (!header) throw new ClipTruncatedError('clip ends inside its header');
    const plainBytes = plainLengthOfBody(cipherBytes - header.length, header.chunkSize);
    if (plainBytes === null) throw new ClipTruncatedError('clip body has a length no whole clip has (cut short?)');
    await writer.commit();
    return await indexClip(store, deviceId, meta, { cipherBytes, plainBytes, chunkSize: header.chunkSize }, (now) => {
      db.prepare('INSERT INTO clips_held (clip_id, held_at) VALUES (?, ?)').run(meta.clipId, now);
    });
  } catch (err) {
    await writer.abort().catch(() => undefined);
    body.resume();
    if (err instanceof ClipError) throw new ClipStoreError(400, err.code, `clip rejected: ${err.message}`);
    throw diskError(err) ?? err;
  }
}

export function heldClipCount(store: Pick<ClipStore, 'db'>): number {
  return (store.db.prepare('SELECT COUNT(*) AS n FROM clips_held h JOIN clips c ON c.id = h.clip_id WHERE c.deleted_at IS NULL').get() as { n: number }).n;
}

export interface HeldVerdicts {
  verified: number;
  refused: number;
  /** Not readable now (the local copy is gone and the cloud cannot be reached): tried again later. */
  waiting: number;
}

export interface VerifyHooks {
  /** A held clip failed its check and was deleted: audit it, drop its thumbnail. */
  refused(clip: ClipRecord, reason: string): Promise<void>;
  /** A held motion clip whose events (their times) held nothing counted, for a camera recording only with an object. */
  dropped(clip: ClipRecord, events: number[]): Promise<void>;
  now(): number;
}

const MP4_FTYP = Buffer.from('ftyp', 'ascii');

/** Checks every held clip with the (unlocked) key, as ingest would have; deletes the ones that fail. */
export async function verifyHeldClips(store: ClipStore, hooks: VerifyHooks): Promise<HeldVerdicts> {
  const out: HeldVerdicts = { verified: 0, refused: 0, waiting: 0 };
  const ids = (store.db.prepare('SELECT clip_id FROM clips_held ORDER BY held_at').all() as Array<{ clip_id: string }>).map((r) => r.clip_id);
  const release = store.db.prepare('DELETE FROM clips_held WHERE clip_id = ?');
  for (const id of ids) {
    const clip = store.get(id);
    if (!clip) {
      release.run(id);
      continue;
    }
    let reason: string | null;
    try {
      reason = await checkClip(store, clip);
    } catch {
      out.waiting += 1;
      continue;
    }
    release.run(id);
    if (reason !== null) {
      await store.delete(id, hooks.now());
      await hooks.refused(clip, reason);
      out.refused += 1;
      continue;
    }
    out.verified += 1;
    if (clip.trigger === 'motion') {
      const events = clipEvents(store.db, clip.deviceId, clip.startedAt, clip.endedAt);
      if (!keepArrivingClip(events, objectRulesOf(store.db, clip.deviceId, store.detectionDefault))) {
        await store.delete(id, hooks.now());
        await hooks.dropped(clip, events.map((e) => e.at));
      }
    }
  }
  return out;
}

/** Null when the clip is whole, authentic, an MP4, and the sender's own; else why not. Throws when it cannot be read now. */
async function checkClip(store: ClipStore, clip: ClipRecord): Promise<string | null> {
  const decryptor = await ClipDecryptor.create(store.keys);
  const source: Readable = clip.local
    ? createReadStream(store.fileOf(clip.id))
    : clip.inCloud && clip.objectName && store.cloud
      ? await store.cloud.get(`${clip.objectName}.plc`)
      : (() => {
          throw new Error('no copy to read');
        })();
  let first: Buffer | null = null;
  let plainBytes = 0;
  const take = (plain: Buffer[]) => {
    for (const p of plain) {
      if (!first && p.length > 0) first = p;
      plainBytes += p.length;
    }
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) take(decryptor.push(chunk));
    take(decryptor.end());
  } catch (err) {
    source.destroy();
    if (err instanceof ClipError) return err.message;
    throw err;
  }
  const routing = decryptor.routing;
  if (routing.clipId !== clip.id || routing.deviceId !== clip.deviceId) return 'the clip was recorded by another device or under another id';
  const head = first as Buffer | null;
  if (!head || head.length < 8 || !head.subarray(4, 8).equals(MP4_FTYP)) return 'the clip does not contain an MP4 video';
  if (plainBytes !== clip.plainBytes) return 'the clip holds another length than its header announced';
  return null;
}

export interface HeldCheckDeps {
  clips: ClipStore;
  thumbnails: { remove(clipId: string): Promise<void> };
  audit: AuditLog;
  log: Logger;
  now: () => number;
}

/**
 * Runs verifyHeldClips, one run at a time, auditing each clip refused; the hub calls it at start
 * (unlocked), on unlock, and when a clip that began arriving while locked finishes after the unlock.
 */
export function heldClipChecker(deps: HeldCheckDeps): () => Promise<HeldVerdicts> {
  const { clips, thumbnails, audit, log, now } = deps;
  let running: Promise<HeldVerdicts> = Promise.resolve({ verified: 0, refused: 0, waiting: 0 });
  const run = async (): Promise<HeldVerdicts> => {
    const verdicts = await verifyHeldClips(clips, {
      now,
      async refused(clip, reason) {
        await thumbnails.remove(clip.id);
        audit.append({ actor: 'system', action: 'clip.refused_after_unlock', target: `clip:${clip.id}`, detail: { device: clip.deviceId, startedAt: clip.startedAt, reason } }, now());
        log.warn({ clipId: clip.id, device: clip.deviceName, reason }, 'a clip stored while the footage key was locked failed its check and was deleted (audited)');
      },
      async dropped(clip, events) {
        await thumbnails.remove(clip.id);
        clips.onDropped?.({ clipId: clip.id, deviceId: clip.deviceId, startedAt: clip.startedAt, endedAt: clip.endedAt, events });
      },
    });
    if (verdicts.verified + verdicts.refused + verdicts.waiting > 0) log.info(verdicts, 'clips stored while the footage key was locked are checked');
    return verdicts;
  };
  return () => {
    running = running.then(run, run);
    return running;
  };
}

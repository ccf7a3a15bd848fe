import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicFile';
import type { FootageKeyPair } from '../common/clipEnvelope';
import type { Logger } from '../common/logger';
import { CLIP_ID_PATTERN } from '../common/protocol';
import { getSodium } from '../common/sodium';
import type { ClipRecord, ClipStore } from './clipStore';
import { ClipStoreError } from './clipStoreError';
import { ffmpegJpeg } from './ffmpegJpeg';
import { FootageKeyring } from './footageKeyring';
import type { DetectedPictures, ReadyPicture } from './detectionThumbnails';

/*
 * One small JPEG per clip for the timeline and the dashboard, made on first request.
 *
 * A thumbnail is footage, so it is kept like footage: the clip is decrypted as a stream into
 * ffmpeg's stdin (plaintext never touches the disk), and the JPEG is cached under thumbs/
 * sealed to the footage public key (libsodium sealed box), written atomically. Only the hub,
 * which holds the secret key, can open it.
 *
 * A thumbnail lives exactly as long as the clip's local copy: the owner deleting the clip,
 * or retention removing the local copy, removes it (the hub here, the relay in its retention
 * runner, and a periodic sweep for anything either missed). A clip kept only in the cloud gets
 * its picture made from the cloud copy on request, sent with a browser cache header but not
 * kept on the hub's disk.
 *
 * ffmpeg is heavy on a Pi: at most `concurrency` jobs run at once (others wait in line), a
 * clip asked for twice at once is made once, and a clip without a usable frame is not retried
 * for a while.
 *
 * A clip whose motion the detector saw something in gets that picture instead, the boxes drawn
 * (hub/detectionThumbnails.ts): stored in the same sealed file, so it is served, deleted and
 * swept exactly as a picture made from the clip. It replaces a picture made from the clip
 * earlier (the clip can arrive, and be looked at, before its event's picture is ready), and a
 * picture made from the clip never replaces it. Until the clip's events can give no better
 * picture the thumbnail is marked unsettled, so the browser does not keep it a day.
 */

const MAGIC = Buffer.from('PLTHMB', 'ascii');
const VERSION = 1;
/** Thumbnail width in pixels, for pictures from clips and from the detector alike. */
export const THUMBNAIL_WIDTH = 320;
const SEEK_SECONDS = 1;
const JOB_TIMEOUT_MS = 30_000;
const FAILURE_MEMORY_MS = 10 * 60_000;
const SWEEP_EVERY_MS = 10 * 60_000;

export class ThumbnailError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where in the clip the picture is taken: about a second in, or halfway into a shorter clip. */
export function thumbnailSeek(clip: Pick<ClipRecord, 'mediaStart' | 'mediaEnd'>): number {
  const length = clip.mediaEnd - clip.mediaStart;
  return Number.isFinite(length) && length > 0 ? Math.min(SEEK_SECONDS, length / 2) : 0;
}

export async function sealThumbnail(jpeg: Buffer, publicKey: Uint8Array): Promise<Buffer> {
  const sodium = await getSodium();
  return Buffer.concat([MAGIC, Buffer.from([VERSION]), Buffer.from(sodium.crypto_box_seal(jpeg, publicKey))]);
}

/** The JPEG inside a sealed thumbnail, or null when the file is not one this key opens. */
export async function openThumbnail(data: Buffer, keys: FootageKeyPair): Promise<Buffer | null> {
  if (data.length <= MAGIC.length + 1 || !data.subarray(0, MAGIC.length).equals(MAGIC) || data[MAGIC.length] !== VERSION) return null;
  const sodium = await getSodium();
  try {
    return Buffer.from(sodium.crypto_box_seal_open(data.subarray(MAGIC.length + 1), keys.publicKey, keys.secretKey));
  } catch {
    return null;
  }
}

/** A first-come queue of at most `size` running jobs. */
class JobSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

export interface ThumbnailOptions {
  /** ffmpeg jobs at once; default 1 on a machine with fewer than 4 cores, else 2. */
  concurrency?: number;
  ffmpegPath?: string;
  now?: () => number;
  /** The detector's pictures for clips whose motion held a counted object; none: clip frames only. */
  detected?: DetectedPictures | null;
}

export interface Thumbnail {
  jpeg: Buffer;
  /** False while the clip's motion may still give it a better picture: not worth caching long. */
  settled: boolean;
}

export class ClipThumbnails {
  private readonly slots: JobSlots;
  private readonly inFlight = new Map<string, Promise<Buffer>>();
  private readonly failedAt = new Map<string, number>();
  private readonly ffmpegPath: string;
  private readonly now: () => number;
  private readonly detected: DetectedPictures | null;
  /** Clips whose stored thumbnail is a detection picture (which event's): a clip frame never replaces one. */
  private readonly detectedIn = new Map<string, string>();
  /** Each clip's writes, one after another: a clip frame and a detection picture never race for the file. */
  private readonly writes = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  /** Opening a sealed thumbnail needs the secret half: 423 while the hub's key is locked. */
  private readonly keyring: FootageKeyring;

  constructor(
    private readonly clips: ClipStore,
    readonly dir: string,
    keys: FootageKeyPair | FootageKeyring,
    private readonly log: Logger,
    opts: ThumbnailOptions = {},
  ) {
    this.keyring = keys instanceof FootageKeyring ? keys : FootageKeyring.of(keys);
    this.slots = new JobSlots(opts.concurrency ?? (os.availableParallelism() >= 4 ? 2 : 1));
    this.ffmpegPath = opts.ffmpegPath ?? process.env.FFMPEG_PATH ?? 'ffmpeg';
    this.now = opts.now ?? Date.now;
    this.detected = opts.detected ?? null;
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Sweeps now and every ten minutes until stop(). */
  start(): void {
    const sweep = () =>
      void this.sweep().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'thumbnail sweep failed; it runs again later'));
    sweep();
    this.timer = setInterval(sweep, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  fileOf(clipId: string): string {
    if (!CLIP_ID_PATTERN.test(clipId)) throw new ThumbnailError(400, 'BAD_CLIP_ID', 'clip id is not valid');
    return path.join(this.dir, clipId);
  }

  /** The clip's thumbnail: its best detection picture, else from the sealed cache, or made now. */
  async thumbnailOf(clip: ClipRecord): Promise<Thumbnail> {
    const settled = !this.detected?.settling(clip);
    const picture = this.detected?.pictureFor(clip) ?? null;
    if (picture) {
      const jpeg = await openThumbnail(picture.sealed, this.keyring.pair());
      if (jpeg) {
        if (clip.local) await this.adopt(clip, picture);
        return { jpeg, settled };
      }
      this.log.warn({ clipId: clip.id }, 'a detection picture does not open with the footage key; the clip keeps its own picture');
    }
    return { jpeg: await this.jpegOf(clip), settled };
  }

  /**
   * An event's detection picture is ready: the local clips holding the event take it as their
   * thumbnail when it is their best. Also called when a clip arrives after its event's picture.
   */
  async adoptFor(clips: readonly ClipRecord[]): Promise<void> {
    for (const clip of clips) {
      const picture = this.detected?.pictureFor(clip);
      if (picture && clip.local) await this.adopt(clip, picture);
    }
  }

  /** The clip's thumbnail as a JPEG: from the sealed cache, or made now. */
  async jpegOf(clip: ClipRecord): Promise<Buffer> {
    if (clip.local) {
      const cached = await this.readCached(clip.id);
      if (cached) return cached;
    }
    const failed = this.failedAt.get(clip.id);
    if (failed !== undefined && this.now() - failed < FAILURE_MEMORY_MS) throw noPicture();
    let job = this.inFlight.get(clip.id);
    if (!job) {
      job = this.slots.run(() => this.make(clip)).finally(() => this.inFlight.delete(clip.id));
      this.inFlight.set(clip.id, job);
    }
    return job;
  }

  /** Removes a clip's thumbnail (deleting one that is not there is not an error). */
  async remove(clipId: string): Promise<void> {
    await fs.rm(this.fileOf(clipId), { force: true });
    this.detectedIn.delete(clipId);
  }

  /**
   * Removes the footage the hub keeps for clips that no longer have it: thumbnails of clips
   * deleted, forgotten or without a local copy, leftovers of interrupted writes, and local
   * files of deleted clips whose removal failed.
   */
  async sweep(): Promise<number> {
    let removed = 0;
    for (const name of await fs.readdir(this.dir)) {
      const stale = name.endsWith('.tmp') ? !this.inFlight.size && !this.writes.size : CLIP_ID_PATTERN.test(name) && !this.clips.get(name)?.local;
      if (!stale) continue;
      await fs.rm(path.join(this.dir, name), { force: true });
      removed += 1;
    }
    removed += await this.clips.sweepDeleted();
    for (const id of this.detectedIn.keys()) if (!this.clips.get(id)?.local) this.detectedIn.delete(id);
    for (const [id, at] of this.failedAt) if (this.now() - at >= FAILURE_MEMORY_MS) this.failedAt.delete(id);
    return removed;
  }

  private async readCached(clipId: string): Promise<Buffer | null> {
    let data: Buffer;
    try {
      data = await fs.readFile(this.fileOf(clipId));
    } catch {
      return null;
    }
    const jpeg = await openThumbnail(data, this.keyring.pair());
    if (!jpeg) {
      this.log.warn({ clipId }, 'a cached thumbnail does not open with the footage key; making it again');
      await fs.rm(this.fileOf(clipId), { force: true });
    }
    return jpeg;
  }

  private async make(clip: ClipRecord): Promise<Buffer> {
    const seek = thumbnailSeek(clip);
    let jpeg: Buffer | null;
    try {
      jpeg = await this.render(clip, seek);
      // A clip shorter than its metadata says has no frame at the seek point: take its first.
      if (!jpeg && seek > 0) jpeg = await this.render(clip, 0);
    } catch (err) {
      if (err instanceof ClipStoreError) {
        if (err.statusCode === 410) throw new ThumbnailError(404, 'NO_THUMBNAIL', 'this clip was deleted by the retention settings, so it has no picture');
        throw new ThumbnailError(err.statusCode, err.code, err.message);
      }
      this.failedAt.set(clip.id, this.now());
      this.log.warn({ clipId: clip.id, err: (err as Error).message }, 'could not make a thumbnail');
      throw noPicture();
    }
    if (!jpeg) {
      this.failedAt.set(clip.id, this.now());
      this.log.warn({ clipId: clip.id }, 'the clip has no frame to make a thumbnail of');
      throw noPicture();
    }
    if (clip.local) await this.cache(clip.id, jpeg);
    return jpeg;
  }

  /** Seals and stores; never leaves a thumbnail of a clip deleted (or moved to the cloud) meanwhile. */
  private cache(clipId: string, jpeg: Buffer): Promise<void> {
    return this.serially(clipId, async () => {
      // A detection picture stored meanwhile is the better thumbnail: the clip frame is only served.
      if (this.detectedIn.has(clipId)) return;
      try {
        await this.store(clipId, await sealThumbnail(jpeg, this.keyring.publicKey));
      } catch (err) {
        // The picture is still served; a hub stopping meanwhile, or a full disk, only costs the cache.
        this.log.warn({ clipId, err: (err as Error).message }, 'could not cache a thumbnail; it is made again next time');
      }
    });
  }

  /** Stores an event's sealed detection picture as the clip's thumbnail, unless it is there already. */
  private adopt(clip: ClipRecord, picture: ReadyPicture): Promise<void> {
    return this.serially(clip.id, async () => {
      if (this.detectedIn.get(clip.id) === picture.key) return;
      try {
        if (await this.store(clip.id, picture.sealed)) this.detectedIn.set(clip.id, picture.key);
      } catch (err) {
        this.log.warn({ clipId: clip.id, err: (err as Error).message }, 'could not store the detection thumbnail; it is served from memory while it lasts');
      }
    });
  }

  /** Writes a sealed thumbnail atomically while the clip has a local copy; true when it stayed. */
  private async store(clipId: string, sealed: Buffer): Promise<boolean> {
    const stillLocal = () => this.clips.get(clipId)?.local === true;
    if (!stillLocal()) return false;
    await writeFileAtomic(this.fileOf(clipId), sealed);
    if (stillLocal()) return true;
    await this.remove(clipId);
    return false;
  }

  private serially(clipId: string, job: () => Promise<void>): Promise<void> {
    const next = (this.writes.get(clipId) ?? Promise.resolve()).then(job);
    this.writes.set(clipId, next);
    return next.finally(() => {
      if (this.writes.get(clipId) === next) this.writes.delete(clipId);
    });
  }

  /** One frame at `seekSeconds`, 320 px wide, as a JPEG; null when the clip has no frame there. */
  private async render(clip: ClipRecord, seekSeconds: number): Promise<Buffer | null> {
    const plain = await this.clips.openPlain(clip);
    return ffmpegJpeg({
      ffmpegPath: this.ffmpegPath,
      // Output-side -ss: a pipe cannot seek, so ffmpeg decodes up to the point and drops what is before.
      args: ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-ss', seekSeconds.toFixed(3), '-frames:v', '1', '-vf', `scale=${THUMBNAIL_WIDTH}:-2`, '-q:v', '5', '-f', 'mjpeg', 'pipe:1'],
      input: plain,
      timeoutMs: JOB_TIMEOUT_MS,
    });
  }
}

function noPicture(): ThumbnailError {
  return new ThumbnailError(404, 'NO_THUMBNAIL', 'this clip has no picture to show');
}

import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../common/logger';
import type { ClipUploadMeta } from '../common/protocol';
import { CLIP_ID_PATTERN } from '../common/protocol';
import { planSpoolDrops } from './spoolBudget';

/*
 * Finished clips waiting for the hub: `<id>.plc` (the envelope) with `<id>.json` (its
 * metadata). A clip leaves the spool when the hub has acknowledged it, or when the disk
 * budget (agent.recording.maxSpoolBytes) makes room for newer footage (spoolBudget.ts).
 *
 * A clip being recorded is `<id>.tmp` (clipRecorder.ts) and counts against the budget
 * from its first byte. One cut by a crash or SIGKILL cannot be finished: its stream has no
 * final tag and the agent never holds the key that could re-seal it, so init() deletes it
 * and says so in the log.
 */

export interface SpooledClip {
  meta: ClipUploadMeta;
  file: string;
  bytes: number;
}

export interface SpoolOptions {
  /** The disk budget for everything in the spool, clips being written included. */
  maxBytes?: number;
  log?: Logger;
}

/** Files in the spool folder that are not clips. */
export const LEDGER_FILE = 'outage.json';

export class Spool {
  readonly maxBytes: number;
  private readonly log: Logger | undefined;
  /** Clips being uploaded: the budget never drops them. */
  private readonly claimed = new Set<string>();
  /** Clips being dropped: never handed to an upload. */
  private readonly dropping = new Set<string>();
  private overWarned = false;

  constructor(
    readonly dir: string,
    options: SpoolOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    if (!(this.maxBytes > 0)) throw new RangeError(`maxSpoolBytes must be a positive number of bytes, not ${this.maxBytes}`);
    this.log = options.log;
  }

  /** Creates the folder and drops what a crash left half-done, with a log line for each clip lost that way. */
  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await fs.mkdir(path.join(this.dir, 'rejected'), { recursive: true, mode: 0o700 });
    const names = new Set(await fs.readdir(this.dir));
    for (const name of names) {
      const file = path.join(this.dir, name);
      const id = name.replace(/\.(plc|json|tmp)$/, '');
      const isClip = CLIP_ID_PATTERN.test(id);
      if (name.startsWith('.')) {
        // A small file (metadata, the ledger) whose atomic write was cut: the old version, if any, is intact.
        await fs.rm(file, { force: true });
      } else if (isClip && name.endsWith('.tmp')) {
        const bytes = await sizeOf(file);
        await fs.rm(file, { force: true });
        await fs.rm(path.join(this.dir, `${id}.json`), { force: true });
        this.log?.warn({ clipId: id, bytes }, 'a clip cut short by a crash or kill was discarded: its encrypted stream has no end and cannot be finished');
      } else if (isClip && name.endsWith('.json') && !names.has(`${id}.plc`) && !names.has(`${id}.tmp`)) {
        // Metadata is written just before the clip is renamed into place: a crash in between.
        await fs.rm(file, { force: true });
        this.log?.warn({ clipId: id }, 'a clip whose last step was cut by a crash or kill was discarded');
      } else if (isClip && name.endsWith('.plc') && !names.has(`${id}.json`)) {
        // Only removal leaves a clip without metadata (remove() deletes the clip first).
        await fs.rm(file, { force: true });
        this.log?.info({ clipId: id }, 'finished removing a clip whose removal a crash had cut');
      }
    }
  }

  /** Clips ready to send, oldest first (those being dropped left out). */
  async list(): Promise<SpooledClip[]> {
    const out: SpooledClip[] = [];
    for (const name of await fs.readdir(this.dir)) {
      if (!name.endsWith('.plc')) continue;
      const id = name.slice(0, -4);
      if (!CLIP_ID_PATTERN.test(id) || this.dropping.has(id)) continue;
      try {
        const meta = JSON.parse(await fs.readFile(path.join(this.dir, `${id}.json`), 'utf8')) as ClipUploadMeta;
        const file = path.join(this.dir, name);
        out.push({ meta, file, bytes: (await fs.stat(file)).size });
      } catch {
        /* metadata not there yet, unreadable, or the clip was just removed: skip this round */
      }
    }
    return out.sort((a, b) => a.meta.startedAt - b.meta.startedAt);
  }

  /**
   * Marks a clip as being uploaded, so the budget leaves it alone. False when the clip is
   * being dropped or already gone: the upload must skip it.
   */
  claim(clip: SpooledClip): boolean {
    const id = clip.meta.clipId;
    if (this.dropping.has(id) || !existsSync(clip.file)) return false;
    this.claimed.add(id);
    return true;
  }

  release(clip: SpooledClip): void {
    this.claimed.delete(clip.meta.clipId);
  }

  /** Removes a clip: the clip first, so a crash in between leaves only metadata, which init() clears. */
  async remove(clip: SpooledClip): Promise<void> {
    await fs.rm(clip.file, { force: true });
    await fs.rm(path.join(this.dir, `${clip.meta.clipId}.json`), { force: true });
  }

  /** Keeps a clip the hub refused for good out of the send loop, for a person to look at. */
  async reject(clip: SpooledClip): Promise<void> {
    const to = path.join(this.dir, 'rejected');
    await fs.rename(clip.file, path.join(to, path.basename(clip.file)));
    await fs.rename(path.join(this.dir, `${clip.meta.clipId}.json`), path.join(to, `${clip.meta.clipId}.json`));
  }

  /** Bytes in the spool: finished clips, and what counts but cannot be dropped (clips being written, rejected clips). */
  async usage(): Promise<{ clips: SpooledClip[]; fixedBytes: number }> {
    const clips = await this.list();
    let fixedBytes = 0;
    for (const name of await fs.readdir(this.dir)) {
      if (name.endsWith('.tmp')) fixedBytes += await sizeOf(path.join(this.dir, name));
    }
    for (const name of await fs.readdir(path.join(this.dir, 'rejected')).catch(() => [])) fixedBytes += await sizeOf(path.join(this.dir, 'rejected', name));
    return { clips, fixedBytes };
  }

  /**
   * Applies the disk budget: drops the oldest finished clips (never one being uploaded)
   * until the spool fits, logging each. Returns what was dropped.
   */
  async enforceBudget(): Promise<SpooledClip[]> {
    if (this.maxBytes === Number.POSITIVE_INFINITY) return [];
    const { clips, fixedBytes } = await this.usage();
    const byId = new Map(clips.map((c) => [c.meta.clipId, c]));
    const plan = planSpoolDrops({
      clips: clips.map((c) => ({ id: c.meta.clipId, bytes: c.bytes, startedAt: c.meta.startedAt })),
      fixedBytes,
      maxBytes: this.maxBytes,
      keep: this.claimed,
    });
    const dropped: SpooledClip[] = [];
    for (const d of plan.drop) {
      const clip = byId.get(d.id)!;
      // Claimed since the plan was made: it is on its way to the hub, so it stays.
      if (this.claimed.has(d.id)) continue;
      this.dropping.add(d.id);
      try {
        await this.remove(clip);
      } finally {
        this.dropping.delete(d.id);
      }
      dropped.push(clip);
      this.log?.warn(
        { clipId: d.id, bytes: d.bytes, startedAt: new Date(clip.meta.startedAt).toISOString(), spoolBytes: plan.usedBytes, maxSpoolBytes: this.maxBytes },
        'spool over its disk budget: the oldest clip waiting for the hub was dropped to keep newer footage',
      );
    }
    // Said once per episode, not on every check while the oversized clip is written.
    if (plan.stillOver && !this.overWarned) {
      this.log?.warn({ spoolBytes: plan.bytesAfter, maxSpoolBytes: this.maxBytes }, 'the spool is over its budget with nothing left that may be dropped (a clip being written or uploaded is larger than the budget)');
    }
    this.overWarned = plan.stillOver;
    return dropped;
  }
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

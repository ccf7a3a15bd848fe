import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ClipUploadMeta } from '../common/protocol';
import { CLIP_ID_PATTERN } from '../common/protocol';

/*
 * Finished clips waiting for the hub: `<id>.plc` (the envelope) with `<id>.json` (its
 * metadata). A clip leaves the spool only when the hub has acknowledged it.
 */

export interface SpooledClip {
  meta: ClipUploadMeta;
  file: string;
  bytes: number;
}

export class Spool {
  constructor(readonly dir: string) {}

  /** Creates the folder and drops what a crash left half-done (unfinished, unrecoverable clips). */
  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await fs.mkdir(path.join(this.dir, 'rejected'), { recursive: true, mode: 0o700 });
    const names = new Set(await fs.readdir(this.dir));
    for (const name of names) {
      const id = name.replace(/\.(plc|json|tmp)$/, '');
      const stale = name.endsWith('.tmp') || name.startsWith('.') || (name.endsWith('.json') && !names.has(`${id}.plc`));
      if (stale) await fs.rm(path.join(this.dir, name), { force: true });
    }
  }

  /** Clips ready to send, oldest first. */
  async list(): Promise<SpooledClip[]> {
    const out: SpooledClip[] = [];
    for (const name of await fs.readdir(this.dir)) {
      if (!name.endsWith('.plc')) continue;
      const id = name.slice(0, -4);
      if (!CLIP_ID_PATTERN.test(id)) continue;
      try {
        const meta = JSON.parse(await fs.readFile(path.join(this.dir, `${id}.json`), 'utf8')) as ClipUploadMeta;
        const file = path.join(this.dir, name);
        out.push({ meta, file, bytes: (await fs.stat(file)).size });
      } catch {
        /* metadata not there yet or unreadable: skip this round */
      }
    }
    return out.sort((a, b) => a.meta.startedAt - b.meta.startedAt);
  }

  async remove(clip: SpooledClip): Promise<void> {
    await fs.rm(path.join(this.dir, `${clip.meta.clipId}.json`), { force: true });
    await fs.rm(clip.file, { force: true });
  }

  /** Keeps a clip the hub refused for good out of the send loop, for a person to look at. */
  async reject(clip: SpooledClip): Promise<void> {
    const to = path.join(this.dir, 'rejected');
    await fs.rename(clip.file, path.join(to, path.basename(clip.file)));
    await fs.rename(path.join(this.dir, `${clip.meta.clipId}.json`), path.join(to, `${clip.meta.clipId}.json`));
  }
}

import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Transform } from 'node:stream';
import { Writable } from 'node:stream';
import { AtomicFileWriter } from '../atomicFile';
import { sha256Of, type FileDigests } from '../fileHash';
import { createHash } from 'node:crypto';
import { describeIoError, NotFoundError, type UploadTarget } from './uploadTarget';

const KEY = /^[A-Za-z0-9._-]+$/;

/**
 * A local folder (the embedded default "cloud", or a NAS mount). Writes are atomic (temp
 * file, fsync, rename), so a crash leaves either the whole object or none; leftover temp
 * files start with a dot and are neither listed nor kept. Folder 0750 and objects 0640 (they
 * are ciphertext): the relay writes them under its own user, and the hub, in its group, reads
 * them back for a restore.
 */
export class DirectoryTarget implements UploadTarget {
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = `folder ${dir}`;
  }

  private pathOf(key: string): string {
    if (!KEY.test(key) || key.startsWith('.')) throw new Error(`object name "${key}" is not valid`);
    return path.join(this.dir, key);
  }

  private async write(key: string, fill: (writer: AtomicFileWriter) => Promise<void>): Promise<void> {
    const dest = this.pathOf(key);
    try {
      await fs.mkdir(this.dir, { recursive: true, mode: 0o750 });
      const writer = await AtomicFileWriter.open(dest, undefined, 0o640);
      try {
        await fill(writer);
        await writer.commit();
      } catch (err) {
        await writer.abort();
        throw err;
      }
    } catch (err) {
      throw describeIoError(err, `the target folder ${this.dir}`);
    }
  }

  async putFile(key: string, file: string, digests: FileDigests, pace?: () => Transform): Promise<void> {
    await this.write(key, async (writer) => {
      const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => void writer.write(chunk).then(() => cb(), cb) });
      await (pace ? pipeline(createReadStream(file), pace(), sink) : pipeline(createReadStream(file), sink));
    });
    const dest = this.pathOf(key);
    const { size } = await fs.stat(dest);
    if (size !== digests.bytes || (await sha256Of(dest)) !== digests.sha256) throw new Error(`verification of ${dest} failed`);
  }

  async putBytes(key: string, body: Buffer): Promise<void> {
    await this.write(key, (writer) => writer.write(body));
    const stored = await fs.readFile(this.pathOf(key));
    if (!createHash('sha256').update(stored).digest().equals(createHash('sha256').update(body).digest())) {
      throw new Error(`verification of ${key} failed`);
    }
  }

  async get(key: string) {
    const file = this.pathOf(key);
    try {
      await fs.access(file);
    } catch {
      throw new NotFoundError(`${key} is not in ${this.description}`);
    }
    return createReadStream(file);
  }

  async *list(): AsyncIterable<{ key: string; bytes: number }> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw describeIoError(err, `the target folder ${this.dir}`);
    }
    for (const key of names.sort()) {
      if (key.startsWith('.') || !KEY.test(key)) continue;
      const st = await fs.stat(path.join(this.dir, key)).catch(() => null);
      if (st?.isFile()) yield { key, bytes: st.size };
    }
  }

  async remove(key: string): Promise<void> {
    try {
      await fs.rm(this.pathOf(key), { force: true });
    } catch (err) {
      throw describeIoError(err, `the target folder ${this.dir}`);
    }
  }

  async check(): Promise<void> {
    try {
      await fs.mkdir(this.dir, { recursive: true, mode: 0o750 });
      await fs.access(this.dir, fs.constants.W_OK);
    } catch (err) {
      throw describeIoError(err, `the target folder ${this.dir}`);
    }
  }

  /** Temp files of uploads cut off by a crash were never renamed into place: drop them. Run at start only. */
  async cleanup(): Promise<void> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      if (name.startsWith('.') && name.endsWith('.tmp')) await fs.rm(path.join(this.dir, name), { force: true });
    }
  }

  close(): void {}
}

import { promises as fs, constants as fsConstants, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** fsync a directory so a rename inside it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, fsConstants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function tempNameFor(finalPath: string): string {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Write a whole file atomically: temp file, fsync, rename, fsync the directory. The file gets
 * exactly `mode`, whatever the umask: who may read it is the caller's decision (the relay reads
 * a few of the hub's files through their group bits, which the hub's umask 0077 would drop).
 */
export async function writeFileAtomic(finalPath: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = tempNameFor(finalPath);
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, finalPath);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(path.dirname(finalPath));
}

/**
 * The text of a secret file made once (a key): when `file` is missing, `make()` is written
 * beside it (0600, atomically) and linked into place. link refuses to replace a file, so when
 * two processes make one at the same moment (the hub and a console command), both end up
 * reading the same secret, never each its own.
 */
export async function readOrCreateSecretFile(file: string, make: () => string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Unique per call, not per process: two callers in one process (the test, or two requests
  // racing at first run) must not share, and so remove, each other's made file.
  const made = tempNameFor(file);
  await writeFileAtomic(made, make(), 0o600);
  try {
    await fs.link(made, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await fs.rm(made, { force: true });
  }
  await fsyncDir(path.dirname(file));
  return fs.readFile(file, 'utf8');
}

/**
 * Replace a small file so readers see the old or the new content, never part of it (temp
 * file, rename), synchronously and without fsync: for state that must not tear but need
 * not survive a power cut (a simulated GPIO line another process reads).
 */
export function replaceFileSync(finalPath: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = tempNameFor(finalPath);
  try {
    writeFileSync(tmp, data, { mode, flag: 'wx' });
    renameSync(tmp, finalPath);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * A file written piece by piece that appears under its final name only once complete:
 * nothing half-written is ever visible under `finalPath`, even after a crash.
 */
export class AtomicFileWriter {
  private handle: fs.FileHandle | null = null;
  bytesWritten = 0;

  private constructor(
    readonly finalPath: string,
    readonly tempPath: string,
  ) {}

  /** The file gets exactly `mode`, whatever the umask (as writeFileAtomic). */
  static async open(finalPath: string, tempPath = tempNameFor(finalPath), mode = 0o600): Promise<AtomicFileWriter> {
    const writer = new AtomicFileWriter(finalPath, tempPath);
    const handle = await fs.open(tempPath, 'wx', mode);
    writer.handle = handle;
    try {
      await handle.chmod(mode);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return writer;
  }

  async write(data: Uint8Array): Promise<void> {
    if (!this.handle) throw new Error('file already closed');
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
    this.bytesWritten += data.length;
  }

  async commit(): Promise<void> {
    if (!this.handle) throw new Error('file already closed');
    const handle = this.handle;
    this.handle = null;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(this.tempPath, this.finalPath);
    await fsyncDir(path.dirname(this.finalPath));
  }

  async abort(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (handle) await handle.close().catch(() => undefined);
    await fs.rm(this.tempPath, { force: true });
  }
}

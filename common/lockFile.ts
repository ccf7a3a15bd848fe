import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * A lock between processes on one machine (the hub and a console command) around a
 * read-then-write of a file: `lockPath` is created with O_EXCL and holds the holder's pid.
 * A holder that died (its pid gone, or the lock older than `staleMs`, which no holder takes)
 * does not block anyone for good: its lock is taken over.
 */

export interface LockOptions {
  /** Give up waiting after this long, with an error naming the lock file. */
  waitMs?: number;
  /** A lock this old is a dead holder's whatever its pid says (a pid may be reused). */
  staleMs?: number;
}

/** Whether `pid` names a live process; EPERM means it lives but is another user's (root's console command). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function stale(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    const [text, st] = await Promise.all([fs.readFile(lockPath, 'utf8'), fs.stat(lockPath)]);
    if (Date.now() - st.mtimeMs > staleMs) return true;
    const pid = /^(\d+)\n$/.exec(text)?.[1];
    // Empty: its holder is between creating and writing it; only age makes that stale.
    return pid !== undefined && !alive(Number(pid));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // released meanwhile: try again
    throw err;
  }
}

export async function withLockFile<T>(lockPath: string, work: () => Promise<T>, { waitMs = 15_000, staleMs = 60_000 }: LockOptions = {}): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, 'wx', 0o644);
      try {
        // Readable by all: root's console command and the hub's user must each tell whether the other's holder lives.
        await handle.chmod(0o644);
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await stale(lockPath, staleMs)) {
      await fs.rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lockPath} has been held by process ${(await fs.readFile(lockPath, 'utf8').catch(() => '?')).trim()} for over ${waitMs / 1000} s: if no porchlight command is running, remove the file`);
    await sleep(20);
  }
  try {
    return await work();
  } finally {
    await fs.rm(lockPath, { force: true });
  }
}

import { readdirSync, readFileSync, rmSync, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { replaceFileSync } from '../atomicFile';
import { GpioError, type PinLevel } from './pins';
import { SimulatedGpioBank, type PinStorage } from './simulated';

/*
 * Simulated lines another process can drive and read: one file per line in a directory,
 * `<dir>/gpio17` holding the line's electrical level, `0` or `1`. Writes replace the file
 * atomically (temp file + rename), so a reader never sees half of one. Inputs learn of
 * outside changes through fs.watch on the directory, with a poll as the fallback where
 * watching does not work (some network and container file systems).
 *
 * A missing or unreadable file, or one holding anything but 0 or 1, has no level: the line
 * reads as resting (inactive).
 */

const LINE_FILE = /^gpio(\d+)$/;

export const SIMULATED_POLL_MS = 100;

export function simulatedLineFile(dir: string, line: number): string {
  return path.join(dir, `gpio${line}`);
}

export class DirectoryPinStorage implements PinStorage {
  private readonly watchers = new Map<number, Set<() => void>>();
  private fsWatcher: FSWatcher | null = null;
  private poller: NodeJS.Timeout | null = null;

  constructor(
    readonly dir: string,
    private readonly pollMs = SIMULATED_POLL_MS,
  ) {}

  get(line: number): PinLevel | undefined {
    let text: string;
    try {
      text = readFileSync(simulatedLineFile(this.dir, line), 'utf8').trim();
    } catch {
      return undefined;
    }
    return text === '1' ? 1 : text === '0' ? 0 : undefined;
  }

  set(line: number, level: PinLevel): void {
    const file = simulatedLineFile(this.dir, line);
    try {
      replaceFileSync(file, `${level}\n`, 0o644);
    } catch (err) {
      throw new GpioError(`cannot write simulated GPIO${line} to ${file}: ${(err as Error).message}`);
    }
  }

  delete(line: number): void {
    rmSync(simulatedLineFile(this.dir, line), { force: true });
  }

  lines(): number[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.flatMap((name) => {
      const m = LINE_FILE.exec(name);
      return m ? [Number(m[1])] : [];
    });
  }

  watch(line: number, changed: () => void): () => void {
    let set = this.watchers.get(line);
    if (!set) this.watchers.set(line, (set = new Set()));
    set.add(changed);
    this.startWatching();
    return () => {
      set.delete(changed);
      if (set.size === 0 && this.watchers.get(line) === set) this.watchers.delete(line);
      if (this.watchers.size === 0) this.stopWatching();
    };
  }

  private notify(line?: number): void {
    const sets = line === undefined ? [...this.watchers.values()] : [this.watchers.get(line)];
    for (const set of sets) for (const changed of [...(set ?? [])]) changed();
  }

  private startWatching(): void {
    if (this.poller) return;
    this.poller = setInterval(() => this.notify(), this.pollMs);
    this.poller.unref();
    try {
      const fsWatcher = watch(this.dir, { persistent: false }, (_event, name) => {
        const m = name ? LINE_FILE.exec(name.toString()) : null;
        if (m) this.notify(Number(m[1]));
        else if (!name) this.notify();
      });
      // The poll goes on: it alone notices changes once watching has failed.
      fsWatcher.on('error', () => fsWatcher.close());
      this.fsWatcher = fsWatcher;
    } catch {
      this.fsWatcher = null;
    }
  }

  private stopWatching(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    this.fsWatcher?.close();
    this.fsWatcher = null;
  }
}

/** A simulated bank whose lines live in `dir` (which must exist). */
export function directoryGpioBank(dir: string, now: () => number = Date.now): SimulatedGpioBank {
  return new SimulatedGpioBank(now, new DirectoryPinStorage(dir));
}

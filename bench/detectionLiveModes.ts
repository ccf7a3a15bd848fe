import * as path from 'node:path';
import { detectionLive, LIVE_SECTION, liveReport } from './detectionLive';
import { detectionSoak, SOAK_SECTION, soakReport } from './detectionSoak';

/*
 * The object detector measured end to end with real processes (issue 18, "Targets"):
 * `--detection-soak [--minutes N]` (an hour of events: hub RSS and the worker's numTensors),
 * `--detection-live [--pairs N]` (motion onset → first label, and detection's CPU side by side:
 * a warm-up round, then N pairs of rounds with the agent's detection off and on; default 3).
 * Returns false when neither flag was given.
 */

export interface ModeContext {
  root: string;
  machine: string;
  writeSection: (text: string, section: string) => Promise<void>;
  log: (s: string) => void;
}

function wholeFlag(args: string[], flag: string, fallback: number): number {
  const at = args.indexOf(flag);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} must be a whole number of 1 or more`);
  return value;
}

export async function detectionLiveModes(args: string[], c: ModeContext): Promise<boolean> {
  const soak = args.includes('--detection-soak');
  const live = args.includes('--detection-live');
  if (!soak && !live) return false;
  const cacheDir = path.join(c.root, '.bench-cache');
  if (soak) {
    const minutes = wholeFlag(args, '--minutes', 60);
    const result = await detectionSoak({ minutes, cacheDir }, c.log);
    const command = `nice -n 10 npm run bench -- --detection-soak${args.includes('--minutes') ? ` --minutes ${minutes}` : ''}`;
    const text = soakReport(result, { date: new Date().toISOString().slice(0, 10), machine: c.machine, command });
    await c.writeSection(text, SOAK_SECTION);
    process.stdout.write(text);
  }
  if (live) {
    const pairs = wholeFlag(args, '--pairs', 3);
    const result = await detectionLive({ pairs, cacheDir }, c.log);
    const command = `npm run bench -- --detection-live${args.includes('--pairs') ? ` --pairs ${pairs}` : ''}`;
    const text = liveReport(result, { machine: c.machine, command });
    await c.writeSection(text, LIVE_SECTION);
    process.stdout.write(text);
  }
  return true;
}

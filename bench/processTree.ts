import { readFileSync } from 'node:fs';

/*
 * CPU and memory of a running process and everything it started, read from /proc, so that
 * the agent (Node + its ffmpeg) and Motion are measured the same way, from outside (a whole
 * tree) or from inside (the benchmark's agent run: itself and its ffmpeg apart).
 */

const TICKS_PER_SECOND = 100; // USER_HZ is 100 on every Linux architecture Node runs on

/** The living children of `pid`. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The process and its descendants that are alive now. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...childPids(out[i]!));
  return out;
}

/** user + system CPU seconds of one process (`own`), and of its children that have exited and been reaped (`reaped`); zeros once it is gone. */
export function cpuTimes(pid: number): { own: number; reaped: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name start at field 3; 14–17 are utime, stime, cutime, cstime.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const f = (i: number) => Number(fields[i]) / TICKS_PER_SECOND;
    return { own: f(11) + f(12), reaped: f(13) + f(14) };
  } catch {
    return { own: 0, reaped: 0 };
  }
}

/** CPU seconds used so far by the whole tree under `pid` (the living and the reaped). */
export function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    const t = cpuTimes(p);
    return sum + t.own + t.reaped;
  }, 0);
}

/** Peak resident memory (VmHWM) of one living process; 0 once it is gone. */
export function peakRssBytes(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // exited meanwhile
  }
}

/** Peak resident memory (VmHWM) of each living process of the tree, summed. */
export function treePeakRssBytes(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + peakRssBytes(p), 0);
}

import { readFileSync } from 'node:fs';

/*
 * CPU and memory of a running process and everything it started, read from /proc, so that
 * the agent (Node + its ffmpeg) and Motion are measured the same way from outside.
 */

const TICKS_PER_SECOND = 100; // USER_HZ is 100 on every Linux architecture Node runs on

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The process and its descendants that are alive now. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...children(out[i]!));
  return out;
}

/** user + system CPU seconds of one process, with its children that have exited and been reaped. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name start at field 3; 14–17 are the CPU times.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by the whole tree under `pid` (the living and the reaped). */
export function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + cpuSeconds(p), 0);
}

/** Peak resident memory (VmHWM) of each living process of the tree, summed. */
export function treePeakRssBytes(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      total += m ? Number(m[1]) * 1024 : 0;
    } catch {
      /* exited meanwhile */
    }
  }
  return total;
}

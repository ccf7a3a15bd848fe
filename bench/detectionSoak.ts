import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hubLogLines, rssBytes, slope, startAgent, startHub, stopProcess } from './detectionSystem';
import { pausedFootage, type PausedFootageSpec } from './pausedFootage';

/*
 * An hour of events (issue 18, "Targets"): the real hub with its detector worker and a real
 * camera agent playing vtest.avi with pauses (a motion event every 23 s), the hub's RSS read
 * from /proc and the worker's tf.memory().numTensors from the hub's debug log (the latest
 * answer before each sample) every minute. Flat means no upward trend: the slope says.
 */

export const SOAK_SECTION = 'detection-soak';
export const SOAK_FOOTAGE: PausedFootageSpec = { leadSeconds: 20, moveSeconds: 7, stillSeconds: 16, segments: 11 };

export interface SoakSample {
  minute: number;
  rssBytes: number;
  numTensors: number | null;
  numBytes: number | null;
  answers: number;
  events: number;
  load1: number;
}

export interface SoakResult {
  minutes: number;
  samples: SoakSample[];
  pictures: number;
  pictureMs: number[];
  events: number;
  started: string;
}

export async function detectionSoak(o: { minutes: number; cacheDir: string }, log: (s: string) => void): Promise<SoakResult> {
  const footage = await pausedFootage(o.cacheDir, SOAK_FOOTAGE, Math.ceil((o.minutes * 60 + 120) / 273));
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'porchlight-soak-'));
  log(`soak: ${o.minutes} min in ${work}`);
  const hub = await startHub(work);
  const agent = await startAgent(hub, work, 'soak', footage, true).catch(async (err: Error) => {
    await stopProcess(hub.child);
    throw err;
  });
  const started = new Date().toISOString();
  const samples: SoakSample[] = [];
  try {
    const t0 = Date.now();
    for (let minute = 1; minute <= o.minutes; minute++) {
      await new Promise((r) => setTimeout(r, t0 + minute * 60_000 - Date.now()));
      if (hub.child.exitCode !== null) throw new Error(`the hub exited (code ${hub.child.exitCode}); see ${hub.logFile}`);
      if (agent.child.exitCode !== null) throw new Error(`the agent exited (code ${agent.child.exitCode}); see ${work}`);
      const rss = rssBytes(hub.child.pid!);
      const answers = hubLogLines(hub.logFile, ['object detector answered']);
      const last = answers.at(-1);
      const events = new Set(hubLogLines(hub.logFile, ['detection picture looked at']).map((l) => l.eventAt)).size;
      const sample: SoakSample = {
        minute,
        rssBytes: rss,
        numTensors: typeof last?.numTensors === 'number' ? last.numTensors : null,
        numBytes: typeof last?.numBytes === 'number' ? last.numBytes : null,
        answers: answers.length,
        events,
        load1: os.loadavg()[0]!,
      };
      samples.push(sample);
      log(`soak minute ${minute}: RSS ${(rss / 2 ** 20).toFixed(1)} MiB, numTensors ${sample.numTensors ?? '—'}, ${answers.length} pictures, ${events} events, load ${sample.load1.toFixed(1)}`);
    }
  } finally {
    await stopProcess(agent.child);
    await stopProcess(hub.child);
  }
  const answers = hubLogLines(hub.logFile, ['object detector answered']);
  const result: SoakResult = {
    minutes: o.minutes,
    samples,
    pictures: answers.length,
    pictureMs: answers.map((a) => Number(a.ms)),
    events: samples.at(-1)?.events ?? 0,
    started,
  };
  await fs.writeFile(path.join(o.cacheDir, 'detection-soak-last.json'), JSON.stringify(result, null, 1));
  await fs.rm(work, { recursive: true, force: true });
  return result;
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);

export function soakReport(r: SoakResult, meta: { date: string; machine: string; command: string }): string {
  const s = r.samples;
  const rss = s.map((x) => ({ x: x.minute / 60, y: x.rssBytes / 2 ** 20 }));
  const tensors = s.filter((x) => x.numTensors !== null).map((x) => ({ x: x.minute / 60, y: x.numTensors! }));
  // V8 and the WASM heap grow to their working size in the first minutes; the trend after that is what a leak shows.
  const settled = rss.filter((p) => p.x > 10 / 60);
  const first = s[0];
  const last = s.at(-1);
  const maxRss = Math.max(...s.map((x) => x.rssBytes));
  const tensorValues = tensors.map((t) => t.y);
  const loads = s.map((x) => x.load1);
  const sorted = [...r.pictureMs].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  const rows = s.filter((x) => x.minute % 5 === 0 || x.minute === 1).map((x) => `| ${x.minute} | ${mib(x.rssBytes)} | ${x.numTensors ?? '—'} | ${x.answers} | ${x.events} | ${x.load1.toFixed(1)} |`);
  return [
    `<!-- bench:${SOAK_SECTION} -->`,
    '## Object detection: an hour of events (hub memory)',
    '',
    `Command: \`${meta.command}\` (bench/detectionSoak.ts), started ${r.started}. Machine: ${meta.machine}; load average (1 min) during the run ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}, median ${loads.sort((a, b) => a - b)[Math.floor(loads.length / 2)]?.toFixed(1)} (other helpers' work shared the machine).`,
    '',
    `The real hub (\`porchlight hub\`, CenterNet on ${'WASM'} in its worker) and a real camera agent as separate processes; the agent's camera is`,
    `vtest.avi with pauses (bench/pausedFootage.ts: ${SOAK_FOOTAGE.moveSeconds} s of the real video, ${SOAK_FOOTAGE.stillSeconds} s frozen, so a motion event every ${SOAK_FOOTAGE.moveSeconds + SOAK_FOOTAGE.stillSeconds} s), played in real time at 768×576 10 fps.`,
    'Every minute: the hub process\'s RSS (VmRSS; the worker thread is in it) and the worker\'s `tf.memory().numTensors` after the latest picture',
    '(each answer carries it; the hub writes it to its log at debug level, nowhere else).',
    '',
    `${r.minutes} min: ${r.events} motion events looked at, ${r.pictures} pictures; worker time per picture median ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms.`,
    '',
    '| | first sample (min 1) | last | max | slope |',
    '|---|---|---|---|---|',
    `| hub RSS (MiB) | ${first ? mib(first.rssBytes) : '—'} | ${last ? mib(last.rssBytes) : '—'} | ${mib(maxRss)} | ${slope(rss).toFixed(1)} MiB/h over the hour; ${slope(settled).toFixed(1)} MiB/h after minute 10 |`,
    `| worker numTensors | ${tensorValues[0] ?? '—'} | ${tensorValues.at(-1) ?? '—'} | ${tensorValues.length ? Math.max(...tensorValues) : '—'} | ${slope(tensors).toFixed(2)} per hour |`,
    '',
    '| minute | hub RSS (MiB) | numTensors | pictures so far | events so far | load (1 min) |',
    '|---|---|---|---|---|---|',
    ...rows,
    `<!-- /bench:${SOAK_SECTION} -->`,
  ].join('\n') + '\n';
}

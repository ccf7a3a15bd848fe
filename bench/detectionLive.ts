import Database from 'better-sqlite3';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hubPaths } from '../common/dataLayout';
import { median } from '../simulator/sceneScore';
import { hubLogLines, startAgent, startHub, stopProcess, type RunningAgent, type RunningHub } from './detectionSystem';
import { pausedFootage, type PausedFootage, type PausedFootageSpec } from './pausedFootage';
import { treeCpuSeconds } from './processTree';

/*
 * Object detection live (issue 18, "Targets"), with the real hub (CenterNet in its worker)
 * and a real camera agent as separate processes, the agent's camera being vtest.avi with
 * pauses (bench/pausedFootage.ts). Rounds play the same footage with the agent's detection on
 * and off alternately (the hub and its loaded model stay up; only the agent restarts), after
 * one warm-up round with detection on that loads the model.
 *
 * - Onset → first label: the onset is the footage's own frame time where the video resumes,
 *   on the agent's clock (its stream start + that time); the label time is when the hub logged
 *   the first answer of that event holding a label. The first event after the hub started
 *   (which waits for the model to load) is reported apart.
 * - CPU: hub and agent (with its ffmpeg) CPU from /proc every second; per round the still
 *   window (the footage's frozen lead, after the agent's start-up) and the motion window (the
 *   first onset to the end: the events and the pauses between them). Detection's cost is the
 *   difference of the medians on and off: per second while still, and per second of motion
 *   (the motion window's CPU over the seconds the camera's events lasted, so the pauses' cost
 *   is charged to motion too).
 */

export const LIVE_SECTION = 'detection-live';
export const LIVE_FOOTAGE: PausedFootageSpec = { leadSeconds: 20, moveSeconds: 7, stillSeconds: 16, segments: 4 };
// The still window starts after the agent's start-up (Node, pairing load, ffmpeg's probe) has settled.
const STILL_FROM_S = 8;
const EDGE_S = 0.5;

export interface EventTiming {
  round: number;
  onsetFileSeconds: number;
  /** Onset → the hub received `motion start`. */
  motionMs: number | null;
  /** Onset → the hub's first answer for the event (with or without a label). */
  firstAnswerMs: number | null;
  /** Onset → the hub's first answer holding a label. */
  firstLabelMs: number | null;
  labels: string[];
  /** The first event of the hub's life: it waited for the model to load. */
  cold: boolean;
}

export interface RoundResult {
  round: number;
  detection: boolean;
  warmUp: boolean;
  stillSeconds: number;
  stillCpu: { hub: number; agent: number };
  motionWindowSeconds: number;
  motionCpu: { hub: number; agent: number };
  /** Seconds the camera's motion events lasted (start to end, its own clock). */
  motionSeconds: number;
  events: number;
  pictures: number;
  load1: number;
}

export interface LiveResult {
  footage: PausedFootage;
  rounds: RoundResult[];
  events: EventTiming[];
  pictureMs: number[];
  started: string;
}

interface MotionRow {
  kind: 'start' | 'end';
  mediaTime: number;
  at: number;
  receivedAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function motionRows(hub: RunningHub, deviceId: string, since: number): MotionRow[] {
  const db = new Database(hubPaths(hub.dir).db, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT kind, media_time AS mediaTime, at, received_at AS receivedAt FROM motion_events WHERE device_id = ? AND received_at >= ? ORDER BY received_at')
      .all(deviceId, since) as MotionRow[];
  } finally {
    db.close();
  }
}

interface CpuSample {
  t: number;
  hub: number;
  agent: number;
}

/** CPU used between wall times a and b, linearly between the nearest samples. */
function cpuBetween(samples: CpuSample[], a: number, b: number, key: 'hub' | 'agent'): number {
  const at = (t: number) => {
    const i = samples.findIndex((s) => s.t >= t);
    if (i <= 0) return samples[Math.max(0, i)]?.[key] ?? 0;
    const s0 = samples[i - 1]!;
    const s1 = samples[i]!;
    return s0[key] + ((s1[key] - s0[key]) * (t - s0.t)) / (s1.t - s0.t);
  };
  return at(b) - at(a);
}

async function playRound(hub: RunningHub, work: string, footage: PausedFootage, detection: boolean, deviceId: string | undefined, round: number, log: (s: string) => void): Promise<{ agent: RunningAgent; samples: CpuSample[]; rows: MotionRow[]; streamStart: number; since: number }> {
  const since = Date.now();
  const agent = await startAgent(hub, work, 'live', footage, detection, deviceId);
  const samples: CpuSample[] = [];
  const sample = () => samples.push({ t: Date.now(), hub: treeCpuSeconds(hub.child.pid!), agent: treeCpuSeconds(agent.child.pid!) });
  sample();
  const timer = setInterval(sample, 1000);
  try {
    // Stream time 0 comes from the first motion start (its frame time minus its stream time).
    let streamStart: number | null = null;
    const deadline = Date.now() + 60_000 + footage.onsets[0]! * 1000;
    while (streamStart === null) {
      if (agent.child.exitCode !== null) throw new Error(`round ${round}: the agent exited (code ${agent.child.exitCode}); see ${work}`);
      if (Date.now() > deadline) throw new Error(`round ${round}: no motion reached the hub`);
      await sleep(500);
      const first = motionRows(hub, agent.deviceId, since).find((r) => r.kind === 'start');
      if (first) streamStart = first.at - first.mediaTime * 1000;
    }
    // Stop just before the file ends: capture would start it again.
    await sleep(streamStart + (footage.durationSeconds - EDGE_S) * 1000 - Date.now());
    sample();
    clearInterval(timer);
    await stopProcess(agent.child);
    // Let the hub finish the last answer before the next round's window.
    await sleep(2000);
    log(`round ${round} (${detection ? 'detection on' : 'detection off'}) done`);
    return { agent, samples, rows: motionRows(hub, agent.deviceId, since), streamStart, since };
  } finally {
    clearInterval(timer);
    await stopProcess(agent.child);
  }
}

export async function detectionLive(o: { pairs: number; cacheDir: string }, log: (s: string) => void): Promise<LiveResult> {
  const footage = await pausedFootage(o.cacheDir, LIVE_FOOTAGE);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'porchlight-live-'));
  log(`detection live: ${o.pairs} pairs of rounds in ${work}`);
  const started = new Date().toISOString();
  const hub = await startHub(work);
  const rounds: RoundResult[] = [];
  const events: EventTiming[] = [];
  try {
    let deviceId: string | undefined;
    const plan = [true, ...Array.from({ length: o.pairs }, () => [false, true]).flat()];
    for (const [i, detection] of plan.entries()) {
      const round = i + 1;
      const r = await playRound(hub, work, footage, detection, deviceId, round, log);
      deviceId = r.agent.deviceId;
      const { samples, rows, streamStart } = r;
      const wall = (fileSeconds: number) => streamStart + fileSeconds * 1000;
      const stillFrom = wall(STILL_FROM_S);
      const stillTo = wall(footage.onsets[0]! - EDGE_S);
      const motionTo = wall(footage.durationSeconds - EDGE_S);
      const starts = rows.filter((x) => x.kind === 'start');
      const ends = rows.filter((x) => x.kind === 'end');
      let motionSeconds = 0;
      for (const s of starts) {
        const end = ends.find((e) => e.at >= s.at);
        motionSeconds += ((end?.at ?? motionTo) - s.at) / 1000;
      }
      const looked = hubLogLines(hub.logFile, ['detection picture looked at']).filter((l) => l.time >= r.since);
      rounds.push({
        round,
        detection,
        warmUp: round === 1,
        stillSeconds: (stillTo - stillFrom) / 1000,
        stillCpu: { hub: cpuBetween(samples, stillFrom, stillTo, 'hub'), agent: cpuBetween(samples, stillFrom, stillTo, 'agent') },
        motionWindowSeconds: (motionTo - stillTo) / 1000,
        motionCpu: { hub: cpuBetween(samples, stillTo, motionTo, 'hub'), agent: cpuBetween(samples, stillTo, motionTo, 'agent') },
        motionSeconds,
        events: starts.length,
        pictures: looked.length,
        load1: os.loadavg()[0]!,
      });
      if (!detection) continue;
      for (const onset of footage.onsets) {
        const start = starts.find((s) => s.mediaTime >= onset - 0.5 && s.mediaTime <= onset + LIVE_FOOTAGE.moveSeconds);
        const onsetAt = wall(onset);
        const answers = start ? looked.filter((l) => l.eventAt === start.at) : [];
        const labelled = answers.find((l) => Array.isArray(l.labels) && l.labels.length > 0);
        events.push({
          round,
          onsetFileSeconds: onset,
          motionMs: start ? start.receivedAt - onsetAt : null,
          firstAnswerMs: answers[0] ? answers[0].time - onsetAt : null,
          firstLabelMs: labelled ? labelled.time - onsetAt : null,
          labels: labelled ? [...new Set(labelled.labels as string[])] : [],
          cold: round === 1 && onset === footage.onsets[0],
        });
      }
    }
  } finally {
    await stopProcess(hub.child);
  }
  const pictureMs = hubLogLines(hub.logFile, ['object detector answered']).map((l) => Number(l.ms));
  await fs.writeFile(path.join(o.cacheDir, 'detection-live-last.json'), JSON.stringify({ rounds, events, pictureMs, started }, null, 1));
  await fs.rm(work, { recursive: true, force: true });
  return { footage, rounds, events, pictureMs, started };
}

function quantile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  // Nearest rank: p90 of 15 values is the 14th.
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
}

export interface LiveFigures {
  labelMedianMs: number | null;
  labelP90Ms: number | null;
  warmEvents: number;
  labelled: number;
  addedPerMotionSecond: number;
  addedStill: number;
}

export function liveFigures(r: LiveResult): LiveFigures & { on: RoundResult[]; off: RoundResult[] } {
  const warm = r.events.filter((e) => !e.cold);
  const labels = warm.map((e) => e.firstLabelMs).filter((v): v is number => v !== null);
  const on = r.rounds.filter((x) => x.detection && !x.warmUp);
  const off = r.rounds.filter((x) => !x.detection);
  const m = (xs: number[]) => median(xs) ?? NaN;
  const motionCpu = (x: RoundResult) => x.motionCpu.hub + x.motionCpu.agent;
  const stillRate = (x: RoundResult) => (x.stillCpu.hub + x.stillCpu.agent) / x.stillSeconds;
  return {
    labelMedianMs: quantile(labels, 0.5),
    labelP90Ms: quantile(labels, 0.9),
    warmEvents: warm.length,
    labelled: labels.length,
    addedPerMotionSecond: (m(on.map(motionCpu)) - m(off.map(motionCpu))) / m(on.map((x) => x.motionSeconds)),
    addedStill: m(on.map(stillRate)) - m(off.map(stillRate)),
    on,
    off,
  };
}

const ms = (v: number | null) => (v === null ? '—' : `${(v / 1000).toFixed(2)} s`);

export function liveReport(r: LiveResult, meta: { machine: string; command: string }): string {
  const f = liveFigures(r);
  const warm = r.events.filter((e) => !e.cold);
  const cold = r.events.find((e) => e.cold);
  const m = (xs: number[]) => median(xs) ?? NaN;
  const loads = r.rounds.map((x) => x.load1);
  const sortedPictures = [...r.pictureMs].sort((a, b) => a - b);
  const roundRow = (x: RoundResult) =>
    `| ${x.round}${x.warmUp ? ' (warm-up)' : ''} | ${x.detection ? 'on' : 'off'} | ${((x.stillCpu.hub + x.stillCpu.agent) / x.stillSeconds).toFixed(3)} (hub ${(x.stillCpu.hub / x.stillSeconds).toFixed(3)}, agent ${(x.stillCpu.agent / x.stillSeconds).toFixed(3)}) | ${(x.motionCpu.hub + x.motionCpu.agent).toFixed(1)} (hub ${x.motionCpu.hub.toFixed(1)}, agent ${x.motionCpu.agent.toFixed(1)}) | ${x.motionSeconds.toFixed(1)} | ${x.events} | ${x.pictures} | ${x.load1.toFixed(1)} |`;
  const hubAdded = (m(f.on.map((x) => x.motionCpu.hub)) - m(f.off.map((x) => x.motionCpu.hub))) / m(f.on.map((x) => x.motionSeconds));
  const agentAdded = (m(f.on.map((x) => x.motionCpu.agent)) - m(f.off.map((x) => x.motionCpu.agent))) / m(f.on.map((x) => x.motionSeconds));
  const motionAgent = warm.map((e) => e.motionMs).filter((v): v is number => v !== null);
  const answerMs = warm.map((e) => e.firstAnswerMs).filter((v): v is number => v !== null);
  const row = (target: string, measured: string, met: boolean) => `| ${target} | ${measured} | ${met ? 'yes' : '**no**'} |`;
  return [
    `<!-- bench:${LIVE_SECTION} -->`,
    '## Object detection live: onset → first label, and its CPU',
    '',
    `Command: \`${meta.command}\` (bench/detectionLive.ts), started ${r.started}. Machine: ${meta.machine}; load average (1 min) at the rounds' ends ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}.`,
    '',
    `The real hub (\`porchlight hub\`, CenterNet on WASM in its worker, log at debug) and a real camera agent (\`porchlight agent run\`) as separate processes.`,
    `The camera is vtest.avi with pauses (bench/pausedFootage.ts): ${LIVE_FOOTAGE.leadSeconds} s frozen, then ${LIVE_FOOTAGE.segments} × (${LIVE_FOOTAGE.moveSeconds} s of the real video + ${LIVE_FOOTAGE.stillSeconds} s frozen), H.264 768×576 10 fps played in real time (${r.footage.durationSeconds} s a round).`,
    `Rounds alternate the agent's \`detection.enabled\` on and off (${f.on.length} + ${f.off.length}, after one warm-up round with detection on that loads the model); the hub stays up.`,
    '',
    '### Targets (issue 18)',
    '',
    '| target | measured | met |',
    '|---|---|---|',
    row('motion onset → first label at the hub ≤ 1.5 s (incl. inference)', `median ${ms(f.labelMedianMs)}, p90 ${ms(f.labelP90Ms)} over ${f.labelled} labelled of ${f.warmEvents} events`, f.labelP90Ms !== null && f.labelP90Ms <= 1500 && f.labelled === f.warmEvents),
    row('detection CPU ≤ 0.5 core-s per second of motion per camera', `${f.addedPerMotionSecond.toFixed(3)} (hub ${hubAdded.toFixed(3)}, agent ${agentAdded.toFixed(3)})`, f.addedPerMotionSecond <= 0.5),
    row('zero when nothing moves', `${f.addedStill.toFixed(4)} core-s/s (hub + agent, on − off, still scene)`, Math.abs(f.addedStill) < 0.005),
    '',
    '### Onset → first label',
    '',
    "Onset: the footage's frame time where the video resumes after a pause (the first frame that differs), placed on the agent's clock (its stream start + that time), so",
    "the agent's motion decision, the picture's decoding and upload, the queue and the inference are all inside. The label time is when the hub logged the first answer of the event",
    'holding a label (it records the labels just before). With one picture a second while motion lasts (the first at motion start), an event whose first picture holds no label waits for the next.',
    '',
    `- onset → \`motion start\` at the hub: median ${ms(median(motionAgent))}, max ${ms(motionAgent.length ? Math.max(...motionAgent) : null)}`,
    `- onset → first answer (labelled or not): median ${ms(median(answerMs))}, p90 ${ms(quantile(answerMs, 0.9))}`,
    `- onset → first label: median ${ms(f.labelMedianMs)}, p90 ${ms(f.labelP90Ms)}, max ${ms(quantile(warm.map((e) => e.firstLabelMs).filter((v): v is number => v !== null), 1))}; events with no label: ${f.warmEvents - f.labelled}`,
    `- the hub's first event (the model loads on its first picture): onset → first label ${ms(cold?.firstLabelMs ?? null)}, not in the figures above`,
    `- worker time per picture (conversion + inference), all pictures: median ${sortedPictures.length ? (quantile(sortedPictures, 0.5)! / 1000).toFixed(2) : '—'} s, p90 ${sortedPictures.length ? (quantile(sortedPictures, 0.9)! / 1000).toFixed(2) : '—'} s`,
    '',
    'Each event (s): ' + warm.map((e) => `${e.firstLabelMs === null ? '—' : (e.firstLabelMs / 1000).toFixed(2)}`).join(', '),
    '',
    '### CPU, detection on and off',
    '',
    `Hub (with its worker) and agent (with its ffmpeg), CPU seconds from /proc every second. Still: stream time ${STILL_FROM_S}–${(LIVE_FOOTAGE.leadSeconds - EDGE_S).toFixed(1)} s (the frozen lead, after start-up). Motion window: from there to the end`,
    `(${LIVE_FOOTAGE.segments} events and the pauses after them); per second of motion divides its added CPU by the seconds the events lasted (median ${m(f.on.map((x) => x.motionSeconds)).toFixed(1)} s a round), so the pauses' share is charged to motion.`,
    '',
    '| round | detection | still: core-s/s | motion window: core-s | motion s | events | pictures | load |',
    '|---|---|---|---|---|---|---|---|',
    ...r.rounds.map(roundRow),
    '',
    `Medians: motion window on ${m(f.on.map((x) => x.motionCpu.hub + x.motionCpu.agent)).toFixed(1)} core-s, off ${m(f.off.map((x) => x.motionCpu.hub + x.motionCpu.agent)).toFixed(1)} core-s; still on ${m(f.on.map((x) => (x.stillCpu.hub + x.stillCpu.agent) / x.stillSeconds)).toFixed(4)}, off ${m(f.off.map((x) => (x.stillCpu.hub + x.stillCpu.agent) / x.stillSeconds)).toFixed(4)} core-s/s.`,
    `<!-- /bench:${LIVE_SECTION} -->`,
  ].join('\n') + '\n';
}

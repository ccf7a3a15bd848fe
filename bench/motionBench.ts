import { AGENT_NODE_FLAGS } from '../camera-agent/nodeFlags';
import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { parseConfig, type AgentConfig, type Polygon } from '../common/config';
import { MotionDetector } from '../camera-agent/motionDetector';
import type { DetectorSettings } from '../camera-agent/motionPlan';
import { TfMotionDetector } from '../camera-agent/tfMotionDetector';
import type { Tf } from '../camera-agent/tfBackend';
import { analysisFrames, detectEvents, renderSceneVideo, sceneInput } from '../simulator/sceneRunner';
import { getScene, isNuisanceScene, sceneNames, scriptedEvents, type Scene } from '../camera-agent/scenes';
import { median, scoreEvents, totals, type DetectedEvent, type EventScore, type ScoreTotals } from '../simulator/sceneScore';
import type { AgentRunResult } from './agentRun';
import { runMotionDaemon, type MotionDaemonRun } from './motionDaemon';

/*
 * Issue 4's benchmark: Porchlight's camera agent against Debian's Motion daemon on the same
 * rendered scenes (640×360, 15 fps H.264, 5 fps analysis), plus detector speed per backend,
 * an hour-long leak check and false alarms per hour of nuisance video.
 */

const run = promisify(execFile);

export const BENCH_VIDEO: AgentConfig['video'] = parseConfig({ agent: { video: { width: 640, height: 360 } } }).agent.video;

export interface SystemScenes {
  scores: Array<EventScore & { scene: string; nuisance: boolean }>;
  totals: ScoreTotals;
}

export interface SideBySide {
  porchlight: SystemScenes & { cpuPerVideoSecond: number; agentCpuPerVideoSecond: number; ffmpegCpuPerVideoSecond: number; peakRssBytes: number; agentPeakRssBytes: number; ffmpegPeakRssBytes: number; clipsWithPreRoll: number; clipsChecked: number };
  motion: SystemScenes & { cpuPerVideoSecond: number; peakRssBytes: number; configText: string; command: string; version: string };
  videoSeconds: number;
  longVideoSeconds: number;
  porchlightCommand: string;
  /** Porchlight / Motion CPU of each all-scenes round, in the order run; the CPU figures above are the medians. */
  cpuRatios: number[];
  /** The median of `cpuRatios`: the figure the target is judged on. */
  cpuRatio: number;
}

/** Renders every scene once (cached by name) and one file with all of them back to back. */
export async function renderScenes(dir: string, names: string[], log: (s: string) => void): Promise<{ files: Record<string, string>; all: string }> {
  await fs.mkdir(dir, { recursive: true });
  const files: Record<string, string> = {};
  for (const name of names) {
    const file = path.join(dir, `${name}.mp4`);
    files[name] = file;
    const exists = await fs.stat(file).then(() => true, () => false);
    if (!exists) {
      log(`  rendering ${name}`);
      await renderSceneVideo(getScene(name), file + '.tmp.mp4', BENCH_VIDEO);
      await fs.rename(file + '.tmp.mp4', file);
    }
  }
  const list = path.join(dir, 'all.txt');
  await fs.writeFile(list, names.map((n) => `file '${files[n]}'`).join('\n') + '\n');
  const all = path.join(dir, `${names.length}-scenes.mp4`);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', all]);
  return { files, all };
}

function agentRun(video: string, spool: string, ignoreMasks: Polygon[] = []): Promise<AgentRunResult> {
  return new Promise((resolve, reject) => {
    const args = [...AGENT_NODE_FLAGS, path.join(__dirname, 'agentRun.js'), video, spool, JSON.stringify(ignoreMasks)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as AgentRunResult) : reject(new Error(`agentRun failed: ${err.trim()}`))));
  });
}

function summarise(scores: SystemScenes['scores']): SystemScenes {
  return { scores, totals: totals(scores) };
}

/**
 * Runs Motion and Porchlight side by side, scene by scene, then `cpuRounds` times over all
 * scenes for CPU and memory: the machine is shared, so the CPU figures are medians.
 */
export async function sideBySide(names: string[], files: Record<string, string>, all: string, work: string, log: (s: string) => void, cpuRounds = 3): Promise<SideBySide> {
  const ours: SystemScenes['scores'] = [];
  const theirs: SystemScenes['scores'] = [];
  let preRolled = 0;
  let checked = 0;
  let motionMeta: MotionDaemonRun | null = null;
  let videoSeconds = 0;
  const preRoll = parseConfig({}).agent.recording.preRollSeconds;
  for (const name of names) {
    const scene = getScene(name);
    log(`  ${name}: Porchlight and Motion side by side (real time)`);
    const [p, m] = await Promise.all([
      agentRun(files[name]!, path.join(work, 'spool', name), scene.ignoreMasks),
      runMotionDaemon({ video: files[name]!, width: BENCH_VIDEO.width, height: BENCH_VIDEO.height, fps: BENCH_VIDEO.analysisFps, workDir: path.join(work, 'motion', name) }),
    ]);
    motionMeta = m;
    const truth = scriptedEvents(scene, scene.period);
    videoSeconds += scene.period;
    ours.push({ scene: name, nuisance: isNuisanceScene(scene), ...scoreEvents(truth, p.events, scene.period) });
    const motionEvents: DetectedEvent[] = m.events.map((e) => ({ start: e.start, end: e.end, decidedAt: e.start, retrigger: false }));
    theirs.push({ scene: name, nuisance: isNuisanceScene(scene), ...scoreEvents(truth, motionEvents, scene.period) });
    const said = (x: EventScore) => `${x.detected} detected, ${x.falseEvents} false, ${x.recalled}/${x.truth} found`;
    log(`    Porchlight ${said(ours.at(-1)!)}; Motion ${said(theirs.at(-1)!)}`);
    for (const t of truth) {
      const clip = p.clips.find((c) => c.start <= t.start && c.end >= t.start);
      checked += 1;
      if (clip && t.start - clip.start >= preRoll - 1e-6) preRolled += 1;
    }
  }
  const rounds: Array<{ p: AgentRunResult; m: MotionDaemonRun }> = [];
  for (let round = 1; round <= cpuRounds; round++) {
    log(`  all scenes back to back, round ${round} of ${cpuRounds}: CPU and memory of both (real time)`);
    const [p, m] = await Promise.all([
      agentRun(all, path.join(work, 'spool', `all-${round}`)),
      runMotionDaemon({ video: all, width: BENCH_VIDEO.width, height: BENCH_VIDEO.height, fps: BENCH_VIDEO.analysisFps, workDir: path.join(work, 'motion', `all-${round}`) }),
    ]);
    rounds.push({ p, m });
  }
  const longSeconds = rounds[0]!.m.videoSeconds;
  const mid = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f))!;
  const m = rounds[0]!.m;
  const cpuRatios = rounds.map((r) => r.p.cpuSeconds / r.m.cpuSeconds);
  return {
    videoSeconds,
    longVideoSeconds: longSeconds,
    porchlightCommand: `node ${AGENT_NODE_FLAGS.join(' ')} dist/bench/agentRun.js VIDEO SPOOL (ffmpeg ${CAPTURE_NOTE})`,
    cpuRatios,
    cpuRatio: median(cpuRatios)!,
    porchlight: {
      ...summarise(ours),
      cpuPerVideoSecond: mid((r) => r.p.cpuSeconds) / longSeconds,
      agentCpuPerVideoSecond: mid((r) => r.p.cpuSeconds - r.p.ffmpegCpuSeconds) / longSeconds,
      ffmpegCpuPerVideoSecond: mid((r) => r.p.ffmpegCpuSeconds) / longSeconds,
      peakRssBytes: Math.max(...rounds.map((r) => r.p.agentPeakRssBytes + r.p.ffmpegPeakRssBytes)),
      agentPeakRssBytes: Math.max(...rounds.map((r) => r.p.agentPeakRssBytes)),
      ffmpegPeakRssBytes: Math.max(...rounds.map((r) => r.p.ffmpegPeakRssBytes)),
      clipsWithPreRoll: preRolled,
      clipsChecked: checked,
    },
    motion: {
      ...summarise(theirs),
      cpuPerVideoSecond: mid((r) => r.m.cpuSeconds) / longSeconds,
      peakRssBytes: Math.max(...rounds.map((r) => r.m.peakRssBytes)),
      configText: motionMeta?.configText ?? m.configText,
      command: m.command,
      version: m.version,
    },
  };
}

const CAPTURE_NOTE = 'copies the H.264 into fragments and decodes its reference frames once for the 5 fps grey analysis frames';

export interface KernelSpeed {
  name: string;
  medianMs: number;
  p90Ms: number;
  /** Frames whose motion verdict matches the agent's (typed-array) detector's. */
  agreement: number;
}

/** Detector time per 320×180 frame for the agent's typed-array detector and its TensorFlow.js cross-check on each backend, on the scenes' frames. */
export async function detectorSpeed(tf: Tf, log: (s: string) => void): Promise<{ frames: number; kernels: KernelSpeed[] }> {
  const frames: Uint8Array[] = [];
  for (const name of sceneNames()) for await (const f of analysisFrames(sceneInput(getScene(name), BENCH_VIDEO, 1), BENCH_VIDEO)) frames.push(f);
  const settings: DetectorSettings = parseConfig({}).agent.motion;
  const { analysisWidth: w, analysisHeight: h, analysisFps: fps } = BENCH_VIDEO;
  const time = (process: (f: Uint8Array) => boolean): { ms: number[]; verdicts: boolean[] } => {
    const ms: number[] = [];
    const verdicts: boolean[] = [];
    for (const f of frames) {
      const t0 = performance.now();
      verdicts.push(process(f));
      ms.push(performance.now() - t0);
    }
    return { ms: ms.slice(50), verdicts };
  };
  log('  agent detector (typed arrays)');
  const agent = new MotionDetector(w, h, fps, settings);
  const results: Array<{ name: string; ms: number[]; verdicts: boolean[] }> = [{ name: 'typed arrays (agent)', ...time((f) => agent.process(f).motion) }];
  const original = tf.getBackend();
  for (const backend of ['tensorflow', 'wasm', 'cpu']) {
    if (!(await tf.setBackend(backend).catch(() => false))) continue;
    log(`  cross-check on tfjs ${backend}`);
    const d = new TfMotionDetector(tf, w, h, fps, settings);
    results.push({ name: `tfjs ${backend}`, ...time((f) => d.process(f).motion) });
    d.dispose();
  }
  await tf.setBackend(original);
  const base = results[0]!;
  const kernels = results.map((r) => {
    const sorted = [...r.ms].sort((a, b) => a - b);
    return {
      name: r.name,
      medianMs: median(r.ms)!,
      p90Ms: sorted[Math.floor(sorted.length * 0.9)]!,
      agreement: r.verdicts.filter((v, i) => v === base.verdicts[i]).length / r.verdicts.length,
    };
  });
  return { frames: frames.length, kernels };
}

export interface LongRun {
  videoSeconds: number;
  nuisanceSeconds: number;
  totals: ScoreTotals;
  /** The process RSS, taken every few seconds while detectors run. */
  samples: Array<{ rssBytes: number }>;
}

/** Every scene `periods` times in a row through one detector per scene: false alarms per hour and memory over time. */
export async function longRun(names: string[], periods: number, log: (s: string) => void): Promise<LongRun> {
  const motion = parseConfig({}).agent.motion;
  const scores: EventScore[] = [];
  const samples: LongRun['samples'] = [];
  const sample = () => samples.push({ rssBytes: process.memoryUsage().rss });
  const sampler = setInterval(sample, 5000);
  let videoSeconds = 0;
  let nuisanceSeconds = 0;
  for (const name of names) {
    const scene: Scene = getScene(name);
    log(`  ${name} × ${periods}`);
    const seconds = scene.period * periods;
    const frames = analysisFrames(sceneInput(scene, BENCH_VIDEO, periods), BENCH_VIDEO);
    const result = await detectEvents(frames, BENCH_VIDEO, { ...motion, ignoreMasks: scene.ignoreMasks });
    scores.push(scoreEvents(scriptedEvents(scene, seconds), result.events, seconds));
    videoSeconds += seconds;
    if (isNuisanceScene(scene)) nuisanceSeconds += seconds;
  }
  clearInterval(sampler);
  return { videoSeconds, nuisanceSeconds, totals: totals(scores), samples };
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

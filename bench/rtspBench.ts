import { AGENT_NODE_FLAGS } from '../camera-agent/nodeFlags';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cameraMaxBitrateKbps, startRtspCamera, type StreamSpec } from '../simulator/ipCamera';
import { median } from '../simulator/sceneScore';
import { motionVersion, startMotionLive } from './motionDaemon';
import { cpuTimes, treeCpuSeconds, treePeakRssBytes } from './processTree';

/*
 * `npm run bench -- --rtsp`: Porchlight's camera agent and Debian's Motion on the same
 * IP-camera-like stream served over RTSP (the simulator's stand-in camera: GStreamer's RTSP
 * server, H.264 Main without B-frames, 15 fps, a keyframe a second, a camera's default bitrate
 * cap, AAC), one consumer at a time, in rotating order, medians of the rounds. CPU is read from /proc for each consumer's
 * whole process tree (the agent's Node process with its ffmpeg; Motion alone) over the same
 * window after a warm-up. The camera shows a labelled scene with a person walking through
 * every 30 s, so both record. Decoding H.264 costs both in proportion to its bitrate, so the
 * same 640×360 stream runs once more without the cap (x264's constant quality alone, several
 * times what a camera sends): the worst case next to the usual one.
 */

export const RTSP_SECTION = 'rtsp';

export interface ConsumerFigures {
  name: string;
  /** A Porchlight agent (this build's, or the one compared with it), not Motion. */
  agent: boolean;
  cpuPerSecond: number[];
  /** The top process alone (the agent's Node without its ffmpeg; Motion is one process). */
  ownCpuPerSecond: number[];
  peakRssBytes: number[];
}

export interface Setup {
  title: string;
  main: StreamSpec;
  sub?: StreamSpec;
  consumers: ConsumerFigures[];
}

export interface RtspBenchResult {
  date: string;
  machine: string;
  warmupSeconds: number;
  measureSeconds: number;
  rounds: number;
  setups: Setup[];
  /** Server restarted → video flowing into the agent again, per trial (s). */
  reconnectSeconds: number[];
  motionVersion: string;
  seconds: number;
}

const SCENE = 'person-walks';
/** Both consumers analyse 5 frames a second (the agent's default analysisFps). */
const ANALYSIS_FPS = 5;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Running {
  child: ChildProcess;
  /** Wall-clock ms of each time video started flowing (agent only). */
  streams: number[];
  /** The measurement waits for the first entry in `streams`. */
  waitForVideo: boolean;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

async function stopGently(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  child.kill(signal);
  await Promise.race([exited(child), sleep(graceMs)]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited(child);
  }
}

/** This build's agent run (bench/agentRun.ts). */
const AGENT_RUN = path.join(__dirname, 'agentRun.js');

function startAgent(url: string, seconds: number, work: string, subUrl?: string, agentRun = AGENT_RUN, nodeFlags: readonly string[] = AGENT_NODE_FLAGS): Running {
  const spool = path.join(work, `spool-${Date.now()}`);
  const args = [...nodeFlags, agentRun, '--live', String(seconds), url, spool, ...(subUrl ? [subUrl] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const streams: number[] = [];
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      try {
        const msg = JSON.parse(line) as { stream?: number };
        if (typeof msg.stream === 'number') streams.push(msg.stream);
      } catch {
        /* the result line is read by nobody here */
      }
    }
  });
  child.stderr.resume();
  // agentRun stops itself after `seconds`, or earlier on SIGTERM (with its ffmpeg).
  return { child, streams, waitForVideo: true, stop: () => stopGently(child, 'SIGTERM', 10_000) };
}

async function startMotion(url: string, opts: { record: boolean; passthrough: boolean; highUrl?: string; width: number; height: number }, work: string): Promise<Running> {
  const motion = await startMotionLive({ ...opts, url, fps: ANALYSIS_FPS, workDir: path.join(work, `motion-${Date.now()}`) });
  return { child: motion.child, streams: [], waitForVideo: false, stop: () => motion.stop() };
}

export type MotionKind = 'default' | 'passthrough' | 'detection';

export function motionConsumers(highUrl?: string, only: readonly MotionKind[] = ['default', 'passthrough', 'detection']): { name: string; record: boolean; passthrough: boolean }[] {
  const all = {
    default: { name: `Motion, recording (movie_output on${highUrl ? ', netcam_high_url' : ''}, re-encoding, its default)`, record: true, passthrough: false },
    passthrough: { name: `Motion, recording (movie_output on, movie_passthrough on: copied, as Porchlight does)`, record: true, passthrough: true },
    detection: { name: 'Motion, detection only (movie_output off)', record: false, passthrough: false },
  };
  return only.map((k) => all[k]);
}

async function measure(run: Running, warmupSeconds: number, measureSeconds: number): Promise<{ cpuPerSecond: number; ownCpuPerSecond: number; peakRssBytes: number }> {
  const pid = run.child.pid;
  if (pid === undefined) throw new Error('consumer did not start');
  // The warm-up counts from the first video the agent receives (it probes the camera first);
  // Motion connects within a second or two of starting.
  for (const until = Date.now() + 30_000; run.waitForVideo && run.streams.length === 0; ) {
    if (Date.now() > until) throw new Error('the agent received no video within 30 s');
    await sleep(100);
  }
  await sleep(warmupSeconds * 1000);
  const cpu0 = treeCpuSeconds(pid);
  const own0 = cpuTimes(pid).own;
  const t0 = Date.now();
  await sleep(measureSeconds * 1000);
  const cpu1 = treeCpuSeconds(pid);
  const own1 = cpuTimes(pid).own;
  const rss = treePeakRssBytes(pid);
  const wall = (Date.now() - t0) / 1000;
  if (run.child.exitCode !== null) throw new Error('consumer exited during the measurement');
  return { cpuPerSecond: (cpu1 - cpu0) / wall, ownCpuPerSecond: (own1 - own0) / wall, peakRssBytes: rss };
}

async function benchSetup(
  setup: Omit<Setup, 'consumers'>,
  o: { warmup: number; measure: number; rounds: number; work: string; motion: readonly MotionKind[]; compareAgent?: CompareAgent },
  progress: (s: string) => void,
): Promise<Setup> {
  const mounts: Record<string, StreamSpec> = { main: setup.main, ...(setup.sub ? { sub: setup.sub } : {}) };
  const camera = await startRtspCamera({ dir: o.work, mounts });
  try {
    const detectUrl = camera.url(setup.sub ? 'sub' : 'main');
    const highUrl = setup.sub ? camera.url('main') : undefined;
    const analysed = setup.sub ?? setup.main;
    const agents: CompareAgent[] = [{ name: 'Porchlight agent (with its ffmpeg)', agentRun: AGENT_RUN }, ...(o.compareAgent ? [o.compareAgent] : [])];
    const kinds: Array<{ name: string; agentRun?: string; nodeFlags?: readonly string[] }> = [...agents, ...motionConsumers(highUrl, o.motion)];
    const figures: ConsumerFigures[] = kinds.map((k) => ({ name: k.name, agent: !!k.agentRun, cpuPerSecond: [], ownCpuPerSecond: [], peakRssBytes: [] }));
    for (let round = 0; round < o.rounds; round++) {
      // Rotate the order, so no consumer always runs first on a cold machine.
      for (let k = 0; k < kinds.length; k++) {
        const i = (k + round) % kinds.length;
        const kind = kinds[i]!;
        progress(`  ${setup.title}, round ${round + 1}: ${kind.name}`);
        const run = kind.agentRun
          ? startAgent(camera.url('main'), o.warmup + o.measure + 30, o.work, setup.sub ? detectUrl : undefined, kind.agentRun, kind.nodeFlags)
          : await startMotion(detectUrl, { ...(kind as ReturnType<typeof motionConsumers>[number]), highUrl, width: analysed.width, height: analysed.height }, o.work);
        try {
          const m = await measure(run, o.warmup, o.measure);
          figures[i]!.cpuPerSecond.push(m.cpuPerSecond);
          figures[i]!.ownCpuPerSecond.push(m.ownCpuPerSecond);
          figures[i]!.peakRssBytes.push(m.peakRssBytes);
        } finally {
          await run.stop();
        }
      }
    }
    return { ...setup, consumers: figures };
  } finally {
    await camera.close();
  }
}

/** The camera's server goes away for `downSeconds` and comes back: how long until the agent has video again. */
async function reconnectTrials(trials: number, downSeconds: number, work: string, progress: (s: string) => void): Promise<number[]> {
  const camera = await startRtspCamera({ dir: work, mounts: { main: { width: 640, height: 360, scene: SCENE } } });
  const out: number[] = [];
  try {
    const run = startAgent(camera.url('main'), 20 + trials * (downSeconds + 30), work);
    const waitStreams = async (n: number, timeoutMs: number) => {
      const until = Date.now() + timeoutMs;
      while (run.streams.length < n && Date.now() < until) await sleep(100);
      return run.streams.length >= n;
    };
    if (!(await waitStreams(1, 20_000))) throw new Error('the agent never received video');
    for (let t = 0; t < trials; t++) {
      progress(`  reconnect trial ${t + 1}`);
      await camera.stopServer();
      await sleep(downSeconds * 1000);
      const before = run.streams.length;
      await camera.startServer();
      const back = Date.now();
      // Not back within 60 s counts as 60 s: the figure then says so plainly.
      out.push((await waitStreams(before + 1, 60_000)) ? (run.streams[before]! - back) / 1000 : 60);
      await sleep(5000);
    }
    await run.stop();
  } finally {
    await camera.close();
  }
  return out;
}

/** Another build's agent, measured in the same rounds (before and after a change, side by side). */
export interface CompareAgent {
  name: string;
  /** That build's dist/bench/agentRun.js. */
  agentRun: string;
  /** The Node options to run it with (this build's AGENT_NODE_FLAGS when left out). */
  nodeFlags?: readonly string[];
}

export interface RtspBenchOptions {
  rounds?: number;
  warmup?: number;
  measure?: number;
  /** Which of Motion's configurations run against the agent (default all three). */
  motion?: readonly MotionKind[];
  /** Which camera set-ups run (default all three). */
  setups?: readonly ('single' | 'sub' | 'uncapped')[];
  /** Time the recovery from a server restart (default true). */
  reconnect?: boolean;
  compareAgent?: CompareAgent;
}

export async function rtspBench(machine: string, progress: (s: string) => void, o: RtspBenchOptions = {}): Promise<RtspBenchResult> {
  const started = Date.now();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'porchlight-rtsp-bench-'));
  const opts = { rounds: o.rounds ?? 3, warmup: o.warmup ?? 10, measure: o.measure ?? 40, work, motion: o.motion ?? (['default', 'passthrough', 'detection'] as const), compareAgent: o.compareAgent };
  const which = o.setups ?? ['single', 'sub', 'uncapped'];
  if (o.compareAgent) await fs.access(o.compareAgent.agentRun).catch(() => Promise.reject(new Error(`the agent to compare with has no ${o.compareAgent?.agentRun} (build it first)`)));
  try {
    const setups: Setup[] = [];
    const cap = (w: number, h: number) => `${cameraMaxBitrateKbps(w, h)} kbit/s`;
    if (which.includes('single')) setups.push(await benchSetup({ title: `640×360, one stream (at most ${cap(640, 360)})`, main: { width: 640, height: 360, scene: SCENE } }, opts, progress));
    if (which.includes('sub')) {
      setups.push(
        await benchSetup(
          {
            title: `1280×720 main (at most ${cap(1280, 720)}) + 640×360 sub-stream (at most ${cap(640, 360)})`,
            main: { width: 1280, height: 720, scene: SCENE },
            sub: { width: 640, height: 360, scene: SCENE },
          },
          opts,
          progress,
        ),
      );
    }
    if (which.includes('uncapped')) {
      const uncapped = { width: 640, height: 360, scene: SCENE, maxBitrateKbps: null };
      setups.push(await benchSetup({ title: "640×360, one stream without a bitrate cap (the worst case: x264's constant quality alone)", main: uncapped }, opts, progress));
    }
    let reconnectSeconds: number[] = [];
    if (o.reconnect ?? true) {
      progress('time to recover from an RTSP server restart');
      reconnectSeconds = await reconnectTrials(3, 10, work, progress);
    }
    return {
      date: new Date().toISOString().slice(0, 10),
      machine,
      warmupSeconds: opts.warmup,
      measureSeconds: opts.measure,
      rounds: opts.rounds,
      setups,
      reconnectSeconds,
      motionVersion: await motionVersion().catch(() => 'not installed or unreadable'),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

export function rtspReport(r: RtspBenchResult): string {
  const lines = [
    `<!-- bench:${RTSP_SECTION} -->`,
    '## Camera agent on an IP camera (RTSP): Porchlight against the Motion daemon',
    '',
    `Command: \`npm run bench -- --rtsp\` (bench/rtspBench.ts), ${r.date}, ${(r.seconds / 60).toFixed(0)} min. Machine: ${r.machine}. Motion ${r.motionVersion}.`,
    '',
    "The camera: the simulator's stand-in IP camera (simulator/ipCamera.ts: GStreamer's RTSP server fed by ffmpeg), H.264 Main",
    `profile without B-frames, 15 fps, a keyframe a second, variable bitrate under a camera's default cap (below), AAC audio,`,
    `showing the labelled scene \`${SCENE}\` (a person walks through every 30 s, so both record). Decoding H.264 costs in`,
    'proportion to its bitrate, so one set-up lifts the cap: x264 alone then spends several times what a camera sends on',
    'this noisy scene. Both read the camera over TCP and analyse 5 frames a second. One consumer at a time, in',
    `rotating order; CPU of its whole process tree (/proc) over ${r.measureSeconds} s after a ${r.warmupSeconds} s warm-up; medians of ${r.rounds} rounds (each round's figure in brackets).`,
    'Peak RSS is summed over the tree (the agent: Node + ffmpeg).',
    '',
  ];
  for (const s of r.setups) {
    const porchlight = median(s.consumers[0]!.cpuPerSecond) ?? NaN;
    lines.push(`### ${s.title}`, '', '| consumer | CPU-s per s | Porchlight / it | peak RSS |', '|---|---|---|---|');
    for (const c of s.consumers) {
      const cpu = median(c.cpuPerSecond) ?? NaN;
      const each = c.cpuPerSecond.map((v) => v.toFixed(3)).join(', ');
      lines.push(`| ${c.name} | ${cpu.toFixed(3)} (${each}) | ${c === s.consumers[0] ? '—' : (porchlight / cpu).toFixed(2)} | ${mib(median(c.peakRssBytes) ?? 0)} |`);
    }
    for (const c of s.consumers.filter((x) => x.agent)) {
      const node = median(c.ownCpuPerSecond);
      if (node !== null) lines.push('', `Of ${c.name}'s ${(median(c.cpuPerSecond) ?? NaN).toFixed(3)}: Node ${node.toFixed(3)} (median), its ffmpeg the rest.`);
    }
    lines.push('');
  }
  if (r.reconnectSeconds.length === 0) {
    lines.push(`<!-- /bench:${RTSP_SECTION} -->`);
    return lines.join('\n') + '\n';
  }
  const rec = median(r.reconnectSeconds);
  lines.push(
    '### Recovering from a camera restart',
    '',
    `The RTSP server stopped for 10 s and started again, ${r.reconnectSeconds.length} times: video flowed into the agent again after`,
    `${r.reconnectSeconds.map((v) => `${v.toFixed(1)} s`).join(', ')} (median ${rec === null ? '—' : `${rec.toFixed(1)} s`}; target ≤ 15 s; 60 s means not back within a minute).`,
    `<!-- /bench:${RTSP_SECTION} -->`,
  );
  return lines.join('\n') + '\n';
}

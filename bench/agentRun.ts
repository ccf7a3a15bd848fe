import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../common/config';
import { generateFootageKeyPair } from '../common/footageKeys';
import { createLogger } from '../common/logger';
import { Capture } from '../camera-agent/capture';
import { ClipRecorder } from '../camera-agent/clipRecorder';
import { MotionDetector } from '../camera-agent/motionDetector';
import { gateSettingsFor, MotionGate } from '../camera-agent/motionGate';
import { AnalysisStage } from '../camera-agent/analysisStage';
import { loadTf } from '../camera-agent/tfBackend';
import { resolveSource } from '../camera-agent/videoSource';
import { EventLog } from '../simulator/sceneScore';

/*
 * Benchmark child process: one camera agent's whole local pipeline on a video file, paced
 * in real time like a camera — ffmpeg (H.264 copied into fragments + grey analysis frames),
 * the agent's analysis stage (detector, gate), and the clip recorder encrypting clips into a spool. Only the
 * upload to the hub is left out. Prints one JSON line with the events and what it cost:
 * CPU of this process and its ffmpeg (from /proc), and the peak RSS of each.
 *
 *   node dist/bench/agentRun.js VIDEO SPOOL_DIR [IGNORE_MASKS_JSON]
 *   node dist/bench/agentRun.js --live SECONDS SOURCE SPOOL_DIR [SUB_STREAM]
 *
 * With --live the source is a camera (rtsp://…): the run lasts SECONDS, capture reconnects
 * as the agent's does, and each time video starts flowing a line {"stream": wall-clock ms}
 * is printed before the result, so a benchmark can time a reconnection.
 */

export interface AgentRunResult {
  backend: string;
  frames: number;
  events: { start: number; end: number; decidedAt: number; retrigger: boolean }[];
  clips: { start: number; end: number }[];
  /** All CPU: this process (start-up included) and ffmpeg. */
  cpuSeconds: number;
  /** This process from the first frame on (start-up excluded). */
  agentSteadyCpuSeconds: number;
  ffmpegCpuSeconds: number;
  agentPeakRssBytes: number;
  ffmpegPeakRssBytes: number;
  wallSeconds: number;
}

const TICKS = 100;

/** CPU seconds of this process, and of its children that have exited (ffmpeg). */
function cpu(): { self: number; children: number } {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // utime, stime, cutime, cstime are fields 14–17; fields[0] here is field 3.
  const f = (i: number) => Number(fields[i]) / TICKS;
  return { self: f(11) + f(12), children: f(13) + f(14) };
}

function peakRss(pid: number | 'self'): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function childPids(): number[] {
  try {
    return readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const liveSeconds = argv[0] === '--live' ? Number(argv[1]) : null;
  if (liveSeconds !== null && !(liveSeconds > 0)) throw new Error('--live takes a number of seconds');
  // Live: the third argument, when given, is the camera's sub-stream (analysed; the main one is recorded).
  const [video, spool, masksOrSub] = liveSeconds === null ? argv : argv.slice(2);
  const masks = liveSeconds === null ? masksOrSub : undefined;
  const subStream = liveSeconds === null ? undefined : masksOrSub;
  if (!video || !spool) throw new Error('usage: agentRun VIDEO SPOOL_DIR [IGNORE_MASKS_JSON] | agentRun --live SECONDS SOURCE SPOOL_DIR [SUB_STREAM]');
  await fs.mkdir(spool, { recursive: true });
  const wall0 = Date.now();
  const config = parseConfig({
    agent: {
      source: liveSeconds === null ? path.resolve(video) : video,
      video: { width: 640, height: 360 },
      motion: { ignoreMasks: masks ? (JSON.parse(masks) as unknown) : [] },
      ...(subStream ? { rtsp: { subStream } } : {}),
    },
  });
  const agent = config.agent;
  const log = createLogger('bench-agent', 'warn');
  const { tf, backend } = await loadTf();
  const keys = await generateFootageKeyPair();
  const v = agent.video;
  const detector = new MotionDetector(tf, v.analysisWidth, v.analysisHeight, v.analysisFps, agent.motion);
  const gate = new MotionGate(gateSettingsFor(agent.motion, v.analysisFps));
  const clips: AgentRunResult['clips'] = [];
  const recorder = new ClipRecorder(agent.recording, spool, 'bench-camera', keys.publicKey, log, (meta) => clips.push({ start: meta.mediaStart, end: meta.mediaEnd }));
  const capture = new Capture(() => resolveSource(agent), agent, log);
  const events = new EventLog();
  // The agent's own analysis stage; the gate's stream times go to the recorder and the score.
  const analysis = new AnalysisStage(detector, gate, null, (m) => {
    if (!m.gate) return;
    const event = m.gate;
    events.add(event);
    recorder.onMotion(event.kind === 'start' ? { kind: 'start', time: Math.max(0, event.time - 1 / v.analysisFps) } : event);
  });
  let frames = 0;
  let cpuAtFirstFrame = 0;
  let ffmpegPeak = 0;
  const sampler = setInterval(() => {
    for (const pid of childPids()) ffmpegPeak = Math.max(ffmpegPeak, peakRss(pid));
  }, 250);

  const done = new Promise<void>((resolve) => {
    capture.on('stream', ({ init, wallStart }) => {
      if (liveSeconds !== null) process.stdout.write(JSON.stringify({ stream: Date.now() }) + '\n');
      analysis.onStream(wallStart);
      recorder.onStream(init, wallStart);
    });
    capture.on('fragment', (f) => recorder.onFragment(f));
    capture.on('frame', (frame) => {
      if (frames === 0) cpuAtFirstFrame = cpu().self;
      frames += 1;
      analysis.onFrame(frame);
    });
    let timeUp = false;
    if (liveSeconds !== null) {
      const end = () => {
        timeUp = true;
        void capture.stop();
      };
      setTimeout(end, liveSeconds * 1000);
      // The benchmark may end a live run early; ffmpeg must not outlive it.
      process.once('SIGTERM', end);
    }
    capture.on('streamEnd', () => {
      // A camera reconnects (capture restarts ffmpeg) until the time is up.
      if (liveSeconds !== null && !timeUp) return;
      // The file has played once: stop here instead of letting capture restart it.
      void capture.stop();
      analysis.onStreamEnd(frames / v.analysisFps);
      recorder.onStreamEnd();
      resolve();
    });
  });
  capture.start();
  await done;
  clearInterval(sampler);
  await recorder.stop();
  analysis.dispose();
  const used = cpu();
  const result: AgentRunResult = {
    backend,
    frames,
    events: events.events,
    clips,
    cpuSeconds: used.self + used.children,
    agentSteadyCpuSeconds: used.self - cpuAtFirstFrame,
    ffmpegCpuSeconds: used.children,
    agentPeakRssBytes: peakRss('self'),
    ffmpegPeakRssBytes: ffmpegPeak,
    wallSeconds: (Date.now() - wall0) / 1000,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`agentRun: ${err.message}\n`);
    process.exit(1);
  });
}

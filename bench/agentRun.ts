import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../common/config';
import { generateFootageKeyPair } from '../common/footageKeys';
import { createLogger } from '../common/logger';
import { Capture } from '../camera-agent/capture';
import { ClipRecorder } from '../camera-agent/clipRecorder';
import { MotionDetector } from '../camera-agent/motionDetector';
import { CameraPipeline } from '../camera-agent/pipeline';
import { resolveSource } from '../camera-agent/videoSource';
import { EventLog } from '../simulator/sceneScore';
import { childPids, cpuTimes, peakRssBytes } from './processTree';

/*
 * Benchmark child process: one camera agent's whole local pipeline on a video file, paced
 * in real time like a camera — ffmpeg (H.264 copied into fragments + grey analysis frames),
 * wired exactly as the agent wires it (camera-agent/pipeline.ts: analysis, motion, the clip
 * recorder encrypting clips into a spool). What needs a hub is left out: no event sink (motion
 * goes to the recorder and the score only), no snapshots or live view, no delivery. Prints one JSON line with the events and what it cost:
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
  const keys = await generateFootageKeyPair();
  const v = agent.video;
  const clips: AgentRunResult['clips'] = [];
  const recorder = new ClipRecorder(agent.recording, spool, 'bench-camera', keys.publicKey, log, (meta) => clips.push({ start: meta.mediaStart, end: meta.mediaEnd }));
  const capture = new Capture(() => resolveSource(agent), agent, log);
  const events = new EventLog();
  // The agent's own pipeline, with no hub to tell: the gate's events are scored.
  const pipeline = new CameraPipeline({
    feed: capture,
    detector: new MotionDetector(v.analysisWidth, v.analysisHeight, v.analysisFps, agent.motion),
    fusion: null,
    recorder,
    viewers: [],
    events: null,
    motion: agent.motion,
    analysisFps: v.analysisFps,
    log,
    observe: (m) => {
      if (m.gate) events.add(m.gate);
    },
  });
  let frames = 0;
  let cpuAtFirstFrame = 0;
  let ffmpegPeak = 0;
  // VmHWM is each ffmpeg's peak so far: reading it every few seconds only has to catch an
  // ffmpeg before a reconnection replaces it, and costs the measured process less than 4 reads a second did.
  const sampler = setInterval(() => {
    for (const pid of childPids(process.pid)) ffmpegPeak = Math.max(ffmpegPeak, peakRssBytes(pid));
  }, 2000);

  const done = new Promise<void>((resolve) => {
    if (liveSeconds !== null) capture.on('stream', () => process.stdout.write(JSON.stringify({ stream: Date.now() }) + '\n'));
    capture.on('frame', () => {
      if (frames === 0) cpuAtFirstFrame = cpuTimes(process.pid).own;
      frames += 1;
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
    // The pipeline has already ended the stream's motion and clip when this runs.
    capture.on('streamEnd', () => {
      // A camera reconnects (capture restarts ffmpeg) until the time is up.
      if (liveSeconds !== null && !timeUp) return;
      // The file has played once: stop here instead of letting capture restart it.
      void capture.stop();
      resolve();
    });
  });
  capture.start();
  await done;
  clearInterval(sampler);
  await recorder.stop();
  pipeline.dispose();
  const used = cpuTimes(process.pid);
  const result: AgentRunResult = {
    frames,
    events: events.events,
    clips,
    cpuSeconds: used.own + used.reaped,
    agentSteadyCpuSeconds: used.own - cpuAtFirstFrame,
    ffmpegCpuSeconds: used.reaped,
    agentPeakRssBytes: peakRssBytes(process.pid),
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

import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { AgentConfig } from '../common/config';
import { analysisFrameTime } from '../camera-agent/analysisClock';
import { MotionDetector } from '../camera-agent/motionDetector';
import { gateSettingsFor, MotionGate } from '../camera-agent/motionGate';
import { analysisFilter } from '../camera-agent/videoSource';
import { sceneFilterGraph, scriptedEvents, type Scene } from '../camera-agent/scenes';
import { EventLog, type DetectedEvent, type TruthEvent } from './sceneScore';

/*
 * Runs a scene through the agent's own analysis path, faster than real time: ffmpeg
 * renders the scene at the camera's resolution and shrinks it with the agent's analysis
 * filter; the agent's detector and gate turn the frames into motion events.
 */

export interface SceneRun {
  scene: string;
  seconds: number;
  frames: number;
  truth: TruthEvent[];
  events: DetectedEvent[];
  /** Time spent in the detector per frame (ms). */
  detectorMs: number[];
}

export interface SceneRunOptions {
  periods: number;
  video: AgentConfig['video'];
  motion: AgentConfig['motion'];
  ffmpegPath?: string;
}

/** The ffmpeg input that renders `periods` periods of a scene (lavfi, no files). */
export function sceneInput(scene: Scene, video: AgentConfig['video'], periods: number): string[] {
  return ['-f', 'lavfi', '-i', sceneFilterGraph(scene, video.width, video.height, video.fps), '-t', String(scene.period * periods)];
}

/** Yields the grey analysis frames ffmpeg produces from `inputArgs`. */
export async function* analysisFrames(inputArgs: string[], video: AgentConfig['video'], ffmpegPath = process.env.FFMPEG_PATH ?? 'ffmpeg'): AsyncGenerator<Uint8Array> {
  const frameBytes = video.analysisWidth * video.analysisHeight;
  const child = spawn(ffmpegPath, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...inputArgs, '-vf', analysisFilter(video), '-f', 'rawvideo', 'pipe:1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  let pending: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
      while (pending.length >= frameBytes) {
        yield new Uint8Array(pending.subarray(0, frameBytes));
        pending = pending.subarray(frameBytes);
      }
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  const code = await exited;
  if (code !== 0 && code !== null) throw new Error(`ffmpeg failed (exit ${code}): ${stderr.trim().split('\n').slice(-2).join(' | ')}`);
}

/** Detects motion on a stream of analysis frames with a camera's settings. */
export async function detectEvents(
  frames: AsyncIterable<Uint8Array>,
  video: AgentConfig['video'],
  motion: AgentConfig['motion'],
): Promise<{ events: DetectedEvent[]; frames: number; detectorMs: number[] }> {
  const fps = video.analysisFps;
  const detector = new MotionDetector(video.analysisWidth, video.analysisHeight, fps, motion);
  const gate = new MotionGate(gateSettingsFor(motion, fps));
  const log = new EventLog();
  const detectorMs: number[] = [];
  let n = 0;
  try {
    for await (const frame of frames) {
      const time = analysisFrameTime(n, fps, video.fps);
      n += 1;
      const t0 = performance.now();
      const verdict = detector.process(frame);
      detectorMs.push(performance.now() - t0);
      log.add(gate.push(time, verdict.regions));
    }
  } finally {
    detector.dispose();
  }
  log.add(gate.close(n / fps));
  return { events: log.events, frames: n, detectorMs };
}

/** Renders and scores one scene, with the scene's own ignore masks added to the camera's. */
export async function runScene(scene: Scene, options: SceneRunOptions): Promise<SceneRun> {
  const motion = { ...options.motion, ignoreMasks: [...options.motion.ignoreMasks, ...scene.ignoreMasks] };
  const seconds = scene.period * options.periods;
  const frames = analysisFrames(sceneInput(scene, options.video, options.periods), options.video, options.ffmpegPath);
  const result = await detectEvents(frames, options.video, motion);
  return { scene: scene.name, seconds, truth: scriptedEvents(scene, seconds), ...result };
}

/** Renders `periods` periods of a scene to an H.264 MP4 file, keyframes every second, as a camera would record. */
export async function renderSceneVideo(scene: Scene, file: string, video: AgentConfig['video'], periods = 1, ffmpegPath = process.env.FFMPEG_PATH ?? 'ffmpeg'): Promise<void> {
  const gop = String(Math.max(1, Math.round(video.fps * video.keyframeSeconds)));
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...sceneInput(scene, video, periods)];
  args.push('-c:v', 'libx264', '-preset', 'veryfast', '-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', file);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg could not render ${scene.name}: ${stderr.trim()}`))));
  });
}

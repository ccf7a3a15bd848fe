/**
 * Benchmark harness: runs Debian's `motion` daemon (4.5.x) on a video file so our detector
 * can be compared with it on the same input.
 *
 * How motion is fed: `netcam_url file:///abs/path.mp4`, motion's documented way of
 * processing a movie file (its libavformat-based netcam). Motion reads the file paced in real
 * time, at `capture_rate` frames per second, and loops it at end of file. Left unset,
 * capture_rate defaults to (source fps + 1), which would play a 15 fps file 16/15 too fast, so
 * it is set to the file's own frame rate: the file then behaves like a live camera, and
 * `framerate 5` makes motion analyse 5 of those frames per second.
 *
 * Video time: motion only reports wall-clock times, so the log is watched for two anchors, the
 * capture thread's "connected" line (video time 0) and its first "End of file" (video time =
 * duration), and wall-clock hook times are mapped linearly between them. Motion is stopped at
 * that first end of file, before the loop replays the file. Expect about ±0.2 s (one analysis
 * frame) of error.
 *
 * Events: the on_event_start / on_event_end hooks. Motion's defaults are kept: `event_gap 60`
 * merges motion less than 60 s apart into one event and ends an event only 60 s after the last
 * motion, and `minimum_motion_frames 1` starts an event on the first frame over the threshold.
 * So on a clip shorter than 60 s, an event is normally still open when the file ends and is
 * closed at the clip's end. There is no per-frame hook (`on_motion_detected`) because forking
 * motion once per frame adds several ms of motion's own system CPU per frame.
 *
 * startMotionLive runs the same daemon on a live camera (RTSP, with an optional high-resolution
 * main stream and recording choices) for benchmarks that measure it from outside, and
 * motionVersion reads the installed version: one place that knows how Motion is configured.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export interface MotionDaemonRun {
  events: { start: number; end: number }[]; // seconds of VIDEO time (0 = first frame of the file)
  cpuSeconds: number;      // user+sys CPU of the motion process (and any children it spawned, e.g. if it spawns ffmpeg)
  peakRssBytes: number;    // peak RSS of the motion process
  videoSeconds: number;    // duration of the video that was processed
  wallSeconds: number;
  configText: string;      // the exact motion.conf used (so it can be printed in BENCHMARKS.md)
  command: string;         // the exact command line used
  version: string;         // motion's version string
}

/** Motion's default threshold, in changed pixels, is meant for its default 640×480 frame. */
const DEFAULT_THRESHOLD = 1500;
const DEFAULT_PIXELS = 640 * 480;
/** Characters that can go into motion.conf, a file:// URL and an `sh -c` command unquoted. */
const SAFE_PATH = /^[A-Za-z0-9._/+=,-]+$/;
const LOG_POLL_MS = 20;
const STARTUP_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 15_000;

interface VideoInfo { seconds: number; fps: number }

function run(file: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an ExecFileException is an Error; @types/node spells it as Omit<> types the rule cannot see through
      if (err && typeof err.code !== 'number') { reject(err); return; }
      resolve({ stdout: String(stdout), stderr: String(stderr), code: err ? Number(err.code) : 0 });
    });
  });
}

async function probeVideo(video: string): Promise<VideoInfo> {
  const { stdout, code, stderr } = await run('ffprobe', [
    '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=avg_frame_rate:format=duration', '-of', 'json', video,
  ]);
  if (code !== 0) throw new Error(`ffprobe ${video} failed: ${stderr.trim()}`);
  const data = JSON.parse(stdout) as { streams?: { avg_frame_rate?: string }[]; format?: { duration?: string } };
  const [num, den] = (data.streams?.[0]?.avg_frame_rate ?? '').split('/').map(Number);
  const fps = num !== undefined && den ? num / den : NaN;
  const seconds = Number(data.format?.duration);
  if (!(fps > 0) || !(seconds > 0)) throw new Error(`ffprobe: no video frame rate or duration in ${video}`);
  return { seconds, fps };
}

export async function motionVersion(motionPath = 'motion'): Promise<string> {
  const { stdout, stderr } = await run(motionPath, ['-h']);
  const m = /motion Version (\S+?),/i.exec(stdout + stderr);
  if (!m?.[1]) throw new Error(`could not read the version from '${motionPath} -h'`);
  return m[1];
}

/** utime, stime, cutime, cstime (in seconds) and VmHWM (bytes) of a live process. */
async function readProcStats(pid: number): Promise<{ cpuSeconds: number; peakRssBytes: number }> {
  const [stat, status] = await Promise.all([
    fsp.readFile(`/proc/${pid}/stat`, 'utf8'),
    fsp.readFile(`/proc/${pid}/status`, 'utf8'),
  ]);
  // Fields after the ")" that closes the command name start at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0); // fields 14..17
  const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  if (!hwm?.[1] || !Number.isFinite(ticks)) throw new Error(`cannot read /proc/${pid}`);
  const clkTck = 100; // USER_HZ is 100 on every Linux architecture Node runs on
  return { cpuSeconds: ticks / clkTck, peakRssBytes: Number(hwm[1]) * 1024 };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Motion's default threshold scaled from its 640×480 frame to this one. */
function motionThreshold(width: number, height: number): number {
  return Math.round(DEFAULT_THRESHOLD * (width * height) / DEFAULT_PIXELS);
}

function checkFrame(width: number, height: number, fps: number): void {
  if (width % 8 !== 0 || height % 8 !== 0) {
    throw new Error(`motion needs width and height in multiples of 8 (it silently resizes otherwise): ${width}x${height}`);
  }
  if (!Number.isInteger(fps) || fps < 1) throw new Error(`motion's framerate must be a whole number: ${fps}`);
}

export interface MotionLiveOptions {
  /** The stream Motion analyses (rtsp://…), read over TCP. */
  url: string;
  /** A camera's main stream, recorded instead of `url` (netcam_high_url). */
  highUrl?: string;
  /** The analysed stream's size. */
  width: number;
  height: number;
  /** Analysis frames per second (Motion's `framerate`). */
  fps: number;
  /** movie_output: record movies of the events. */
  record: boolean;
  /** movie_passthrough: copy the camera's stream into the movie instead of re-encoding it. */
  passthrough: boolean;
  workDir: string;
  motionPath?: string;
}

export interface MotionLive {
  child: ChildProcess;
  configText: string;
  /** SIGINT, which Motion takes about 3 s to honour (FACTS.md); SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/** The motion.conf of a live camera: every option not listed is Motion's default. */
export function motionLiveConfig(opts: MotionLiveOptions): string {
  const workDir = path.resolve(opts.workDir);
  return [
    'daemon off',
    `log_file ${path.join(workDir, 'motion.log')}`,
    `target_dir ${path.join(workDir, 'movies')}`,
    'webcontrol_port 0',
    'stream_port 0',
    `netcam_url ${opts.url}`,
    'netcam_params rtsp_transport=tcp',
    ...(opts.highUrl ? [`netcam_high_url ${opts.highUrl}`, 'netcam_high_params rtsp_transport=tcp'] : []),
    `width ${opts.width}`,
    `height ${opts.height}`,
    `framerate ${opts.fps}`,
    `threshold ${motionThreshold(opts.width, opts.height)}`,
    `movie_output ${opts.record ? 'on' : 'off'}`,
    `movie_passthrough ${opts.passthrough ? 'on' : 'off'}`,
    '',
  ].join('\n');
}

/** Starts Motion on a live camera (see motionLiveConfig); the caller measures it and stops it. */
export async function startMotionLive(opts: MotionLiveOptions): Promise<MotionLive> {
  checkFrame(opts.width, opts.height, opts.fps);
  for (const url of [opts.url, opts.highUrl]) {
    // One line of motion.conf each: a space or newline would end the value or start another option.
    if (url !== undefined && !/^rtsps?:\/\/\S+$/.test(url)) throw new Error(`startMotionLive takes rtsp:// URLs without spaces: ${url}`);
  }
  const workDir = path.resolve(opts.workDir);
  if (!SAFE_PATH.test(workDir)) throw new Error(`workDir must match ${SAFE_PATH}: ${workDir}`);
  await fsp.mkdir(workDir, { recursive: true });
  const configText = motionLiveConfig(opts);
  const confFile = path.join(workDir, 'motion.conf');
  await fsp.writeFile(confFile, configText);
  const child = spawn(opts.motionPath ?? 'motion', ['-n', '-c', confFile], { cwd: workDir, stdio: ['ignore', 'ignore', 'ignore'] });
  const exit = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('exit', () => resolve());
      // A binary that cannot start may never emit 'exit'.
      child.once('error', () => resolve());
    }
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    await Promise.race([exit, sleep(EXIT_TIMEOUT_MS)]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exit;
    }
  };
  return { child, configText, stop };
}

export async function runMotionDaemon(opts: { video: string; width: number; height: number; fps: number /* analysis fps, 5 */; workDir: string; motionPath?: string }): Promise<MotionDaemonRun> {
  const motionPath = opts.motionPath ?? 'motion';
  const { width, height, fps } = opts;
  checkFrame(width, height, fps);

  const workDir = path.resolve(opts.workDir);
  if (!SAFE_PATH.test(workDir)) throw new Error(`workDir must match ${SAFE_PATH}: ${workDir}`);
  await fsp.mkdir(workDir, { recursive: true });
  let video = path.resolve(opts.video);
  await fsp.access(video);
  if (!SAFE_PATH.test(video)) { // motion.conf and the file:// URL cannot quote it: link it in
    const link = path.join(workDir, `input${SAFE_PATH.test(path.extname(video)) ? path.extname(video) : ''}`);
    await fsp.rm(link, { force: true });
    await fsp.symlink(video, link);
    video = link;
  }

  const [info, version] = await Promise.all([probeVideo(video), motionVersion(motionPath)]);
  const confFile = path.join(workDir, 'motion.conf');
  const logFile = path.join(workDir, 'motion.log');
  const eventsFile = path.join(workDir, 'events.txt');
  const hookFile = path.join(workDir, 'event-hook.sh');
  await Promise.all([logFile, eventsFile, path.join(workDir, 'motion.pid')].map((f) => fsp.rm(f, { force: true })));
  await fsp.writeFile(hookFile, [
    '#!/bin/sh',
    '# Run by motion: $1 = start|end, $2 = event number. Appends the wall-clock time.',
    `echo "$1 $2 $(date +%s.%N)" >> ${eventsFile}`,
    '',
  ].join('\n'));

  const threshold = motionThreshold(width, height);
  const configText = [
    '# Porchlight benchmark run of motion on a video file. Every option not listed here is at',
    "# motion's documented default (/usr/share/doc/motion/motion_config.html), among them",
    '# event_gap 60, minimum_motion_frames 1, noise_tune on, despeckle_filter (none),',
    '# pre_capture 0, post_capture 0, movie_output on (movie_codec mkv, movie_quality 60).',
    '',
    '# Headless, everything in the work directory',
    'daemon off',
    `pid_file ${path.join(workDir, 'motion.pid')}`,
    `log_file ${logFile}`,
    '# INF level (default is 6, NTC) so that the netcam logs the end of the file',
    'log_level 7',
    `target_dir ${path.join(workDir, 'movies')}`,
    '# No listening sockets (0 = disabled, also the default)',
    'webcontrol_port 0',
    'stream_port 0',
    '',
    '# Input: the file, read in real time at its own frame rate (default would be its fps + 1)',
    `netcam_url file://${video}`,
    `netcam_params capture_rate=${Math.max(1, Math.round(info.fps))}`,
    `width ${width}`,
    `height ${height}`,
    `framerate ${fps}`,
    '',
    `# Default 1500 changed pixels is for 640x480; scaled by (${width}*${height})/(640*480)`,
    `threshold ${threshold}`,
    '',
    '# Event times, for the benchmark',
    `on_event_start /bin/sh ${hookFile} start %v`,
    `on_event_end /bin/sh ${hookFile} end %v`,
    '',
  ].join('\n');
  await fsp.writeFile(confFile, configText);

  const args = ['-n', '-c', confFile];
  const command = [motionPath, ...args].join(' ');
  const started = Date.now();
  const child = spawn(motionPath, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const killOnExit = () => { child.kill('SIGKILL'); }; // motion loops the file forever if left behind
  process.once('exit', killOnExit);
  const exit = new Promise<void>((resolve) => child.once('close', () => {
    exited = true;
    process.removeListener('exit', killOnExit);
    resolve();
  }));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);

  let logText = '';
  let logOffset = 0;
  const readLog = async () => {
    const fh = await fsp.open(logFile, 'r').catch(() => null);
    if (!fh) return;
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, logOffset);
        if (bytesRead === 0) break;
        logOffset += bytesRead;
        logText += buf.toString('utf8', 0, bytesRead);
      }
    } finally {
      await fh.close();
    }
  };
  const failure = (why: string) => new Error(`motion: ${why}\n${logText.slice(-3000) || output}`);

  let connectedAt: number | undefined;
  let endOfFileAt: number | undefined;
  let stats: { cpuSeconds: number; peakRssBytes: number } | undefined;
  try {
    // Wait for the capture thread to open the file, then for its first end of file.
    const deadline = () => connectedAt === undefined
      ? started + STARTUP_TIMEOUT_MS
      : connectedAt + (info.seconds * 3 + 30) * 1000; // generous: a slow machine falls behind real time
    while (endOfFileAt === undefined) {
      await Promise.race([sleep(LOG_POLL_MS), spawnError]);
      if (exited) throw failure(`exited early (code ${child.exitCode})`);
      await readLog();
      const now = Date.now();
      if (connectedAt === undefined && /netcam_rtsp_connect: .*connected/.test(logText)) connectedAt = now;
      if (connectedAt !== undefined && /av_read_frame: End of file/.test(logText)) endOfFileAt = now;
      if (now > deadline()) throw failure(connectedAt === undefined ? 'did not open the video' : 'did not reach the end of the video');
    }
    if (child.pid === undefined) throw failure('has no pid');
    stats = await readProcStats(child.pid);
  } finally {
    if (!exited) {
      child.kill('SIGINT'); // motion closes its movie and exits, which takes a few seconds
      await Promise.race([exit, sleep(EXIT_TIMEOUT_MS)]);
      if (!exited) { child.kill('SIGKILL'); await exit; }
    }
  }
  const wallSeconds = (Date.now() - started) / 1000;
  await readLog();
  if (connectedAt === undefined || endOfFileAt === undefined) throw failure('no timing anchors'); // unreachable

  // Wall-clock hook times -> video time, linear between the two anchors.
  const t0 = connectedAt;
  const t1 = endOfFileAt;
  const toVideo = (ms: number) => Math.min(info.seconds, Math.max(0, ((ms - t0) / (t1 - t0)) * info.seconds));
  const hookLines = (await fsp.readFile(eventsFile, 'utf8').catch(() => '')).split('\n');
  const open = new Map<number, number>(); // event number -> start (wall ms)
  const events: { start: number; end: number }[] = [];
  for (const line of hookLines) {
    const [kind, id, when] = line.trim().split(/\s+/);
    const ms = Number(when) * 1000;
    if (!kind || !id || !Number.isFinite(ms)) continue;
    if (kind === 'start' && ms <= t1) open.set(Number(id), ms);
    if (kind === 'end' && open.has(Number(id))) {
      const start = open.get(Number(id)) ?? ms;
      open.delete(Number(id));
      // An end after the end of the file comes from stopping motion: the event was still open.
      events.push({ start: toVideo(start), end: ms <= t1 ? toVideo(ms) : info.seconds });
    }
  }
  for (const start of open.values()) events.push({ start: toVideo(start), end: info.seconds });
  events.sort((a, b) => a.start - b.start);

  return {
    events,
    cpuSeconds: stats.cpuSeconds,
    peakRssBytes: stats.peakRssBytes,
    videoSeconds: info.seconds,
    wallSeconds,
    configText,
    command,
    version,
  };
}

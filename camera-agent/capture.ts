import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Backoff } from '../common/backoff';
import { systemClock, type Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import type { AgentConfig } from '../common/config';
import { Fmp4Splitter, type Fragment } from '../common/fmp4';
import { analysisFrameTime } from './analysisClock';
import { CameraHealth, type HealthLimits, type HealthSnapshot } from './cameraHealth';
import { SourceError, SourceUnavailableError, unavailableReason } from './sourceErrors';
import { FormatWatch } from './streamFormat';
import { analysisArgs, captureArgs, detectionPictureSize, type VideoSource } from './videoSource';
import { FfmpegRun } from './ffmpegRun';
import { DetectionFrames, gateCommand } from './detectionFrames';
import { redactCredentials } from './sources/credentials';
import { spawnWithFeeder } from './sources/feeder';

/** Finds the camera's video anew (probing its codec) on every connect; throws SourceUnavailableError or SourceError. */
export type SourceResolver = () => Promise<VideoSource>;

export interface AnalysisFrame {
  /** Stream time (s). */
  time: number;
  data: Uint8Array;
}

/** When a run's outputs last came (clock ms), to notice one going quiet alone (Capture.checkOutputs). */
interface OutputProgress {
  /** Two ffmpegs (a sub-stream camera): only then can one output go quiet while the other flows. */
  separate: boolean;
  startedAt: number;
  fragmentAt: number | null;
  frameAt: number | null;
}

/** Seconds of a copied stream watched for repeated analysis frames before trusting frame skipping. */
const PROBE_SECONDS = 4;
/** More repeats than this share of the probe's frames means skipping starves the analysis. */
const REPEATS_ALLOWED = 0.2;

export interface CaptureEvents {
  /**
   * A new ffmpeg run delivers video: stream time restarts at 0 at `wallStart`, the wall-clock
   * time at which its first frame arrived (not when ffmpeg was started: opening a camera or
   * an RTSP stream can take seconds, and clip times and motion latency must not include it).
   */
  stream: [{ init: Buffer; wallStart: number }];
  fragment: [Fragment];
  frame: [AnalysisFrame];
  /** The ffmpeg run ended (crash, end of file, stall, or stop). */
  streamEnd: [];
  /** The camera's health changed (see cameraHealth.ts). */
  health: [HealthSnapshot];
}

/** How a crashed ffmpeg is restarted: tests pin the clock and the jitter. */
export interface CaptureRestartOptions {
  clock?: Clock;
  /** In [0, 1). */
  random?: () => number;
  /** Health limits; by default from `config.health`, with 5 s of grace. */
  limits?: HealthLimits;
  /** How often the stall is checked (default 1 s). */
  checkEveryMs?: number;
}

/** Grace on every health bound before the watchdog counts the agent as wedged. */
const GRACE_MS = 5000;
/** A camera that refuses us (password, codec) is asked again rarely: no tight loop at its door. */
const REFUSED_BASE_MS = 30_000;
const REFUSED_MAX_MS = 5 * 60_000;

/**
 * Runs one ffmpeg per camera (two for a camera with a sub-stream, see ffmpegRun.ts) and
 * turns their outputs into fragments, analysis frames and detection pictures. Every (re)connect resolves the source again (the codec is probed each time). A
 * crashed or unreachable camera is retried with the shared jittered backoff (1 s doubling to
 * 30 s, from 1 s again once a run delivered video); one that refuses the password or sends
 * what cannot be read, far more rarely (30 s doubling to 5 min). No video for the stall limit
 * kills ffmpeg and reconnects. The failure stays with this camera; its state goes out as
 * `health`.
 */
export class Capture extends EventEmitter<CaptureEvents> {
  private child: FfmpegRun | null = null;
  private stopping = false;
  private readonly restarts: Backoff;
  private readonly refusals: Backoff;
  private readonly clock: Clock;
  private readonly resolve: SourceResolver;
  private readonly health: CameraHealth;
  private readonly limits: HealthLimits;
  private readonly checkEveryMs: number;
  private checker: NodeJS.Timeout | null = null;
  /** The running ffmpeg was killed because its video stopped. */
  private killedForStall = false;
  /** What the stall was, for the log and the health detail. */
  private stallDetail = '';
  /** When the running ffmpeg(s) last gave each kind of output; null between runs. */
  private outputs: OutputProgress | null = null;
  /** The longest fragment this camera has sent, kept across runs: its longest keyframe interval so far. */
  private longestFragmentMs = 0;
  private restartWait: AbortController | null = null;
  /** Cleared for good once a stream shows too few reference frames for the analysis rate. */
  private skipNonReference = true;
  /** The next restart is on purpose (decoding every frame from now on), not a crash. */
  private restartingOnPurpose = false;
  /** The newest picture for the hub's object detector; null when agent.detection is off. */
  readonly detection: DetectionFrames | null;

  constructor(
    source: VideoSource | SourceResolver,
    private readonly config: AgentConfig,
    private readonly log: Logger,
    private readonly ffmpegPath = process.env.FFMPEG_PATH ?? 'ffmpeg',
    restart: CaptureRestartOptions = {},
  ) {
    super();
    this.resolve = typeof source === 'function' ? source : () => Promise.resolve(source);
    this.restarts = new Backoff(1000, 30_000, restart.random);
    this.refusals = new Backoff(REFUSED_BASE_MS, REFUSED_MAX_MS, restart.random);
    this.clock = restart.clock ?? systemClock;
    const limits = restart.limits ?? { stallMs: config.health.stallSeconds * 1000, connectMs: config.health.connectSeconds * 1000, graceMs: GRACE_MS };
    this.limits = limits;
    this.health = new CameraHealth(limits, this.clock.now());
    this.checkEveryMs = restart.checkEveryMs ?? 1000;
    this.detection = config.detection.enabled ? new DetectionFrames(config.detection.fps, config.video.fps) : null;
  }

  /** The camera's health now. */
  healthNow(): HealthSnapshot {
    return this.health.snapshot();
  }

  /** For the systemd watchdog: the pipeline made progress within its bounds (see CameraHealth.progressing). */
  progressing(): boolean {
    return this.health.progressing(this.clock.now());
  }

  start(): void {
    this.stopping = false;
    if (!this.checker) {
      this.checker = setInterval(() => this.checkStall(), this.checkEveryMs);
      this.checker.unref();
    }
    void this.connect();
  }

  private report(changed: boolean): void {
    if (!changed) return;
    const snapshot = this.health.snapshot();
    const fields = { state: snapshot.state, failures: snapshot.failures, detail: snapshot.detail ?? undefined };
    if (snapshot.state === 'streaming' || snapshot.state === 'connecting') this.log.info(fields, 'camera health');
    else this.log.warn(fields, 'camera health');
    this.emit('health', snapshot);
  }

  /**
   * One output going quiet while the other keeps coming is a stall too: with a sub-stream the
   * clips and the motion analysis come from two ffmpegs on two RTSP streams, and one of them
   * can hang (a camera that keeps the connection but stops sending one stream) while the other
   * keeps the camera looking healthy, recording nothing or analysing nothing. (With one ffmpeg
   * one input feeds both, and the health check's stall covers it.) Analysis frames come several
   * times a second, so they have the stall limit; fragments come once per keyframe interval,
   * which only the camera knows and which a "smart" codec stretches in a still night scene, so
   * they get three times the longest fragment this camera has sent, and never less than the
   * connect limit.
   */
  private checkOutputs(): boolean {
    const outputs = this.outputs;
    const child = this.child;
    if (!outputs?.separate || !child || this.killedForStall) return false;
    const now = this.clock.now();
    const { stallMs, connectMs } = this.limits;
    const fragmentLimit = Math.max(connectMs, 3 * this.longestFragmentMs);
    const quiet =
      now - (outputs.frameAt ?? outputs.startedAt) > (outputs.frameAt === null ? connectMs : stallMs)
        ? 'motion analysis frames'
        : now - (outputs.fragmentAt ?? outputs.startedAt) > fragmentLimit
          ? 'recording fragments'
          : null;
    // Nothing at all is the health check's to say (checkStall); this is for one side alone.
    if (!quiet || (outputs.frameAt === null && outputs.fragmentAt === null)) return false;
    this.killedForStall = true;
    this.stallDetail = `no ${quiet} for ${Math.round((now - ((quiet === 'recording fragments' ? outputs.fragmentAt : outputs.frameAt) ?? outputs.startedAt)) / 1000)} s while the other output kept coming`;
    this.log.warn({ detail: this.stallDetail }, 'one of the camera\'s outputs stopped; restarting ffmpeg');
    child.kill('SIGKILL');
    return true;
  }

  private checkStall(): void {
    if (this.checkOutputs()) return;
    if (!this.health.stalled(this.clock.now())) return;
    // A stall noticed while streaming is a state of its own; an attempt without video is not.
    if (this.health.state === 'stalled') this.report(true);
    const child = this.child;
    // While the probe runs there is no ffmpeg to kill: the probe's own timeout ends it.
    if (!child || this.killedForStall) return;
    this.killedForStall = true;
    this.stallDetail = '';
    this.log.warn({ stallSeconds: this.config.health.stallSeconds }, 'no video from the camera; restarting ffmpeg');
    child.kill('SIGKILL');
  }

  /** One connect: resolve the source (probe), then run ffmpeg; a failure schedules the next. */
  private async connect(): Promise<void> {
    if (this.stopping) return;
    this.report(this.health.attempt(this.clock.now()));
    let source: VideoSource;
    try {
      source = await this.resolve();
    } catch (err) {
      if (this.stopping) return;
      if (err instanceof SourceUnavailableError) this.retry(err.reason, err.message);
      else if (err instanceof SourceError) this.retry('unsupported', err.message);
      else this.retry('unreachable', (err as Error).message);
      return;
    }
    if (this.stopping) return;
    this.run(source);
  }

  /** The attempt failed: the state it shows, then the next attempt after the backoff for its kind. */
  private retry(reason: 'unreachable' | 'unauthorized' | 'unsupported', detail: string, exit?: { code: number | null; signal: string | null }): void {
    const now = this.clock.now();
    // ffmpeg's words repeat the URL; the source's own redaction (which knows the password) ran first.
    const clean = redactCredentials(detail);
    this.report(this.health.failed(now, reason, clean || undefined));
    const retryInMs = reason === 'unreachable' ? this.restarts.next() : this.refusals.next();
    this.health.waiting(now, retryInMs);
    this.log.warn({ ...exit, reason, retryInMs, detail: clean }, exit ? 'ffmpeg exited; restarting' : 'cannot connect to the camera; trying again');
    const wait = new AbortController();
    this.restartWait = wait;
    void this.clock.sleep(retryInMs, wait.signal).then(() => {
      if (wait.signal.aborted || this.stopping) return;
      this.restartWait = null;
      void this.connect();
    });
  }

  private run(source: VideoSource): void {
    this.killedForStall = false;
    const skipping = source.copyH264 && this.skipNonReference;
    const detection = this.detection;
    // The gate's state ffmpeg has: it starts as wanted now, from its arguments.
    let gateOpen = detection?.wanted ?? false;
    const options = { skipNonReference: skipping, detectionOpen: gateOpen };
    const analysisOnly = analysisArgs(source, this.config, options);
    const analysisFds: Array<'pipe'> = detection ? ['pipe', 'pipe', 'pipe'] : ['pipe'];
    const child = analysisOnly
      ? new FfmpegRun(
          spawn(this.ffmpegPath, captureArgs(source, this.config, options), { stdio: ['ignore', 'pipe', 'pipe'] }),
          spawn(this.ffmpegPath, analysisOnly, { stdio: [detection ? 'pipe' : 'ignore', 'ignore', 'pipe', ...analysisFds] }),
        )
      : new FfmpegRun(spawnWithFeeder(this.ffmpegPath, captureArgs(source, this.config, options), source.feeder, [detection ? 'pipe' : 'ignore', 'pipe', 'pipe', ...analysisFds]));
    this.child = child;
    // ffmpeg acts on a command only once its filter graph exists, which the first analysis
    // frame proves; a change before that waits for it.
    let graphReady = false;
    let gateRefusalLogged = false;
    const syncGate = () => {
      if (!detection || !graphReady || gateOpen === detection.wanted || child.ending) return;
      gateOpen = detection.wanted;
      child.commands?.write(gateCommand(gateOpen));
    };
    const splitter = new Fmp4Splitter();
    let init: Buffer | null = null;
    let zeroAt: number | null = null;
    let started = false;
    // 'stream' goes out once the init segment is in and the first frame or fragment dated stream time 0.
    const begin = () => {
      if (started || !init || zeroAt === null) return;
      started = true;
      this.emit('stream', { init, wallStart: zeroAt });
    };
    const frameBytes = this.config.video.analysisWidth * this.config.video.analysisHeight;
    const fps = this.config.video.analysisFps;
    let frameIndex = 0;
    let previous: Buffer | null = null;
    let repeats = 0;
    // Pipe chunks are copied straight into the frame being filled: one allocation per frame.
    let frame = new Uint8Array(frameBytes);
    let filled = 0;
    let stderr = '';
    let healthy = false;
    // Only copied H.264 carries the camera's SPS; a re-encode always has the configured size.
    const format = source.copyH264 ? new FormatWatch() : null;
    const video = () => this.report(this.health.video(this.clock.now()));
    const progress: OutputProgress = { separate: analysisOnly !== null, startedAt: this.clock.now(), fragmentAt: null, frameAt: null };
    this.outputs = progress;

    child.mp4.on('data', (data: Buffer) => {
      try {
        const out = splitter.push(data);
        if (out.init) {
          init = out.init;
          begin();
        }
        for (const f of out.fragments) {
          zeroAt ??= Date.now() - (f.start + f.duration) * 1000;
          begin();
          if (!healthy) {
            healthy = true;
            this.restarts.reset();
            this.refusals.reset();
          }
          video();
          progress.fragmentAt = this.clock.now();
          this.longestFragmentMs = Math.max(this.longestFragmentMs, f.duration * 1000);
          if (format?.changed(f.data)) {
            this.restartForNewFormat(child);
            return;
          }
          this.emit('fragment', f);
        }
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'cannot parse ffmpeg MP4 output; restarting capture');
        child.kill('SIGKILL');
      }
    });
    child.output(3).on('data', (data: Buffer) => {
      for (let offset = 0; offset < data.length; ) {
        const n = Math.min(frameBytes - filled, data.length - offset);
        frame.set(data.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled < frameBytes) break;
        const full = frame;
        frame = new Uint8Array(frameBytes);
        filled = 0;
        if (skipping && frameIndex < PROBE_SECONDS * fps) {
          const bytes = Buffer.from(full.buffer, full.byteOffset, full.byteLength);
          if (previous?.equals(bytes)) repeats += 1;
          previous = bytes;
          if (repeats > REPEATS_ALLOWED * PROBE_SECONDS * fps) {
            this.decodeEveryFrame(child, fps);
            return;
          }
        }
        const time = analysisFrameTime(frameIndex, fps, this.config.video.fps);
        zeroAt ??= Date.now() - time * 1000;
        begin();
        video();
        progress.frameAt = this.clock.now();
        frameIndex += 1;
        if (!graphReady) {
          graphReady = true;
          syncGate();
        }
        // Until the init segment is in, 'stream' has not gone out: motion seen now could be
        // recorded nowhere (the recorder has no init yet) and would be lost. Such frames (a
        // fraction of a second after ffmpeg starts) are not analysed.
        if (!started) continue;
        this.emit('frame', { time, data: full });
      }
    });
    if (detection) {
      // Dated on this run's clock, as the analysis frames are; a picture ahead of the first
      // analysis frame or fragment starts the clock the same way they would.
      const wallTime = (time: number) => {
        zeroAt ??= Date.now() - time * 1000;
        return Math.round(zeroAt + time * 1000);
      };
      detection.restart(detectionPictureSize(source, this.config), wallTime);
      detection.onWantedChange(syncGate);
      // An ffmpeg that ended before reading a command: the run's end says why, not this.
      child.commands!.on('error', () => undefined);
      const outOfLine = (ok: boolean) => {
        if (ok) return;
        this.log.error('the detection pictures and their times from ffmpeg no longer line up; restarting capture');
        child.kill('SIGKILL');
      };
      child.output(4).on('data', (data: Buffer) => outOfLine(detection.push(data)));
      child.output(5).on('data', (data: Buffer) => outOfLine(detection.pushTicks(data)));
    }
    child.onStderr((text) => {
      // ffmpeg echoes each gate command: that is not news about the camera.
      // A refused gate command would leave the gate as it was: pictures missing during motion
      // (or made all the time) with nothing said. Said once a run.
      if (!gateRefusalLogged && /Command reply for stream \d+: ret:-\d+/.test(text)) {
        gateRefusalLogged = true;
        this.log.error({ reply: /Command reply for stream[^\n]*/.exec(text)?.[0] }, 'ffmpeg refused a detection gate command: detection pictures may be missing during motion');
      }
      stderr = (stderr + text).replace(/Enter command: [^\n]*\n|Command reply for stream[^\n]*\n/g, '').slice(-2000);
    });
    child.on('error', (err) => {
      this.log.error({ err: err.message }, 'cannot start ffmpeg: is it installed (apt-get install ffmpeg)?');
    });
    child.on('close', (code, signal) => {
      this.child = null;
      this.outputs = null;
      detection?.onWantedChange(null);
      detection?.clear();
      this.emit('streamEnd');
      if (this.stopping) return;
      if (this.restartingOnPurpose) {
        this.restartingOnPurpose = false;
        this.run(source);
        return;
      }
      const words = (source.redact ?? redactCredentials)(stderr.trim().split('\n').slice(-3).join(' | '));
      if (this.killedForStall) this.retry('unreachable', this.stallDetail || `no video for ${this.config.health.stallSeconds} s`, { code, signal });
      else this.retry(unavailableReason(stderr), words, { code, signal });
    });
  }

  /**
   * A stream whose reference frames come less often than the analysis rate (a camera that
   * marks most P-frames as droppable) would give the detector the same frame again and
   * again: restart ffmpeg once, decoding every frame for as long as this capture runs.
   */
  private decodeEveryFrame(child: FfmpegRun, fps: number): void {
    if (this.restartingOnPurpose) return;
    this.log.info({ analysisFps: fps }, 'too few reference frames in this stream for the analysis rate; decoding every frame');
    this.skipNonReference = false;
    this.restartingOnPurpose = true;
    child.kill('SIGKILL');
  }

  /** The camera changed its picture format: a new ffmpeg run, with an init segment that says so. */
  private restartForNewFormat(child: FfmpegRun): void {
    if (this.restartingOnPurpose) return;
    this.log.info('the camera changed its picture format (size or profile); restarting ffmpeg for a new init segment');
    this.restartingOnPurpose = true;
    child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.checker) clearInterval(this.checker);
    this.checker = null;
    this.restartWait?.abort();
    this.restartWait = null;
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { Backoff } from '../common/backoff';
import { systemClock, type Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import type { AgentConfig } from '../common/config';
import { Fmp4Splitter, type Fragment } from '../common/fmp4';
import { captureArgs, type VideoSource } from './videoSource';
import { redactCredentials } from './sources/credentials';
import { spawnWithFeeder } from './sources/feeder';

export interface AnalysisFrame {
  /** Stream time (s). */
  time: number;
  data: Uint8Array;
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
  /** The ffmpeg run ended (crash, end of file, or stop). */
  streamEnd: [];
}

/** How a crashed ffmpeg is restarted: tests pin the clock and the jitter. */
export interface CaptureRestartOptions {
  clock?: Clock;
  /** In [0, 1). */
  random?: () => number;
}

/**
 * Runs one ffmpeg per camera and turns its two outputs into fragments and analysis
 * frames. A crashed ffmpeg is restarted with the shared jittered backoff (1 s doubling to
 * 30 s, from 1 s again once a run delivered video); the failure stays with this camera.
 */
export class Capture extends EventEmitter<CaptureEvents> {
  private child: ChildProcess | null = null;
  private stopping = false;
  private readonly restarts: Backoff;
  private readonly clock: Clock;
  private restartWait: AbortController | null = null;
  /** Cleared for good once a stream shows too few reference frames for the analysis rate. */
  private skipNonReference = true;
  /** The next restart is on purpose (decoding every frame from now on), not a crash. */
  private restartingOnPurpose = false;

  constructor(
    private readonly source: VideoSource,
    private readonly config: AgentConfig,
    private readonly log: Logger,
    private readonly ffmpegPath = process.env.FFMPEG_PATH ?? 'ffmpeg',
    restart: CaptureRestartOptions = {},
  ) {
    super();
    this.restarts = new Backoff(1000, 30_000, restart.random);
    this.clock = restart.clock ?? systemClock;
  }

  start(): void {
    this.stopping = false;
    this.run();
  }

  private run(): void {
    const skipping = this.source.copyH264 && this.skipNonReference;
    const args = captureArgs(this.source, this.config, { skipNonReference: skipping });
    const child = spawnWithFeeder(this.ffmpegPath, args, this.source.feeder, ['ignore', 'pipe', 'pipe', 'pipe']);
    this.child = child;
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

    child.stdout!.on('data', (data: Buffer) => {
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
          }
          this.emit('fragment', f);
        }
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'cannot parse ffmpeg MP4 output; restarting capture');
        child.kill('SIGKILL');
      }
    });
    (child.stdio[3] as Readable).on('data', (data: Buffer) => {
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
        const time = frameIndex / fps;
        zeroAt ??= Date.now() - time * 1000;
        begin();
        this.emit('frame', { time, data: full });
        frameIndex += 1;
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on('error', (err) => {
      this.log.error({ err: err.message }, 'cannot start ffmpeg: is it installed (apt-get install ffmpeg)?');
    });
    child.on('close', (code, signal) => {
      this.child = null;
      this.emit('streamEnd');
      if (this.stopping) return;
      if (this.restartingOnPurpose) {
        this.restartingOnPurpose = false;
        this.run();
        return;
      }
      const retryInMs = this.restarts.next();
      this.log.warn({ code, signal, retryInMs, stderr: (this.source.redact ?? redactCredentials)(stderr.trim().split('\n').slice(-3).join(' | ')) }, 'ffmpeg exited; restarting');
      const wait = new AbortController();
      this.restartWait = wait;
      void this.clock.sleep(retryInMs, wait.signal).then(() => {
        if (wait.signal.aborted || this.stopping) return;
        this.restartWait = null;
        this.run();
      });
    });
  }

  /**
   * A stream whose reference frames come less often than the analysis rate (a camera that
   * marks most P-frames as droppable) would give the detector the same frame again and
   * again: restart ffmpeg once, decoding every frame for as long as this capture runs.
   */
  private decodeEveryFrame(child: ChildProcess, fps: number): void {
    if (this.restartingOnPurpose) return;
    this.log.info({ analysisFps: fps }, 'too few reference frames in this stream for the analysis rate; decoding every frame');
    this.skipNonReference = false;
    this.restartingOnPurpose = true;
    child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.stopping = true;
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

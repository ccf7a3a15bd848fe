import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { Logger } from '../common/logger';
import type { AgentConfig } from '../common/config';
import { Fmp4Splitter, type Fragment } from '../common/fmp4';
import { captureArgs, type VideoSource } from './videoSource';

export interface AnalysisFrame {
  /** Stream time (s). */
  time: number;
  data: Uint8Array;
}

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

/**
 * Runs one ffmpeg per camera and turns its two outputs into fragments and analysis
 * frames. A crashed ffmpeg is restarted with backoff; the failure stays with this camera.
 */
export class Capture extends EventEmitter<CaptureEvents> {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restartDelay = 1000;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: VideoSource,
    private readonly config: AgentConfig,
    private readonly log: Logger,
    private readonly ffmpegPath = process.env.FFMPEG_PATH ?? 'ffmpeg',
  ) {
    super();
  }

  start(): void {
    this.stopping = false;
    this.run();
  }

  private run(): void {
    const args = captureArgs(this.source, this.config);
    const child = spawn(this.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
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
    let pendingFrame: Buffer[] = [];
    let pendingBytes = 0;
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
            this.restartDelay = 1000;
          }
          this.emit('fragment', f);
        }
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'cannot parse ffmpeg MP4 output; restarting capture');
        child.kill('SIGKILL');
      }
    });
    (child.stdio[3] as Readable).on('data', (data: Buffer) => {
      pendingFrame.push(data);
      pendingBytes += data.length;
      if (pendingBytes < frameBytes) return;
      let all = Buffer.concat(pendingFrame, pendingBytes);
      while (all.length >= frameBytes) {
        const frame = new Uint8Array(all.subarray(0, frameBytes));
        const time = frameIndex / fps;
        zeroAt ??= Date.now() - time * 1000;
        begin();
        this.emit('frame', { time, data: frame });
        frameIndex += 1;
        all = all.subarray(frameBytes);
      }
      pendingFrame = all.length ? [Buffer.from(all)] : [];
      pendingBytes = all.length;
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
      this.log.warn({ code, signal, stderr: stderr.trim().split('\n').slice(-3).join(' | ') }, 'ffmpeg exited; restarting');
      this.restartTimer = setTimeout(() => this.run(), this.restartDelay);
      this.restartDelay = Math.min(this.restartDelay * 2, 30_000);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
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

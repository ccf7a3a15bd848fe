import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';

/*
 * One capture run: the recording ffmpeg, and for a camera with a sub-stream the analysis
 * ffmpeg beside it (videoSource.ts analysisArgs says why they are two). They live and die
 * together: when either ends, the other is killed, and the run is over once both have
 * closed. Capture reconnects the whole run, so the recording and the analysis always start
 * on the same clock.
 */

export interface FfmpegRunEvents {
  /** Both processes have closed; the code and signal are those of the first to end. */
  close: [code: number | null, signal: NodeJS.Signals | null];
  error: [Error];
}

export class FfmpegRun extends EventEmitter<FfmpegRunEvents> {
  private open: number;
  private first: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(
    private readonly recording: ChildProcess,
    private readonly analysis: ChildProcess | null = null,
  ) {
    super();
    const children = analysis ? [recording, analysis] : [recording];
    this.open = children.length;
    for (const child of children) {
      child.on('error', (err) => this.emit('error', err));
      child.on('close', (code, signal) => {
        if (!this.first) {
          this.first = { code, signal };
          // The other half alone is no capture: a recording without motion analysis, or
          // pictures of a stream nobody records.
          for (const other of children) if (other !== child) other.kill('SIGKILL');
        }
        this.open -= 1;
        if (this.open === 0) this.emit('close', this.first.code, this.first.signal);
      });
    }
  }

  /** The fragmented MP4. */
  get mp4(): Readable {
    return this.recording.stdout!;
  }

  /** An analysis output: 3 grey frames, 4 detection pictures, 5 their ticks. */
  output(fd: 3 | 4 | 5): Readable {
    return (this.analyser.stdio as unknown as Readable[])[fd]!;
  }

  /** Where the detection gate's commands go. */
  get commands(): Writable | null {
    return this.analyser.stdin;
  }

  /** Both processes' stderr, as it comes. */
  onStderr(listener: (text: string) => void): void {
    for (const child of this.analysis ? [this.recording, this.analysis] : [this.recording]) {
      child.stderr?.on('data', (d: Buffer) => listener(d.toString()));
    }
  }

  /** Whether a process of the run has ended (the run is ending). */
  get ending(): boolean {
    return this.first !== null || [this.recording, this.analysis].some((c) => c && (c.exitCode !== null || c.signalCode !== null));
  }

  kill(signal: NodeJS.Signals): void {
    this.recording.kill(signal);
    this.analysis?.kill(signal);
  }

  private get analyser(): ChildProcess {
    return this.analysis ?? this.recording;
  }
}

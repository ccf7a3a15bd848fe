import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/*
 * One JPEG out of ffmpeg, through pipes only: footage goes in on stdin, the picture comes out
 * on stdout, nothing touches a disk (thumbnails are footage; callers seal the JPEG before
 * storing it). Bounded in time and size, as a damaged input must not hang or flood the hub.
 */

const JPEG_MAGIC = Buffer.from([0xff, 0xd8]);
const MAX_JPEG_BYTES = 2 * 1024 * 1024;

export interface FfmpegJpegOptions {
  ffmpegPath: string;
  /** ffmpeg's arguments, reading pipe:0 and writing one mjpeg frame to pipe:1. */
  args: string[];
  /** What ffmpeg reads: a whole buffer, or a stream it may stop reading once it has its frame. */
  input: Uint8Array | Readable;
  timeoutMs: number;
}

/** The JPEG ffmpeg wrote, or null when it wrote none (e.g. no frame at that point of a clip); rejects when ffmpeg failed. */
export function ffmpegJpeg(opts: FfmpegJpegOptions): Promise<Buffer | null> {
  return new Promise<Buffer | null>((resolve, reject) => {
    const child = spawn(opts.ffmpegPath, opts.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let failure: Error | null = null;
    const fail = (err: Error) => {
      failure ??= err;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => fail(new Error(`ffmpeg took longer than ${opts.timeoutMs / 1000} s`)), opts.timeoutMs);
    // ffmpeg stops reading once it has its frame: the rest of the input is not wanted.
    child.stdin.on('error', () => undefined);
    const input = opts.input;
    if (input instanceof Uint8Array) child.stdin.end(input);
    else {
      input.on('error', (err) => fail(err));
      input.pipe(child.stdin);
    }
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_JPEG_BYTES) fail(new Error('ffmpeg wrote more than a thumbnail'));
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    child.on('error', (err) => fail(new Error(`ffmpeg cannot be run (${err.message})`)));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!(input instanceof Uint8Array)) {
        input.unpipe(child.stdin);
        input.destroy();
      }
      if (failure) return reject(failure);
      if (code !== 0) return reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim().slice(0, 300)}`));
      const jpeg = Buffer.concat(out);
      resolve(jpeg.length > JPEG_MAGIC.length && jpeg.subarray(0, 2).equals(JPEG_MAGIC) ? jpeg : null);
    });
  });
}

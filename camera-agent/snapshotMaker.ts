import { spawn } from 'node:child_process';
import type { Fragment } from '../common/fmp4';

/*
 * A still picture of what the camera sees now, for drawing zones on: the newest fragment of
 * the recording stream (each one starts with a keyframe) decoded to one JPEG by ffmpeg, all
 * through pipes, so no plaintext picture ever reaches the disk.
 */

export class SnapshotError extends Error {}

/** Longest an ffmpeg decode of one fragment may take before it is given up. */
const DECODE_TIMEOUT_MS = 4000;
const MAX_JPEG_BYTES = 2 * 1024 * 1024;

export class SnapshotMaker {
  private init: Buffer | null = null;
  private latest: Fragment | null = null;

  constructor(private readonly ffmpegPath = process.env.FFMPEG_PATH ?? 'ffmpeg') {}

  /** A new ffmpeg run: fragments of the old one no longer belong to this init segment. */
  onStream(init: Buffer): void {
    this.init = init;
    this.latest = null;
  }

  onFragment(fragment: Fragment): void {
    this.latest = fragment;
  }

  get ready(): boolean {
    return this.init !== null && this.latest !== null;
  }

  async jpeg(): Promise<Buffer> {
    const init = this.init;
    const fragment = this.latest;
    if (!init || !fragment) throw new SnapshotError('the camera has no video yet');
    return new Promise<Buffer>((resolve, reject) => {
      const child = spawn(
        this.ffmpegPath,
        ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'mp4', '-i', 'pipe:0', '-frames:v', '1', '-q:v', '4', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1'],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      const chunks: Buffer[] = [];
      let size = 0;
      let stderr = '';
      let failed: Error | null = null;
      const timer = setTimeout(() => {
        failed = new SnapshotError('ffmpeg took too long to make the picture');
        child.kill('SIGKILL');
      }, DECODE_TIMEOUT_MS);
      child.stdout.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_JPEG_BYTES) {
          failed = new SnapshotError('the picture came out larger than a snapshot may be');
          child.kill('SIGKILL');
          return;
        }
        chunks.push(c);
      });
      child.stderr.on('data', (c: Buffer) => {
        if (stderr.length < 2000) stderr += c.toString('utf8');
      });
      // ffmpeg may stop reading once it has its frame: that is not an error.
      child.stdin.on('error', () => undefined);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new SnapshotError(`cannot run ffmpeg: ${err.message}`));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        const out = Buffer.concat(chunks);
        if (failed) return reject(failed);
        if (code !== 0 || out.length === 0) return reject(new SnapshotError(`ffmpeg could not make the picture: ${stderr.trim().split('\n')[0] || `exit ${code}`}`));
        resolve(out);
      });
      child.stdin.write(init);
      child.stdin.end(fragment.data);
    });
  }
}

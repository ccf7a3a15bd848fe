import { execFile } from 'node:child_process';

/*
 * Which H.264 encoder a source that needs encoding gets. A Pi's hardware encoder
 * (h264_v4l2m2m) costs almost no CPU, but an ffmpeg that lists it does not prove it works
 * (a Pi 5 has none; a container may lack /dev/video11): the probe encodes one real frame
 * with it, once per process, and anything but success means libx264. `doctor` reports the
 * same probe's answer, so its advice is what capture does.
 */

export type H264Encoder = 'h264_v4l2m2m' | 'libx264';

export interface EncoderChoice {
  encoder: H264Encoder;
  /** Why, in a sentence for the log and `doctor`. */
  reason: string;
}

let cached: Promise<EncoderChoice> | null = null;

/** Encodes one frame with h264_v4l2m2m; the answer is kept for the life of the process. */
export function h264Encoder(ffmpegPath = process.env.FFMPEG_PATH ?? 'ffmpeg'): Promise<EncoderChoice> {
  cached ??= probeEncoder(ffmpegPath);
  return cached;
}

export function probeEncoder(ffmpegPath: string, encoder: H264Encoder = 'h264_v4l2m2m'): Promise<EncoderChoice> {
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=15', '-frames:v', '1',
    '-pix_fmt', 'yuv420p', '-c:v', encoder, '-f', 'null', '-',
  ];
  return new Promise((resolve) => {
    execFile(ffmpegPath, args, { timeout: 15_000 }, (err, _stdout, stderr) => {
      if (!err) {
        resolve({ encoder, reason: `${encoder} encoded a test frame` });
        return;
      }
      const why = (stderr || err.message).trim().split('\n').slice(-1)[0] ?? 'failed';
      resolve({ encoder: 'libx264', reason: `${encoder} could not encode a test frame (${why}); libx264 encodes instead` });
    });
  });
}

/** ffmpeg's video encoding arguments for the chosen encoder. */
export function encodeArgs(encoder: H264Encoder, gop: number, width: number, height: number): string[] {
  const common = ['-pix_fmt', 'yuv420p', '-g', String(gop), '-vf', `scale=${width}:${height}`];
  if (encoder === 'h264_v4l2m2m') {
    // The hardware encoder takes a bit rate, not a preset; 2 Mbit/s is a camera's usual 720p rate.
    return ['-c:v', 'h264_v4l2m2m', '-b:v', '2M', ...common];
  }
  return ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-keyint_min', String(gop), '-sc_threshold', '0', ...common];
}

import { existsSync } from 'node:fs';
import ffmpeg from 'fluent-ffmpeg';
import type { AgentConfig } from '../common/config';
import { getScene, sceneFilterGraph } from './scenes';
import { SourceError, SourceUnavailableError, unavailableReason } from './sourceErrors';

/*
 * Where a camera's video comes from, as ffmpeg input arguments. Sources that already
 * deliver H.264 (files, RTSP cameras) are copied into the MP4 output, never re-encoded.
 */

export type SourceKind = 'sim' | 'file' | 'v4l2' | 'rtsp';

export interface VideoSource {
  kind: SourceKind;
  description: string;
  inputArgs: string[];
  /** True when the input is H.264 already and can be stream-copied. */
  copyH264: boolean;
}

export { SourceError } from './sourceErrors';

/** Parses `sim:<scene>`, `v4l2:/dev/videoN`, `rtsp://…` or a file path (no I/O). */
export function parseSource(source: string): { kind: SourceKind; target: string } {
  if (source.startsWith('sim:')) return { kind: 'sim', target: source.slice(4) };
  if (source.startsWith('v4l2:')) {
    const dev = source.slice(5);
    if (!/^\/dev\/video\d+$/.test(dev)) throw new SourceError(`"${source}": a v4l2 source looks like v4l2:/dev/video0`);
    return { kind: 'v4l2', target: dev };
  }
  if (/^rtsps?:\/\//.test(source)) {
    try {
      new URL(source);
    } catch {
      throw new SourceError(`"${source}" is not a valid RTSP URL`);
    }
    return { kind: 'rtsp', target: source };
  }
  if (/^[a-z]+:\/\//i.test(source)) throw new SourceError(`unsupported source "${source}" (use sim:, v4l2:, rtsp:// or a file path)`);
  return { kind: 'file', target: source };
}

function probeCodec(target: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    ffmpeg.ffprobe(target, (err, data) => {
      if (err) return resolve(undefined);
      resolve(data.streams.find((s) => s.codec_type === 'video')?.codec_name);
    });
  });
}

/** ffmpeg's socket timeout for RTSP (µs): a camera that stops answering ends the run instead of hanging it. */
const RTSP_TIMEOUT = ['-timeout', '5000000'];

/**
 * The video codec of an RTSP camera. A probe that fails throws SourceUnavailableError with
 * the reason ffprobe's words give (a camera that is off is never read as "not H.264").
 */
function probeRtsp(target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(target, ['-rtsp_transport', 'tcp', ...RTSP_TIMEOUT], (err: Error | null, data) => {
      if (err) return reject(new SourceUnavailableError(unavailableReason(err.message), withoutCredentials(err.message.trim().split('\n').slice(-2).join(' | '))));
      const codec = data.streams.find((s) => s.codec_type === 'video')?.codec_name;
      if (!codec) return reject(new SourceUnavailableError('unsupported', 'the camera sends no video stream'));
      resolve(codec);
    });
  });
}

/** ffmpeg's messages repeat the URL, password included: never pass that on. */
export function withoutCredentials(text: string): string {
  return text.replace(/(rtsps?:\/\/)[^@\s/]+@/gi, '$1***@');
}

export async function resolveSource(config: AgentConfig): Promise<VideoSource> {
  const { kind, target } = parseSource(config.source);
  const { width, height, fps } = config.video;
  switch (kind) {
    case 'sim': {
      const scene = getScene(target);
      return {
        kind,
        description: `simulated scene "${scene.name}"`,
        // -re paces the synthetic source at its frame rate, like a real camera.
        inputArgs: ['-re', '-f', 'lavfi', '-i', sceneFilterGraph(scene, width, height, fps)],
        copyH264: false,
      };
    }
    case 'v4l2':
      return {
        kind,
        description: `V4L2 camera ${target}`,
        inputArgs: ['-f', 'v4l2', '-framerate', String(fps), '-video_size', `${width}x${height}`, '-i', target],
        copyH264: false,
      };
    case 'rtsp': {
      const codec = await probeRtsp(target);
      return {
        kind,
        description: 'RTSP camera',
        inputArgs: ['-rtsp_transport', 'tcp', ...RTSP_TIMEOUT, '-i', target],
        copyH264: codec === 'h264',
      };
    }
    case 'file': {
      if (!existsSync(target)) throw new SourceError(`video file "${target}" does not exist`);
      const codec = await probeCodec(target);
      if (!codec) throw new SourceError(`"${target}" is not a video file ffmpeg can read`);
      return { kind, description: `file ${target}`, inputArgs: ['-re', '-i', target], copyH264: codec === 'h264' };
    }
  }
}

/**
 * The filter that turns the camera's video into the detector's small grey frames, in full
 * range so that black is 0 and a change of light scales every grey level alike.
 */
export function analysisFilter(v: AgentConfig['video']): string {
  return `fps=${v.analysisFps},scale=${v.analysisWidth}:${v.analysisHeight}:out_range=full,format=gray`;
}

export interface CaptureOptions {
  /**
   * Copied H.264 only: the analysis decoder skips frames no other frame refers to (most
   * B-frames). The analysis samples a few frames a second, so it loses nothing while the
   * decoded frames still outnumber the analysis rate; Capture turns this off for a stream
   * where they do not (see capture.ts).
   */
  skipNonReference: boolean;
}

/**
 * One ffmpeg, two outputs: fragmented MP4 on stdout (fd 1) for recording and pre-roll,
 * small grayscale raw frames on fd 3 for motion analysis.
 */
export function captureArgs(source: VideoSource, config: AgentConfig, options: CaptureOptions = { skipNonReference: true }): string[] {
  const v = config.video;
  const gop = Math.max(1, Math.round(v.fps * v.keyframeSeconds));
  const encode = source.copyH264
    ? ['-c:v', 'copy']
    : [
        '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
        '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
        '-vf', `scale=${v.width}:${v.height}`,
      ];
  // When the H.264 is copied, the decoder only feeds the small grey analysis frames, so it
  // can skip the deblocking filter and run on one thread (measured 15–20 % less CPU), and
  // skip non-reference frames (40 % less on a stream with B-frames): nothing recorded changes.
  const analysisOnlyDecode = source.copyH264
    ? ['-threads', '1', '-skip_loop_filter', 'all', '-flags2', 'fast', ...(options.skipNonReference ? ['-skip_frame', 'noref'] : [])]
    : [];
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...analysisOnlyDecode,
    ...source.inputArgs,
    '-map', '0:v:0', '-an', ...encode,
    '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', 'pipe:1',
    '-map', '0:v:0', '-an',
    '-vf', analysisFilter(v),
    '-f', 'rawvideo', 'pipe:3',
  ];
}

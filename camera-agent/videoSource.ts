import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { AgentConfig } from '../common/config';
import { footageFilterGraph } from './footageScenes';
import { getSimScene, isFootageScene, sceneFilterGraph } from './scenes';
import { SourceError, SourceUnavailableError, unavailableReason } from './sourceErrors';
import { readCredentials, redactCredentials, urlForDisplay, urlWithCredentials, type Credentials } from './sources/credentials';
import { encodeArgs, h264Encoder, type H264Encoder } from './sources/encoder';
import { FEEDER_INPUT, type Feeder } from './sources/feeder';
import { probeStreams, type ProbedStreams } from './sources/probe';
import { chooseV4l2Format, parseFfmpegFormats } from './sources/v4l2Formats';
import { detectionFilter, detectionSize, type PictureSize } from './detectionFrames';

/*
 * Where a camera's video (and sound) comes from, as ffmpeg input arguments. Sources that
 * already deliver H.264 (RTSP cameras, a USB camera's own H.264, the Pi camera's hardware
 * encoder, files) are copied into the MP4 output, never re-encoded; the others are encoded by
 * the encoder the start-up probe found working (sources/encoder.ts). resolveSource is run on
 * every (re)connect: it asks the camera what it sends, and a camera that does not answer,
 * refuses the password or sends something unplayable is a SourceUnavailableError (retried),
 * a mistake in the configuration a SourceError (not).
 */

export type SourceKind = 'sim' | 'file' | 'v4l2' | 'rtsp' | 'rpicam';

/** What happens to the camera's sound: copied (AAC), converted to AAC, or none. */
export type AudioHandling = 'copy' | 'aac' | null;

export interface VideoSource {
  kind: SourceKind;
  /** For logs and the hub: never holds credentials. */
  description: string;
  /** The recorded stream's input; may hold credentials: never log it. */
  inputArgs: string[];
  /** True when the input is H.264 already and can be stream-copied. */
  copyH264: boolean;
  /** The encoder when copyH264 is false (libx264 unless the hardware probe succeeded). */
  encoder?: H264Encoder;
  /** The recorded stream's sound; null when it has none or agent.audio is off. */
  audio?: AudioHandling;
  /** A second input analysed for motion instead of the recorded stream (a camera's sub-stream). */
  analysisInputArgs?: string[];
  /** The analysed stream's picture size (the sub-stream's when there is one), when known: detection pictures keep its aspect. */
  analysedSize?: PictureSize;
  /** A program whose stdout is the input (rpicam-vid), started with each ffmpeg run. */
  feeder?: Feeder;
  /** Takes the credentials out of ffmpeg's words before they are logged; without it capture masks any user:password@ of a URL. */
  redact?(text: string): string;
}

export { SourceError, SourceUnavailableError } from './sourceErrors';

/** Parses `sim:<scene>`, `v4l2:/dev/videoN`, `rpicam:`, `rtsp://…` or a file path (no I/O). */
export function parseSource(source: string): { kind: SourceKind; target: string } {
  if (source.startsWith('sim:')) return { kind: 'sim', target: source.slice(4) };
  if (source.startsWith('v4l2:')) {
    const dev = source.slice(5);
    if (!/^\/dev\/video\d+$/.test(dev)) throw new SourceError(`"${source}": a v4l2 source looks like v4l2:/dev/video0`);
    return { kind: 'v4l2', target: dev };
  }
  if (source === 'rpicam:' || source === 'rpicam') return { kind: 'rpicam', target: '' };
  if (/^rtsps?:\/\//.test(source)) {
    let url: URL;
    try {
      url = new URL(source);
    } catch {
      throw new SourceError(`"${urlForDisplay(source)}" is not a valid RTSP URL`);
    }
    if (url.username || url.password) {
      throw new SourceError(`the RTSP URL ${urlForDisplay(source)} holds a user name or password: put them in the file agent.rtsp.credentialsFile names instead`);
    }
    return { kind: 'rtsp', target: source };
  }
  if (/^[a-z]+:\/\//i.test(source)) throw new SourceError(`unsupported source "${urlForDisplay(source)}" (use sim:, v4l2:, rpicam:, rtsp:// or a file path)`);
  return { kind: 'file', target: source };
}

/** The sub-stream's URL: a whole rtsp:// URL, or a path on the main stream's host. */
export function subStreamUrl(main: string, sub: string): string {
  if (/^rtsps?:\/\//.test(sub)) {
    const u = parseSource(sub);
    return u.target;
  }
  if (!sub.startsWith('/')) throw new SourceError(`agent.rtsp.subStream "${sub}" must be an rtsp:// URL or a path starting with /`);
  const u = new URL(main);
  const at = sub.indexOf('?');
  u.pathname = at < 0 ? sub : sub.slice(0, at);
  u.search = at < 0 ? '' : sub.slice(at);
  return u.toString();
}

/** ffmpeg's RTSP input options: transport, and a socket timeout so a silent camera ends the run. */
export function rtspInputOptions(rtsp: AgentConfig['rtsp']): string[] {
  return ['-rtsp_transport', rtsp.transport, '-timeout', String(Math.round(rtsp.timeoutSeconds * 1_000_000))];
}

function probedSize(probed: ProbedStreams): PictureSize | undefined {
  const { width, height } = probed.video ?? {};
  return width && height ? { width, height } : undefined;
}

function audioHandling(probed: ProbedStreams, config: AgentConfig): AudioHandling {
  if (!config.audio || !probed.audio) return null;
  return probed.audio.codec === 'aac' ? 'copy' : 'aac';
}

function listV4l2Formats(device: string, ffmpegPath = process.env.FFMPEG_PATH ?? 'ffmpeg'): Promise<string> {
  return new Promise((resolve) => {
    // ffmpeg lists the formats on stderr and then exits with an error: the list is the answer.
    execFile(ffmpegPath, ['-hide_banner', '-f', 'v4l2', '-list_formats', 'all', '-i', device], { timeout: 10_000 }, (_err, _out, stderr) =>
      resolve(String(stderr)),
    );
  });
}

async function resolveRtsp(target: string, config: AgentConfig): Promise<VideoSource> {
  const rtsp = config.rtsp;
  const credentials: Credentials | undefined = rtsp.credentialsFile ? await readCredentials(rtsp.credentialsFile) : undefined;
  const options = rtspInputOptions(rtsp);
  const timeoutMs = (rtsp.timeoutSeconds + 5) * 1000;
  const shown = urlForDisplay(target);
  const main = urlWithCredentials(target, credentials);
  const probed = await probeStreams(main, options, `RTSP camera ${shown}`, timeoutMs, credentials);
  const copyH264 = probed.video?.codec === 'h264';
  const redact = (text: string) => redactCredentials(text, credentials);
  let analysisInputArgs: string[] | undefined;
  let subShown = '';
  let analysedSize = probedSize(probed);
  if (rtsp.subStream) {
    const sub = subStreamUrl(target, rtsp.subStream);
    subShown = urlForDisplay(sub);
    analysedSize = probedSize(await probeStreams(urlWithCredentials(sub, credentials), options, `RTSP sub-stream ${subShown}`, timeoutMs, credentials));
    analysisInputArgs = [...options, '-i', urlWithCredentials(sub, credentials)];
  }
  return {
    kind: 'rtsp',
    description: `RTSP camera ${shown} (${rtsp.transport.toUpperCase()}${subShown ? `, motion from ${subShown}` : ''})`,
    inputArgs: [...options, '-i', main],
    copyH264,
    ...(copyH264 ? {} : { encoder: (await h264Encoder()).encoder }),
    audio: audioHandling(probed, config),
    ...(analysisInputArgs ? { analysisInputArgs } : {}),
    ...(analysedSize ? { analysedSize } : {}),
    redact,
  };
}

async function resolveV4l2(device: string, config: AgentConfig): Promise<VideoSource> {
  const { width, height, fps } = config.video;
  if (!existsSync(device)) throw new SourceUnavailableError('unreachable', `V4L2 camera ${device} is not plugged in (no such device)`);
  const listed = await listV4l2Formats(device);
  const choice = chooseV4l2Format(parseFfmpegFormats(listed), { width, height });
  if (!choice) {
    const reason = /Permission denied/i.test(listed) ? 'unauthorized' : unavailableReason(listed);
    throw new SourceUnavailableError(reason, `V4L2 camera ${device} lists no video format ffmpeg can read: ${listed.trim().split('\n').slice(-1)[0] ?? ''}`);
  }
  return {
    kind: 'v4l2',
    description: `V4L2 camera ${device} (${choice.inputFormat} ${choice.width}x${choice.height}${choice.copy ? ', copied' : ''})`,
    inputArgs: ['-f', 'v4l2', '-input_format', choice.inputFormat, '-framerate', String(fps), '-video_size', `${choice.width}x${choice.height}`, '-i', device],
    copyH264: choice.copy,
    ...(choice.copy ? {} : { encoder: (await h264Encoder()).encoder }),
    audio: null,
    analysedSize: { width: choice.width, height: choice.height },
  };
}

/** rpicam-vid's arguments: hardware H.264 with SPS/PPS before every keyframe (`--inline`) to stdout. */
export function rpicamArgs(v: AgentConfig['video']): string[] {
  const gop = Math.max(1, Math.round(v.fps * v.keyframeSeconds));
  return [
    '-t', '0', '--nopreview', '--inline', '--codec', 'h264', '--profile', 'main', '--intra', String(gop),
    '--width', String(v.width), '--height', String(v.height), '--framerate', String(v.fps), '-o', '-',
  ];
}

export async function resolveSource(config: AgentConfig): Promise<VideoSource> {
  const { kind, target } = parseSource(config.source);
  const { width, height, fps } = config.video;
  switch (kind) {
    case 'sim': {
      const scene = getSimScene(target);
      if (isFootageScene(scene)) {
        const file = path.join(config.sim.footageDir, scene.file);
        if (!existsSync(file)) {
          throw new SourceError(`simulator scene "${scene.name}" plays ${scene.file}, which is not in ${config.sim.footageDir} (agent.sim.footageDir): it comes from ${scene.origin}`);
        }
        return {
          kind,
          description: `simulated scene "${scene.name}" (real footage: ${file})`,
          // -re paces the footage at its frame rate, like a real camera.
          inputArgs: ['-re', '-f', 'lavfi', '-i', footageFilterGraph(scene, file, width, height, fps)],
          copyH264: false,
          encoder: 'libx264',
          audio: null,
          analysedSize: { width, height },
        };
      }
      return {
        kind,
        description: `simulated scene "${scene.name}"`,
        // -re paces the synthetic source at its frame rate, like a real camera.
        inputArgs: ['-re', '-f', 'lavfi', '-i', sceneFilterGraph(scene, width, height, fps)],
        copyH264: false,
        encoder: 'libx264',
        audio: null,
        analysedSize: { width, height },
      };
    }
    case 'v4l2':
      return resolveV4l2(target, config);
    case 'rtsp':
      return resolveRtsp(target, config);
    case 'rpicam':
      return {
        kind,
        description: `Pi camera module (${config.rpicam.command}, ${width}x${height} ${fps} fps, hardware H.264 copied)`,
        // Raw H.264 carries no timestamps: ffmpeg dates the frames at the camera's rate.
        inputArgs: ['-f', 'h264', '-framerate', String(fps), '-i', FEEDER_INPUT],
        copyH264: true,
        audio: null,
        analysedSize: { width, height },
        feeder: { command: config.rpicam.command, args: rpicamArgs(config.video) },
      };
    case 'file': {
      if (!existsSync(target)) throw new SourceError(`video file "${target}" does not exist`);
      let probed: ProbedStreams;
      try {
        probed = await probeStreams(target, [], `file ${target}`, 30_000);
      } catch {
        throw new SourceError(`"${target}" is not a video file ffmpeg can read`);
      }
      const copyH264 = probed.video?.codec === 'h264';
      const analysedSize = probedSize(probed);
      return {
        kind,
        description: `file ${target}`,
        ...(analysedSize ? { analysedSize } : {}),
        inputArgs: ['-re', '-i', target],
        copyH264,
        ...(copyH264 ? {} : { encoder: (await h264Encoder()).encoder }),
        audio: audioHandling(probed, config),
      };
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

/** The size of the detection pictures this source gives (its analysed stream's, else the configured video size, fitted). */
export function detectionPictureSize(source: VideoSource, config: AgentConfig): PictureSize {
  const v = config.video;
  return detectionSize(source.analysedSize ?? { width: v.width, height: v.height }, config.detection.width);
}

export interface CaptureOptions {
  /**
   * Copied H.264 only: the analysis decoder skips frames no other frame refers to (most
   * B-frames). The analysis samples a few frames a second, so it loses nothing while the
   * decoded frames still outnumber the analysis rate; Capture turns this off for a stream
   * where they do not (see capture.ts).
   */
  skipNonReference: boolean;
  /** With agent.detection: whether the detection gate starts open (motion lasts as ffmpeg starts). */
  detectionOpen?: boolean;
}

/**
 * The capture's ffmpeg: fragmented MP4 on stdout (fd 1) for recording and pre-roll, with the
 * camera's sound when it has some; and, unless the camera has a sub-stream (see
 * analysisArgs), the analysis outputs of analysisOutputs on fds 3–5. ffmpeg then reads
 * commands on its stdin (no -nostdin) when agent.detection is on, which is what opens and
 * closes the detection gate.
 */
export function captureArgs(source: VideoSource, config: AgentConfig, options: CaptureOptions = { skipNonReference: true }): string[] {
  const v = config.video;
  const gop = Math.max(1, Math.round(v.fps * v.keyframeSeconds));
  const encode = source.copyH264 ? ['-c:v', 'copy'] : encodeArgs(source.encoder ?? 'libx264', gop, v.width, v.height);
  const audio = config.audio ? (source.audio ?? null) : null;
  // AAC copied as the camera sends it; G.711 and the like become AAC, which MP4 and browsers play.
  const sound = audio === null ? ['-an'] : ['-map', '0:a:0', ...(audio === 'copy' ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '64k'])];
  const own = !source.analysisInputArgs;
  const recording = [
    '-hide_banner', ...(own && config.detection.enabled ? [] : ['-nostdin']), '-loglevel', 'error',
    ...(own && source.copyH264 ? analysisOnlyDecode(options) : []), ...source.inputArgs,
    '-map', '0:v:0', ...sound, ...encode,
    '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', 'pipe:1',
  ];
  return own ? [...recording, ...analysisOutputs(source, config, options)] : recording;
}

/**
 * A camera with a sub-stream is analysed by an ffmpeg of its own, reading only the sub-stream
 * and writing fds 3–5 (and reading the gate's commands on stdin); null for a camera without
 * one. Not a second input of the recording ffmpeg: ffmpeg 5.1 reads next for the output
 * whose last packet is oldest, and a closed gate's output, which gets nothing, stays oldest
 * for ever; that ffmpeg then reads only the sub-stream and never the main stream (measured:
 * no MP4 fragment in 60 s). With one input per ffmpeg every read feeds every output, so the
 * gate closes whatever the camera.
 */
export function analysisArgs(source: VideoSource, config: AgentConfig, options: CaptureOptions = { skipNonReference: true }): string[] | null {
  if (!source.analysisInputArgs) return null;
  return [
    '-hide_banner', ...(config.detection.enabled ? [] : ['-nostdin']), '-loglevel', 'error',
    ...analysisOnlyDecode(options), ...source.analysisInputArgs,
    ...analysisOutputs(source, config, options),
  ];
}

/**
 * When only the grey analysis frames (and detection pictures) are decoded from a stream
 * (copied H.264, or a sub-stream), the decoder can skip the deblocking filter and run on one
 * thread (measured 15–20 % less CPU), and skip non-reference frames (40 % less on a stream
 * with B-frames).
 */
function analysisOnlyDecode(options: CaptureOptions): string[] {
  return ['-threads', '1', '-skip_loop_filter', 'all', '-flags2', 'fast', ...(options.skipNonReference ? ['-skip_frame', 'noref'] : [])];
}

/**
 * The analysis outputs of the ffmpeg's first input: small grayscale raw frames on fd 3 for
 * motion analysis; and, with agent.detection on, yuv420p pictures for the hub's object
 * detector on fd 4, split from the same decoded picture as the analysis frames (decoded once),
 * made only while the gate is open (detectionFrames.ts), with each picture's tick on fd 5.
 */
function analysisOutputs(source: VideoSource, config: AgentConfig, options: CaptureOptions): string[] {
  const v = config.video;
  if (!config.detection.enabled) return ['-map', '0:v:0', '-an', '-vf', analysisFilter(v), '-f', 'rawvideo', 'pipe:3'];
  const pictures = detectionFilter(config.detection.fps, detectionPictureSize(source, config), options.detectionOpen ?? false, '[d]', '[detection]', '[ticks]');
  const graph = `[0:v:0]split=2[a][d];[a]${analysisFilter(v)}[analysis];${pictures}`;
  // passthrough: ffmpeg's default for these outputs (constant rate) would fill the gate's
  // closed spell with copies of the last picture when it opens again.
  return [
    '-filter_complex', graph,
    '-map', '[analysis]', '-an', '-f', 'rawvideo', 'pipe:3',
    '-map', '[detection]', '-an', '-fps_mode', 'passthrough', '-f', 'rawvideo', 'pipe:4',
    '-map', '[ticks]', '-an', '-fps_mode', 'passthrough', '-c:v', 'rawvideo', '-flush_packets', '1', '-f', 'framecrc', 'pipe:5',
  ];
}

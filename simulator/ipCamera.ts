import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { getScene, sceneFilterGraph } from '../camera-agent/scenes';

/*
 * A stand-in IP camera for tests, benchmarks and developers: GStreamer's real RTSP server (test/helpers/rtsp-server.py) on
 * 127.0.0.1, fed by ffmpeg publishers the way a camera's encoder feeds its RTSP service —
 * H.264 Main profile without B-frames, 15 fps, a keyframe a second, a camera's default bitrate
 * cap (cameraMaxBitrateKbps), AAC audio. The server and
 * each publisher are separate processes, so a test can take the camera off the network
 * (stopServer), freeze its picture (stopPublisher: server up, no frames), or change the
 * stream (restartPublisher with another size).
 */

export interface StreamSpec {
  width: number;
  height: number;
  fps?: number;
  keyframeSeconds?: number;
  /** AAC audio track (a tone); default true. */
  audio?: boolean;
  /** A video file looped and transcoded instead of the test pattern (e.g. opencv-doc's vtest.avi). */
  input?: string;
  /** One of the simulator's labelled scenes (camera-agent/scenes.ts) instead of the test pattern. */
  scene?: string;
  /**
   * The encoder's "Max Bitrate" in kbit/s (variable bitrate under this cap, as cameras encode
   * by default); default cameraMaxBitrateKbps for the size. null: no cap, x264's constant
   * quality alone, several times what a camera sends on a noisy scene.
   */
  maxBitrateKbps?: number | null;
}

/**
 * A camera's default bitrate cap for a stream size, at the top of what IP cameras ship with
 * (Hikvision, Dahua, Reolink, Amcrest: sub-streams of 640×360–704×576 at 256–1024 kbit/s, a
 * 720p main stream at 1–2 Mbit/s, 1080p at 2–4 Mbit/s). Uncapped, x264 spends 4.7 Mbit/s on a
 * 640×360 scene with sensor noise, and the cost of decoding H.264 grows with its bitrate.
 */
export function cameraMaxBitrateKbps(width: number, height: number): number {
  const pixels = width * height;
  if (pixels <= 704 * 576) return 1024;
  if (pixels <= 1280 * 720) return 2048;
  if (pixels <= 1920 * 1080) return 4096;
  return 8192;
}

export interface RtspCredentials {
  user: string;
  password: string;
}

export interface RtspCamera {
  /** The RTSP port; it stays the same across stopServer/startServer. */
  readonly port: number;
  url(mount?: string, credentials?: RtspCredentials): string;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  startPublisher(mount?: string, spec?: StreamSpec): void;
  stopPublisher(mount?: string): Promise<void>;
  restartPublisher(mount: string, spec: StreamSpec): Promise<void>;
  /** Resolves once every mount serves video to an RTSP client (ffprobe reads H.264 from it). */
  untilServing(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

// Not compiled: found beside this file's source, two levels above dist/simulator/.
export const RTSP_SERVER_SCRIPT = path.join(__dirname, '..', '..', 'simulator', 'rtsp-server.py');
// Debian's python3, where python3-gi is installed (a pyenv python3 on PATH has no gi).
const PYTHON = '/usr/bin/python3';

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function freeTcpPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** ffmpeg arguments of a camera encoder publishing MPEG-TS to a loopback UDP port. */
export function publisherArgs(spec: StreamSpec, udpPort: number): string[] {
  const fps = spec.fps ?? 15;
  const gop = Math.max(1, Math.round(fps * (spec.keyframeSeconds ?? 1)));
  const audio = spec.audio ?? true;
  const cap = spec.maxBitrateKbps === undefined ? cameraMaxBitrateKbps(spec.width, spec.height) : spec.maxBitrateKbps;
  const video = spec.input
    ? ['-re', '-stream_loop', '-1', '-i', spec.input]
    : ['-re', '-f', 'lavfi', '-i', spec.scene ? sceneFilterGraph(getScene(spec.scene), spec.width, spec.height, fps) : `testsrc2=s=${spec.width}x${spec.height}:r=${fps}`];
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...video,
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000'] : []),
    '-map', '0:v:0', ...(audio ? ['-map', '1:a:0', '-c:a', 'aac', '-b:a', '32k'] : []),
    '-vf', `scale=${spec.width}:${spec.height},fps=${fps}`,
    // Main profile, no B-frames, fixed keyframe interval: what an IP camera's encoder sends.
    '-c:v', 'libx264', '-preset', 'superfast', '-profile:v', 'main', '-bf', '0',
    ...(cap === null ? [] : ['-maxrate', `${cap}k`, '-bufsize', `${2 * cap}k`]),
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-f', 'mpegts', `udp://127.0.0.1:${udpPort}?pkt_size=1316`,
  ];
}

/** True when ffprobe, as an RTSP client over TCP, reads an H.264 video stream from `url`. */
function servesVideo(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const args = ['-v', 'error', '-rtsp_transport', 'tcp', '-timeout', '3000000', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', url];
    execFile('ffprobe', args, { timeout: 10_000 }, (err, stdout) => resolve(!err && stdout.trim() === 'h264'));
  });
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts publishers for each mount and the RTSP server. `port` reserves a port for a server
 * started later (`startServer: false`: a camera that boots after the agent).
 */
export async function startRtspCamera(opts: {
  mounts?: Record<string, StreamSpec>;
  credentials?: RtspCredentials;
  dir: string;
  port?: number;
  startServer?: boolean;
}): Promise<RtspCamera> {
  const mounts = opts.mounts ?? { cam: { width: 640, height: 360 } };
  const udpPorts = new Map<string, number>();
  for (const name of Object.keys(mounts)) udpPorts.set(name, await freeUdpPort());
  const specs = new Map(Object.entries(mounts));
  const publishers = new Map<string, ChildProcess>();
  let port = opts.port ?? (await freeTcpPort());
  let server: ChildProcess | undefined;
  let credentialsFile: string | undefined;
  if (opts.credentials) {
    credentialsFile = path.join(opts.dir, 'rtsp-server-credentials');
    await fs.writeFile(credentialsFile, `${opts.credentials.user}:${opts.credentials.password}\n`, { mode: 0o600 });
  }

  const startPublisher = (mount = 'cam', spec?: StreamSpec) => {
    if (spec) specs.set(mount, spec);
    const s = specs.get(mount);
    const udp = udpPorts.get(mount);
    if (!s || udp === undefined) throw new Error(`no mount "${mount}"`);
    const child = spawn('ffmpeg', publisherArgs(s, udp), { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.resume();
    publishers.set(mount, child);
  };
  const stopPublisher = async (mount = 'cam') => {
    await stopChild(publishers.get(mount));
    publishers.delete(mount);
  };

  const startServer = async () => {
    const args = [RTSP_SERVER_SCRIPT, '--port', String(port)];
    for (const [name, udp] of udpPorts) args.push('--mount', `${name}=${udp}${specs.get(name)?.audio === false ? ':noaudio' : ''}`);
    if (credentialsFile) args.push('--credentials', credentialsFile);
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const bound = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /READY (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`RTSP server exited (${code}): ${stderr.trim()}`)));
      child.once('error', reject);
    });
    port = bound;
  };
  const stopServer = async () => {
    await stopChild(server);
    server = undefined;
  };

  const url = (mount = 'cam', credentials?: RtspCredentials) => {
    const auth = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@` : '';
    return `rtsp://${auth}127.0.0.1:${port}/${mount}`;
  };
  // A publisher takes a moment (longer on a loaded machine) before its first frames reach the
  // server; a client that connects earlier waits out its timeout and backs off. Callers that
  // want a camera already on the air wait for it here.
  const untilServing = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (const mount of Object.keys(mounts)) {
      while (!(await servesVideo(url(mount, opts.credentials)))) {
        if (Date.now() > deadline) throw new Error(`the stand-in camera's mount "${mount}" served no video within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };

  for (const name of Object.keys(mounts)) startPublisher(name);
  if (opts.startServer !== false) {
    await startServer();
    await untilServing();
  }

  return {
    get port() {
      return port;
    },
    url,
    startServer,
    untilServing,
    stopServer,
    startPublisher,
    stopPublisher,
    async restartPublisher(mount, spec) {
      await stopPublisher(mount);
      startPublisher(mount, spec);
    },
    async close() {
      await stopServer();
      for (const name of [...publishers.keys()]) await stopPublisher(name);
    },
  };
}

import { probeEncoder } from '../../camera-agent/sources/encoder';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, promises as fs, constants as fsConstants } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { AGENT_SERVERNAME } from '../../common/protocol';
import { readGroupIds, readServiceAccount, type ServiceAccount } from '../../common/serviceAccount';
import { loadIdentity } from '../../camera-agent/identity';
import type { AgentConfig } from '../../common/config';
import { resolveSource, SourceError, SourceUnavailableError } from '../../camera-agent/videoSource';
import type { CertificateInfo, ClockInfo, DiskSpace, FfmpegInfo, GpioInfo, HubReach, HubState, RtspAnswer, VideoDevice } from './checks';

/*
 * What `porchlight doctor` looks at on the real machine. Each probe answers with plain data
 * (or null when it cannot tell) and never throws; the verdicts are in checks.ts.
 */

export interface DoctorProbes {
  ffmpeg(): Promise<FfmpegInfo>;
  boardModel(): Promise<string | null>;
  videoDevices(): Promise<VideoDevice[]>;
  /** Camera modules libcamera lists; null when no libcamera tool is installed. */
  libcameraCameras(): Promise<string[] | null>;
  gpio(): Promise<GpioInfo>;
  clock(): Promise<ClockInfo>;
  diskSpace(dir: string): Promise<DiskSpace | null>;
  /** The hub's certificates; null when it has not made one yet. */
  hubCertificates(dataDir: string, userCertFile?: string): Promise<CertificateInfo[] | null>;
  hubState(dataDir: string, ports: { httpsPort: number; httpPort: number }): Promise<HubState>;
  hubReach(agentDataDir: string): Promise<HubReach>;
  /** Asks an RTSP camera for its streams exactly as capture will (same options, same credentials). */
  rtspCamera(agent: AgentConfig): Promise<RtspAnswer>;
  serviceAccount(user: string): ServiceAccount | null;
}

function run(command: string, args: string[], timeoutMs = 10_000): Promise<{ ok: boolean; stdout: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => resolve({ ok: !err, stdout: String(stdout ?? '') }));
  });
}

/** Encoder names from `ffmpeg -encoders` (lines like " V....D libx264   H.264 …"). */
export function parseEncoders(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*[VAS][A-Z.]{5}\s+(\S+)/.exec(line);
    if (m && m[1] !== '=') out.push(m[1]!);
  }
  return out;
}

/** Sensor names from `rpicam-hello --list-cameras` ("0 : imx708 [4608x2592 …] (…)"). */
export function parseLibcameraList(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\d+\s*:\s*(\S+)/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

/** `timedatectl show` output (NTPSynchronized=yes, NTP=yes). */
export function parseTimedatectl(text: string): ClockInfo {
  const value = (key: string): boolean | null => {
    const m = new RegExp(`^${key}=(yes|no)$`, 'm').exec(text);
    return m ? m[1] === 'yes' : null;
  };
  return { synchronized: value('NTPSynchronized'), ntp: value('NTP') };
}

async function readCert(file: string, source: CertificateInfo['source']): Promise<CertificateInfo | null> {
  try {
    const cert = new X509Certificate(await fs.readFile(file));
    return { source, file, validFrom: Date.parse(cert.validFrom), validTo: Date.parse(cert.validTo), subject: cert.subject.replace(/\n/g, ', ') };
  } catch {
    return null;
  }
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** GET /api/health, trusting only `caPem` (the hub's own CA), as a paired camera does. */
function health(url: string, caPem: string): Promise<{ ok: true } | { ok: false; problem: string; wrongCa: boolean }> {
  return new Promise((resolve) => {
    const req = https.get(
      new URL('/api/health', url),
      { ca: caPem, servername: AGENT_SERVERNAME, checkServerIdentity: () => undefined, minVersion: 'TLSv1.2', timeout: 5000, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200 ? { ok: true } : { ok: false, problem: `it answered HTTP ${res.statusCode}`, wrongCa: false }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 5 seconds')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const wrongCa = /certificate|self.signed|UNABLE_TO_VERIFY|CERT_/i.test(`${err.code ?? ''} ${err.message}`);
      resolve({ ok: false, problem: err.code && !err.message.includes(err.code) ? `${err.code} ${err.message}` : err.message, wrongCa });
    });
  });
}

/** The camera's answer, its source's name taken off the front of the message (the finding names it). */
export async function askRtspCamera(agent: AgentConfig): Promise<RtspAnswer> {
  try {
    const source = await resolveSource(agent);
    const parts = [source.copyH264 ? 'H.264, recorded as it comes' : `re-encoded to H.264 (${source.encoder ?? 'libx264'})`];
    if (source.audio) parts.push('with sound');
    if (source.analysisInputArgs) parts.push('motion from its sub-stream');
    return { kind: 'answers', description: parts.join(', ') };
  } catch (err) {
    const message = (err as Error).message.replace(/^RTSP camera \S+: /, '');
    if (err instanceof SourceUnavailableError) return { kind: 'refused', reason: err.reason, message };
    if (err instanceof SourceError) return { kind: 'mistake', message };
    return { kind: 'mistake', message: `could not be asked: ${message}` };
  }
}

export function systemProbes(root = '/'): DoctorProbes {
  const sys = (p: string) => path.join(root, p);
  return {
    rtspCamera: askRtspCamera,
    async ffmpeg() {
      const version = await run('ffmpeg', ['-hide_banner', '-version']);
      if (!version.ok) return { version: null, encoders: [] };
      const encoders = await run('ffmpeg', ['-hide_banner', '-encoders']);
      const h264Encoder = await probeEncoder('ffmpeg');
      return { version: version.stdout.split('\n')[0] ?? 'ffmpeg', encoders: parseEncoders(encoders.stdout), h264Encoder };
    },

    async boardModel() {
      for (const file of ['proc/device-tree/model', 'sys/firmware/devicetree/base/model']) {
        try {
          return (await fs.readFile(sys(file), 'utf8')).replace(/\0/g, '').trim();
        } catch {
          // Not a device-tree machine, or not this path.
        }
      }
      return null;
    },

    async videoDevices() {
      let names: string[];
      try {
        names = (await fs.readdir(sys('dev'))).filter((n) => /^video\d+$/.test(n));
      } catch {
        return [];
      }
      const groups = readGroupIds(root);
      const out: VideoDevice[] = [];
      for (const n of names.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))) {
        const st = await fs.stat(sys(`dev/${n}`)).catch(() => null);
        if (!st) continue;
        const name = await fs.readFile(sys(`sys/class/video4linux/${n}/name`), 'utf8').then((t) => t.trim(), () => 'unknown');
        out.push({ path: `/dev/${n}`, name, group: groups.get(st.gid) ?? null, groupRw: (st.mode & 0o060) === 0o060, worldRw: (st.mode & 0o006) === 0o006 });
      }
      return out;
    },

    async libcameraCameras() {
      for (const tool of ['rpicam-hello', 'libcamera-hello']) {
        const r = await run(tool, ['--list-cameras'], 15_000);
        if (r.ok || r.stdout) return parseLibcameraList(r.stdout);
      }
      return null;
    },

    async gpio() {
      const st = await fs.stat(sys('sys/class/gpio/export')).catch(() => null);
      if (!st) return { sysfs: false, exportGroup: null, exportGroupWritable: false, exportWorldWritable: false };
      return { sysfs: true, exportGroup: readGroupIds(root).get(st.gid) ?? null, exportGroupWritable: (st.mode & 0o020) !== 0, exportWorldWritable: (st.mode & 0o002) !== 0 };
    },

    async clock() {
      const r = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '-p', 'NTP']);
      return r.ok ? parseTimedatectl(r.stdout) : { synchronized: null, ntp: null };
    },

    async diskSpace(dir) {
      try {
        const s = await fs.statfs(dir);
        return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
      } catch {
        return null;
      }
    },

    async hubCertificates(dataDir, userCertFile) {
      const local = await readCert(path.join(dataDir, 'tls', 'server.crt'), 'hub-made');
      if (!local) return null;
      const out = [local];
      // The browsers' certificate from the household CA (phones); absent before the hub's first start on this release.
      const browser = await readCert(path.join(dataDir, 'tls', 'browser.crt'), 'hub-made');
      if (browser) out.push(browser);
      if (userCertFile) {
        const user = await readCert(userCertFile, 'your certificate');
        out.push(user ?? { source: 'your certificate', file: userCertFile, validFrom: 0, validTo: 0, subject: 'unreadable' });
      }
      return out;
    },

    async hubState(dataDir, ports) {
      let running: HubState['running'] = null;
      try {
        const rt = JSON.parse(await fs.readFile(path.join(dataDir, 'run', 'hub.json'), 'utf8')) as { pid?: number; httpsPort?: number; httpPort?: number | null };
        // A hub killed without stopping leaves the file: it counts only while its process lives.
        if (typeof rt.httpsPort === 'number' && typeof rt.pid === 'number' && existsSync(`/proc/${rt.pid}`)) running = { httpsPort: rt.httpsPort, httpPort: rt.httpPort ?? null };
      } catch {
        // Not running (or never started).
      }
      let answers = false;
      if (running) {
        const ca = await fs.readFile(path.join(dataDir, 'tls', 'ca.crt'), 'utf8').catch(() => null);
        answers = ca !== null && (await health(`https://127.0.0.1:${running.httpsPort}/`, ca)).ok;
      }
      const busy: number[] = [];
      if (!running) {
        for (const port of [ports.httpsPort, ports.httpPort]) if (port > 0 && (await portInUse(port))) busy.push(port);
      }
      return { running, answers, busy, configuredHttpsPort: ports.httpsPort, configuredHttpPort: ports.httpPort };
    },

    async hubReach(agentDataDir) {
      let identity;
      try {
        identity = await loadIdentity(agentDataDir);
      } catch (err) {
        return { kind: 'not-paired', problem: (err as Error).message.replace(/:.*$/, '') };
      }
      const r = await health(identity.hubUrl, identity.caPem);
      if (r.ok) return { kind: 'reachable', hubUrl: identity.hubUrl };
      return r.wrongCa ? { kind: 'wrong-ca', hubUrl: identity.hubUrl } : { kind: 'unreachable', hubUrl: identity.hubUrl, problem: r.problem };
    },

    serviceAccount: (user) => readServiceAccount(root, user),
  };
}

/** Whether this process may read `file` (doctor run without sudo cannot see the service's files). */
export async function readable(file: string): Promise<boolean> {
  return fs.access(file, fsConstants.R_OK).then(
    () => true,
    () => false,
  );
}

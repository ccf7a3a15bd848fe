import { maskUrlCredentials } from '../../common/urlCredentials';

/*
 * `porchlight doctor`'s judgements: pure functions from what the probes found to findings,
 * each ok, warning or error, and each problem with the command or setting that fixes it.
 * Nothing here touches the machine, so every verdict is tested with made-up probe results.
 */

export type Level = 'ok' | 'warning' | 'error';

export interface Finding {
  level: Level;
  /** What was checked: "ffmpeg", "camera frontdoor", "clock"… */
  check: string;
  message: string;
  /** How to put it right; given for every warning and error. */
  fix?: string;
}

const ok = (check: string, message: string): Finding => ({ level: 'ok', check, message });
const warning = (check: string, message: string, fix: string): Finding => ({ level: 'warning', check, message, fix });
const error = (check: string, message: string, fix: string): Finding => ({ level: 'error', check, message, fix });

const GiB = 1024 ** 3;
const DAY = 24 * 3600 * 1000;

export function formatBytes(n: number): string {
  if (n >= GiB) return `${(n / GiB).toFixed(1)} GiB`;
  return `${Math.round(n / 1024 ** 2)} MiB`;
}

/* ffmpeg */

export interface FfmpegInfo {
  /** First line of `ffmpeg -version`; null when ffmpeg is not installed. */
  version: string | null;
  encoders: string[];
  /** The agent's own one-frame encoder probe (camera-agent/sources/encoder.ts): what capture will use. */
  h264Encoder?: { encoder: string; reason: string };
}

export type Board = 'pi5' | 'pi-with-h264-encoder' | 'other-pi' | 'not-pi';

/** The board from its device-tree model string (null: not a device-tree machine). */
export function boardOf(model: string | null): Board {
  if (!model || !/Raspberry Pi/i.test(model)) return 'not-pi';
  if (/Raspberry Pi 5|Compute Module 5|Raspberry Pi 500/i.test(model)) return 'pi5';
  // The VideoCore IV/VI H.264 encoder: Pi 2, 3, 4, 400, Zero 2 and their compute modules.
  if (/Raspberry Pi (2|3|4|400|Zero 2)|Compute Module (3|4)/i.test(model)) return 'pi-with-h264-encoder';
  return 'other-pi';
}

export function checkFfmpeg(ff: FfmpegInfo, board: Board): Finding[] {
  if (!ff.version) return [error('ffmpeg', 'ffmpeg is not installed: cameras cannot record', 'sudo apt install ffmpeg')];
  const version = ff.version.replace(/^ffmpeg version (\S+).*/, 'ffmpeg $1');
  const out: Finding[] = [];
  if (!ff.encoders.includes('libx264')) {
    out.push(error('ffmpeg', `${version} has no libx264 encoder: cameras whose video is not H.264 already cannot record`, "install Debian's ffmpeg: sudo apt install --reinstall ffmpeg"));
  } else {
    out.push(ok('ffmpeg', `${version} with the libx264 encoder`));
  }
  const hw = ff.encoders.includes('h264_v4l2m2m');
  if (board === 'pi-with-h264-encoder') {
    out.push(
      hw
        ? ok('ffmpeg', "the Pi's hardware H.264 encoder (h264_v4l2m2m) is available")
        : warning('ffmpeg', "this ffmpeg lacks h264_v4l2m2m, the Pi's hardware H.264 encoder", "install Raspberry Pi OS's own ffmpeg: sudo apt install --reinstall ffmpeg (from archive.raspberrypi.com)"),
    );
  } else if (board === 'pi5') {
    out.push(ok('ffmpeg', 'a Raspberry Pi 5 has no hardware H.264 encoder: video is encoded by libx264, or copied from H.264 cameras'));
  }
  const probe = ff.h264Encoder;
  if (probe) {
    // The same probe capture runs, so this is what a camera that needs encoding gets.
    if (probe.encoder === 'h264_v4l2m2m') out.push(ok('ffmpeg', `cameras whose video needs encoding use the hardware encoder: ${probe.reason}`));
    else if (board === 'pi-with-h264-encoder' && hw) {
      out.push(warning('ffmpeg', `cameras whose video needs encoding use libx264: ${probe.reason}`, 'check that /dev/video11 exists and the service user is in the video group'));
    } else out.push(ok('ffmpeg', `cameras whose video needs encoding use libx264 (${probe.reason}); H.264 cameras are copied`));
  }
  return out;
}

/* cameras */

export interface VideoDevice {
  path: string;
  /** The driver's name for it (/sys/class/video4linux/videoN/name). */
  name: string;
  /** Group owning the device node and whether that group may read and write it. */
  group: string | null;
  groupRw: boolean;
  worldRw: boolean;
}

export interface AgentCamera {
  name: string;
  source: string;
}

/** Nodes of the Pi's codecs, ISP and raw CSI receivers: /dev/video* files ffmpeg cannot record from. */
export function isCaptureDevice(d: VideoDevice): boolean {
  return !/codec|isp|rpivid|pispbe|hevc|unicam|rp1-cfe|bcm2835|v4l2loopback-m2m|scaler|encoder|decoder/i.test(d.name);
}

function canOpen(d: VideoDevice, groups: string[] | null): boolean {
  return d.worldRw || (d.groupRw && d.group !== null && (groups ?? []).includes(d.group));
}

export function checkCameras(agents: AgentCamera[], devices: VideoDevice[], libcamera: string[] | null, userGroups: string[] | null, user: string): Finding[] {
  const out: Finding[] = [];
  const captures = devices.filter(isCaptureDevice);
  for (const a of agents) {
    const check = `camera ${a.name}`;
    const configFile = `/etc/porchlight/agents/${a.name}.yaml`;
    if (a.source.startsWith('v4l2:')) {
      const dev = a.source.slice(5);
      const d = devices.find((x) => x.path === dev);
      if (!d) {
        const found = captures.map((x) => x.path).join(', ');
        out.push(error(check, `${dev} does not exist`, `plug the camera in, or set agent.source in ${configFile} to ${found ? `one of ${found}` : 'the camera found by v4l2-ctl --list-devices'}`));
      } else if (!isCaptureDevice(d)) {
        out.push(
          error(
            check,
            `${dev} is "${d.name}", not a camera ffmpeg can record from`,
            libcamera?.length
              ? `a camera module is read through libcamera: set agent.source to "rpicam:" in ${configFile} (docs/cameras.md#raspberry-pi-camera-module)`
              : `set agent.source in ${configFile} to a USB camera's /dev/videoN or an rtsp:// URL`,
          ),
        );
      } else if (!canOpen(d, userGroups)) {
        out.push(error(check, `the ${user} user may not open ${dev} (group ${d.group ?? 'unknown'})`, `sudo usermod -aG ${d.group ?? 'video'} ${user} && sudo systemctl restart porchlight-agent@${a.name}`));
      } else {
        out.push(ok(check, `${dev} (${d.name})`));
      }
    } else if (a.source.startsWith('sim:')) {
      out.push(warning(check, `records a simulated scene (${a.source}), not a camera`, `set agent.source in ${configFile} to v4l2:/dev/videoN or an rtsp:// URL`));
    } else if (a.source === 'rpicam:' || a.source === 'rpicam') {
      out.push(
        libcamera?.length
          ? ok(check, `the Pi camera module through rpicam-vid (${libcamera.join(', ')})`)
          : error(check, 'records the Pi camera module, but libcamera finds no camera', 'check the ribbon cable and run: rpicam-hello --list-cameras'),
      );
    } else if (/^rtsps?:\/\//i.test(a.source)) {
      // Told by checkRtspCamera, which asks the camera itself.
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(a.source)) {
      out.push(error(check, `${maskUrlCredentials(a.source)} is not a source Porchlight records from`, `set agent.source in ${configFile} to an rtsp:// URL, v4l2:/dev/videoN, rpicam: or a video file`));
    } else {
      out.push(ok(check, `a video file (${a.source})`));
    }
  }
  if (agents.length === 0) {
    for (const d of captures) out.push(ok('cameras', `found ${d.path} (${d.name}); pair it with "sudo porchlight agent pair --system --source v4l2:${d.path} …"`));
  }
  for (const c of libcamera ?? []) {
    out.push(ok('cameras', `camera module ${c} (libcamera): record it with agent.source "rpicam:" (docs/cameras.md#raspberry-pi-camera-module)`));
  }
  if (agents.length === 0 && captures.length === 0 && !libcamera?.length) {
    out.push(ok('cameras', 'no camera on this machine (cameras on other boards or RTSP cameras need none)'));
  }
  return out;
}

/* RTSP cameras */

/** What asking an RTSP camera for its streams gave, the way capture asks it (probes.ts). */
export type RtspAnswer =
  | { kind: 'answers'; description: string }
  | { kind: 'refused'; reason: 'unreachable' | 'unauthorized' | 'unsupported'; message: string }
  /** A mistake in the configuration: a password in the URL, an unreadable credentials file… */
  | { kind: 'mistake'; message: string };

/**
 * The camera's URL as doctor shows it: `rtsp://***@host/path` when a user name and password
 * go with it (from the credentials file, or wrongly in the URL), the URL itself otherwise.
 */
export function rtspShown(source: string, credentialsFile: string | undefined): string {
  const masked = maskUrlCredentials(source);
  if (masked !== source || !credentialsFile) return masked;
  return source.replace(/^([a-z][a-z0-9+.-]*:\/\/)/i, '$1***@');
}

export function checkRtspCamera(name: string, source: string, credentialsFile: string | undefined, answer: RtspAnswer): Finding {
  const check = `camera ${name}`;
  const configFile = `/etc/porchlight/agents/${name}.yaml`;
  const shown = rtspShown(source, credentialsFile);
  const from = credentialsFile ? `the user name and password in ${credentialsFile}` : 'no user name and password (agent.rtsp.credentialsFile is not set)';
  switch (answer.kind) {
    case 'answers':
      return ok(check, `RTSP camera ${shown} answers: ${answer.description}`);
    case 'mistake':
      return error(check, `RTSP camera ${shown}: ${answer.message}`, `correct agent.source and agent.rtsp in ${configFile} (docs/cameras.md), then: porchlight config validate ${configFile}`);
    case 'refused':
      if (answer.reason === 'unauthorized') {
        return error(
          check,
          `RTSP camera ${shown} refused ${from}`,
          credentialsFile
            ? `put the camera's user name and password in ${credentialsFile} as user:password (mode 0600), then: sudo systemctl restart porchlight-agent@${name}`
            : `write the camera's user:password to a file only root and the service may read (chmod 600) and name it in agent.rtsp.credentialsFile in ${configFile}`,
        );
      }
      if (answer.reason === 'unsupported') return error(check, `RTSP camera ${shown} sends nothing Porchlight can record: ${answer.message}`, "set the camera's video to H.264 in its own settings page, or name a stream that has video in agent.source");
      return error(check, `RTSP camera ${shown} does not answer: ${answer.message}`, `check the camera is powered and on the network, and the address and port in agent.source in ${configFile}`);
  }
}

/* GPIO */

export interface GpioInfo {
  /** /sys/class/gpio/export exists (the kernel's sysfs GPIO, which onoff uses). */
  sysfs: boolean;
  exportGroup: string | null;
  exportGroupWritable: boolean;
  exportWorldWritable: boolean;
}

/** `uses`: what the configs wire to GPIO, e.g. ["sync button on GPIO17", "frontdoor PIR on GPIO4"]. */
export function checkGpio(uses: string[], gpio: GpioInfo, userGroups: string[] | null, user: string): Finding[] {
  if (uses.length === 0) return [ok('gpio', `not used (no sync button, PIR or recording LED configured)${gpio.sysfs ? '; GPIO is available' : ''}`)];
  const what = uses.join(', ');
  if (!gpio.sysfs) {
    return [error('gpio', `${what} configured, but this machine has no sysfs GPIO (/sys/class/gpio)`, 'on a Raspberry Pi use Raspberry Pi OS\'s kernel; elsewhere set gpio.simulate: true')];
  }
  const allowed = gpio.exportWorldWritable || (gpio.exportGroupWritable && gpio.exportGroup !== null && (userGroups ?? []).includes(gpio.exportGroup));
  if (!allowed) {
    const group = gpio.exportGroup ?? 'gpio';
    return [error('gpio', `${what} configured, but the ${user} user may not use GPIO`, `sudo usermod -aG ${group} ${user} && sudo systemctl restart porchlight.target`)];
  }
  return [ok('gpio', `${what}: the ${user} user may use GPIO`)];
}

/* clock */

export interface ClockInfo {
  /** timedatectl's NTPSynchronized; null when it could not be asked. */
  synchronized: boolean | null;
  /** Whether network time is switched on. */
  ntp: boolean | null;
}

export function checkClock(c: ClockInfo): Finding[] {
  const why = 'sign-in codes (TOTP), certificates and clip times depend on it';
  if (c.synchronized === true) return [ok('clock', 'synchronised with network time')];
  if (c.synchronized === null) return [warning('clock', `cannot tell whether the clock is synchronised (timedatectl did not answer); ${why}`, 'check with: timedatectl status')];
  if (c.ntp === false) return [error('clock', `not synchronised and network time is off; ${why}`, 'sudo timedatectl set-ntp true')];
  return [error('clock', `not synchronised yet; ${why}`, 'check the network, then: timedatectl timesync-status (a Pi without a clock battery needs the network after every boot)')];
}

/* disk */

export interface DiskSpace {
  free: number;
  total: number;
}

/**
 * `needs`: the space this part reserves (a camera's spool, the hub's clip quota) and the
 * setting that sets it; `minFree` the space always kept free.
 */
export function checkDisk(check: string, dir: string, space: DiskSpace | null, needs: { bytes: number; setting: string }, minFree: number): Finding[] {
  if (!space) return [warning(check, `cannot read the free space of ${dir}`, `check that ${dir} exists (sudo ./systemd/install.sh makes it)`)];
  const floor = Math.max(minFree, GiB);
  const free = formatBytes(space.free);
  if (space.free < floor) {
    return [error(check, `only ${free} free on ${dir}: recording stops when the disk fills`, `free space, or lower ${needs.setting} and relay.retention.localDays`)];
  }
  if (space.free < needs.bytes) {
    return [warning(check, `${needs.setting} allows ${formatBytes(needs.bytes)} but only ${free} is free on ${dir}`, `lower ${needs.setting}, or use a larger disk (an SSD on USB)`)];
  }
  return [ok(check, `${free} free of ${formatBytes(space.total)} on ${dir}`)];
}

/* certificate */

export interface CertificateInfo {
  source: 'hub-made' | 'your certificate';
  file: string;
  validFrom: number;
  validTo: number;
  subject: string;
}

export function checkCertificates(certs: CertificateInfo[] | null, now: number): Finding[] {
  if (certs === null) return [warning('certificate', 'the hub has not made its certificate yet (it does on its first start)', 'sudo systemctl start porchlight-hub')];
  return certs.map((c) => {
    const check = 'certificate';
    const days = Math.floor((c.validTo - now) / DAY);
    const until = new Date(c.validTo).toISOString().slice(0, 10);
    if (now < c.validFrom) {
      return error(check, `${c.source} (${c.file}) is not valid until ${new Date(c.validFrom).toISOString()}: this machine's clock is probably wrong`, 'sudo timedatectl set-ntp true, then check the clock');
    }
    if (now >= c.validTo) {
      return error(
        check,
        `${c.source} (${c.file}) expired on ${until}`,
        c.source === 'hub-made' ? 'sudo systemctl restart porchlight-hub (it renews its own certificate)' : 'renew it (e.g. sudo certbot renew); the hub picks up the new file without a restart',
      );
    }
    if (c.source === 'your certificate' && days < 14) {
      return warning(check, `${c.source} (${c.file}) expires in ${days} days, on ${until}`, 'renew it (e.g. sudo certbot renew); the hub picks up the new file without a restart');
    }
    return ok(check, `${c.source} for ${c.subject}, valid until ${until}`);
  });
}

/* hub service and ports */

export interface HubState {
  /** The ports the running hub reported (run/hub.json); null when it is not running. */
  running: { httpsPort: number; httpPort: number | null } | null;
  /** It answered /api/health. */
  answers: boolean;
  /** Ports someone already listens on, when the hub does not run. */
  busy: number[];
  configuredHttpsPort: number;
  configuredHttpPort: number;
}

export function checkHubPorts(s: HubState): Finding[] {
  if (!s.running) {
    const out = [error('hub', 'the hub is not running', 'sudo systemctl start porchlight-hub; see why it stopped with: journalctl -u porchlight-hub -e')];
    for (const port of s.busy) {
      out.push(warning('ports', `port ${port} is used by another program: the hub will fall back to ${port === 443 ? 9443 : 8080}`, `find it with: sudo ss -ltnp 'sport = :${port}', and stop it`));
    }
    return out;
  }
  const out: Finding[] = [];
  const { httpsPort, httpPort } = s.running;
  out.push(s.answers ? ok('hub', `running and answering on https port ${httpsPort}`) : error('hub', `running, but not answering on https port ${httpsPort}`, 'sudo systemctl restart porchlight-hub; journalctl -u porchlight-hub -e'));
  if (s.configuredHttpsPort === 443 && httpsPort !== 443) {
    out.push(warning('ports', `port 443 was taken, so the hub serves https on ${httpsPort}`, "find the other program with: sudo ss -ltnp 'sport = :443', stop it, then sudo systemctl restart porchlight-hub"));
  } else {
    out.push(ok('ports', `https on ${httpsPort}${httpPort ? `, http on ${httpPort} redirects to it` : ''}`));
  }
  return out;
}

/* an agent's view of the hub */

export type HubReach =
  | { kind: 'not-paired'; problem: string }
  | { kind: 'reachable'; hubUrl: string }
  | { kind: 'unreachable'; hubUrl: string; problem: string }
  | { kind: 'wrong-ca'; hubUrl: string };

/** True for addresses a camera's IPAddressAllow= lets it reach (loopback, private, link-local, CGNAT). */
export function isHomeNetworkAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  if (h.includes(':')) return h === '::1' || /^f[cd]/.test(h) || /^fe[89ab]/.test(h);
  return true; // a name: where it points is only known when it is resolved
}

export function checkHubReach(agent: string, r: HubReach): Finding[] {
  const check = `camera ${agent}`;
  const pairAgain = `open a pairing window on the hub, then: sudo porchlight agent pair --system --name ${agent} --hub https://HUB --code CODE`;
  switch (r.kind) {
    case 'not-paired':
      return [error(check, `not paired with a hub (${r.problem})`, pairAgain)];
    case 'wrong-ca':
      return [error(check, `${r.hubUrl} answers with a certificate from a CA other than the one this camera pinned`, `if the hub was reinstalled, pair again: ${pairAgain}`)];
    case 'unreachable':
      return [error(check, `cannot reach the hub at ${r.hubUrl}: ${r.problem}`, 'check that the hub runs and that its address resolves from this board; if its address changed, pair again')];
    case 'reachable': {
      const host = new URL(r.hubUrl).hostname;
      if (!isHomeNetworkAddress(host)) {
        return [warning(check, `reaches the hub at ${r.hubUrl}, but the camera service may only talk to the home network`, `add the address with: sudo systemctl edit porchlight-agent@${agent} ([Service] IPAddressAllow=${host})`)];
      }
      return [ok(check, `reaches the hub at ${r.hubUrl} (pinned CA matches)`)];
    }
  }
}

/* relay target and service account */

export function checkRelayTarget(target: { type: string; path?: string } | undefined, dataDir: string): Finding[] {
  if (!target) return [ok('relay', `no cloud target: encrypted copies go to ${dataDir}/cloud`)];
  if (target.type === 'directory' && target.path && !(target.path + '/').startsWith(dataDir.replace(/\/?$/, '/'))) {
    return [warning('relay', `the relay's folder ${target.path} is outside ${dataDir}: the service may write only there`, `sudo systemctl edit porchlight-relay and add: [Service] ReadWritePaths=${target.path}`)];
  }
  return [ok('relay', target.type === 's3' ? 'uploads to S3 (check it with: porchlight cloud test)' : `uploads to ${target.path}`)];
}

export function checkServiceUser(user: string, account: { groups: string[] } | null): Finding[] {
  if (!account) return [error('install', `there is no "${user}" user: the services cannot start`, 'sudo ./systemd/install.sh')];
  return [ok('install', `services run as "${user}" (groups: ${account.groups.join(', ')})`)];
}

/**
 * The relay runs as its own user in the hub's group (systemd/porchlight-relay.service): one
 * that is missing cannot start; one that is the hub's user could read the hub's secret keys;
 * one outside the hub's group cannot read the clips it uploads.
 */
export function checkRelayUser(hubUser: string, hub: { uid: number; gid: number } | null, relayUser: string, relay: { uid: number; gid: number } | null): Finding[] {
  if (!hub) return [];
  const fix = 'sudo ./systemd/install.sh';
  if (!relay) return [error('relay', `there is no "${relayUser}" user: the relay's unit cannot start`, fix)];
  if (relay.uid === hub.uid) return [error('relay', `"${relayUser}" has the uid of "${hubUser}": a relay taken over could read the hub's secret keys`, `give ${relayUser} its own uid (sudo userdel ${relayUser}; ${fix})`)];
  if (relay.gid !== hub.gid) return [error('relay', `"${relayUser}" is not in the "${hubUser}" group: the relay cannot read the clips it uploads`, `sudo usermod -g ${hub.gid} ${relayUser}`)];
  return [ok('relay', `the relay runs as "${relayUser}" in the "${hubUser}" group: it cannot read the hub's secret keys`)];
}

/** 1 when anything is an error, else 0: warnings alone do not fail a check run. */
export function exitCodeOf(findings: Finding[]): number {
  return findings.some((f) => f.level === 'error') ? 1 : 0;
}

export function formatFindings(findings: Finding[]): string {
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${f.level.padEnd(7)} ${f.check}: ${f.message}`);
    if (f.fix) lines.push(`        fix: ${f.fix}`);
  }
  const errors = findings.filter((f) => f.level === 'error').length;
  const warnings = findings.filter((f) => f.level === 'warning').length;
  lines.push('', errors || warnings ? `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}` : 'everything looks right');
  return lines.join('\n') + '\n';
}

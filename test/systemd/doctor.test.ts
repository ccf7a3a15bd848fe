import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../common/config';
import { pairCamera } from '../../camera-agent/pairCamera';
import { openPairingWindow } from '../../hub/pairing';
import { boardOf, checkCameras, checkCertificates, checkClock, checkDisk, checkFfmpeg, checkGpio, checkHubPorts, checkHubReach, checkRelayTarget, checkRtspCamera, exitCodeOf, formatFindings, isHomeNetworkAddress, type Finding, type VideoDevice } from '../../cli/doctor/checks';
import { runDoctor, type DoctorSetup } from '../../cli/doctor/doctor';
import { askRtspCamera, parseEncoders, parseLibcameraList, parseTimedatectl, type DoctorProbes } from '../../cli/doctor/probes';
import { runCli } from '../helpers/cli';
import { startTestHub, type TestHub } from '../helpers/hub';
import { freeTcpPort, startRtspCamera, type RtspCamera } from '../helpers/rtspServer';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

const GiB = 1024 ** 3;
const levels = (fs: Finding[]) => fs.map((f) => f.level);
const only = (fs: Finding[]): Finding => {
  assert.equal(fs.length, 1, JSON.stringify(fs));
  return fs[0]!;
};

const webcam: VideoDevice = { path: '/dev/video0', name: 'HD Pro Webcam C920', group: 'video', groupRw: true, worldRw: false };
const codec: VideoDevice = { path: '/dev/video11', name: 'bcm2835-codec-encode', group: 'video', groupRw: true, worldRw: false };

/** Probes that describe a healthy Pi 4 with one webcam; each test spoils one thing. */
function fakeProbes(over: Partial<DoctorProbes> = {}): DoctorProbes {
  return {
    ffmpeg: async () => ({ version: 'ffmpeg version 5.1.6-0+deb12u1+rpt1 Copyright', encoders: ['libx264', 'h264_v4l2m2m', 'aac'] }),
    boardModel: async () => 'Raspberry Pi 4 Model B Rev 1.5',
    videoDevices: async () => [webcam, codec],
    libcameraCameras: async () => [],
    gpio: async () => ({ sysfs: true, exportGroup: 'gpio', exportGroupWritable: true, exportWorldWritable: false }),
    clock: async () => ({ synchronized: true, ntp: true }),
    diskSpace: async () => ({ free: 50 * GiB, total: 64 * GiB }),
    hubCertificates: async () => [{ source: 'hub-made', file: 'server.crt', validFrom: Date.now() - 1000, validTo: Date.now() + 300 * 86400_000, subject: 'CN=pi' }],
    hubState: async () => ({ running: { httpsPort: 443, httpPort: 80 }, answers: true, busy: [], configuredHttpsPort: 443, configuredHttpPort: 80 }),
    hubReach: async () => ({ kind: 'reachable', hubUrl: 'https://192.168.1.20/' }),
    rtspCamera: async () => ({ kind: 'answers', description: 'H.264, recorded as it comes' }),
    serviceAccount: () => ({ name: 'porchlight', uid: 990, gid: 990, groups: ['porchlight', 'video', 'gpio'] }),
    ...over,
  };
}

function setup(agentOverrides: Record<string, unknown> = {}): DoctorSetup {
  return {
    user: 'porchlight',
    hub: { file: '/etc/porchlight/porchlight.yaml', config: parseConfig({ dataDir: '/var/lib/porchlight/hub', hub: { gpio: { syncButton: { line: 17 } } } }) },
    agents: [{ name: 'frontdoor', file: '/etc/porchlight/agents/frontdoor.yaml', config: parseConfig({ dataDir: '/var/lib/porchlight/agents/frontdoor', agent: { name: 'frontdoor', source: 'v4l2:/dev/video0', ...agentOverrides } }) }],
    problems: [],
  };
}

describe('porchlight doctor', function () {
  this.timeout(120_000);

  describe('checks (fake probes)', () => {
    it('passes a healthy Pi with exit code 0', async () => {
      const findings = await runDoctor(setup(), fakeProbes());
      assert.deepEqual(findings.filter((f) => f.level !== 'ok'), []);
      assert.equal(exitCodeOf(findings), 0);
      assert.match(formatFindings(findings), /everything looks right/);
    });

    it('gives every warning and error a fix, and exit code 1 for any error', async () => {
      const findings = await runDoctor(setup(), fakeProbes({ clock: async () => ({ synchronized: false, ntp: false }), ffmpeg: async () => ({ version: null, encoders: [] }) }));
      const bad = findings.filter((f) => f.level !== 'ok');
      assert.ok(bad.length >= 2);
      for (const f of bad) assert.ok(f.fix && f.fix.length > 5, `${f.check} has a fix`);
      assert.equal(exitCodeOf(findings), 1);
      assert.match(formatFindings(findings), /^error {3}clock: not synchronised and network time is off.*\n {8}fix: sudo timedatectl set-ntp true$/m);
    });

    it('ffmpeg: missing is an error; no hardware encoder on a Pi 4 a warning; a Pi 5 has none to miss', () => {
      assert.equal(only(checkFfmpeg({ version: null, encoders: [] }, 'not-pi')).level, 'error');
      const pi4 = checkFfmpeg({ version: 'ffmpeg version 5.1', encoders: ['libx264'] }, boardOf('Raspberry Pi 4 Model B Rev 1.4'));
      assert.deepEqual(levels(pi4), ['ok', 'warning']);
      assert.match(pi4[1]!.message, /h264_v4l2m2m/);
      assert.deepEqual(levels(checkFfmpeg({ version: 'ffmpeg version 5.1', encoders: ['libx264'] }, boardOf('Raspberry Pi 5 Model B Rev 1.0'))), ['ok', 'ok']);
      assert.equal(checkFfmpeg({ version: 'ffmpeg version 5.1', encoders: ['libopenh264'] }, 'not-pi')[0]!.level, 'error');
      assert.equal(boardOf(null), 'not-pi');
    });

    it('cameras: a missing device, a codec node, or no permission is an error naming the fix', () => {
      const missing = only(checkCameras([{ name: 'porch', source: 'v4l2:/dev/video2' }], [webcam, codec], [], ['video'], 'porchlight'));
      assert.equal(missing.level, 'error');
      assert.match(missing.fix!, /one of \/dev\/video0/);
      const notCamera = only(checkCameras([{ name: 'porch', source: 'v4l2:/dev/video11' }], [webcam, codec], ['imx708'], ['video'], 'porchlight').filter((f) => f.check === 'camera porch'));
      assert.equal(notCamera.level, 'error');
      assert.match(notCamera.fix!, /agent\.source to "rpicam:"/, 'a camera module is recorded through rpicam-vid');
      const pi = checkCameras([{ name: 'porch', source: 'rpicam:' }], [webcam, codec], ['imx708'], ['video'], 'porchlight').filter((f) => f.check === 'camera porch');
      assert.equal(only(pi).level, 'ok');
      const noModule = checkCameras([{ name: 'porch', source: 'rpicam:' }], [webcam, codec], [], ['video'], 'porchlight').filter((f) => f.check === 'camera porch');
      assert.equal(only(noModule).level, 'error');
      const denied = only(checkCameras([{ name: 'porch', source: 'v4l2:/dev/video0' }], [webcam], [], ['porchlight'], 'porchlight'));
      assert.equal(denied.level, 'error');
      assert.equal(denied.fix, 'sudo usermod -aG video porchlight && sudo systemctl restart porchlight-agent@porch');
      assert.equal(only(checkCameras([{ name: 'porch', source: 'sim:person-walks' }], [], null, [], 'porchlight')).level, 'warning');
      assert.deepEqual(checkCameras([{ name: 'gate', source: 'rtsp://10.0.0.9/s' }], [], null, [], 'porchlight'), [], 'an RTSP camera is asked itself (checkRtspCamera)');
      const http = only(checkCameras([{ name: 'gate', source: 'http://admin:Gate-Secret-42@10.0.0.9/s' }], [], null, [], 'porchlight'));
      assert.equal(http.level, 'error');
      assert.equal(http.message, 'http://***@10.0.0.9/s is not a source Porchlight records from');
      assert.match(only(checkCameras([], [webcam, codec], null, [], 'porchlight')).message, /found \/dev\/video0/);
    });

    it('RTSP cameras: the camera is asked as capture asks it; a refused password, no answer or a config mistake is an error naming the fix, the URL shown as rtsp://***@…', () => {
      const file = '/etc/porchlight/secrets/gate.credentials';
      const fine = checkRtspCamera('gate', 'rtsp://10.0.0.9:554/stream1', file, { kind: 'answers', description: 'H.264, recorded as it comes, with sound' });
      assert.deepEqual(fine, { level: 'ok', check: 'camera gate', message: 'RTSP camera rtsp://***@10.0.0.9:554/stream1 answers: H.264, recorded as it comes, with sound' });
      const open = checkRtspCamera('gate', 'rtsp://10.0.0.9/s', undefined, { kind: 'answers', description: 'H.264, recorded as it comes' });
      assert.equal(open.message, 'RTSP camera rtsp://10.0.0.9/s answers: H.264, recorded as it comes', 'no credentials: nothing to hide');
      const refused = checkRtspCamera('gate', 'rtsp://10.0.0.9/s', file, { kind: 'refused', reason: 'unauthorized', message: '401 Unauthorized' });
      assert.equal(refused.level, 'error');
      assert.equal(refused.message, `RTSP camera rtsp://***@10.0.0.9/s refused the user name and password in ${file}`);
      assert.match(refused.fix!, /user:password \(mode 0600\)/);
      const none = checkRtspCamera('gate', 'rtsp://10.0.0.9/s', undefined, { kind: 'refused', reason: 'unauthorized', message: '401 Unauthorized' });
      assert.match(none.fix!, /agent\.rtsp\.credentialsFile/);
      const down = checkRtspCamera('gate', 'rtsp://10.0.0.9/s', file, { kind: 'refused', reason: 'unreachable', message: 'Connection refused' });
      assert.equal(down.message, 'RTSP camera rtsp://***@10.0.0.9/s does not answer: Connection refused');
      const inUrl = checkRtspCamera('gate', 'rtsp://admin:Gate-Secret-42@10.0.0.9/s', undefined, { kind: 'mistake', message: 'the RTSP URL rtsp://10.0.0.9/s holds a user name or password' });
      assert.equal(inUrl.level, 'error');
      assert.ok(!JSON.stringify(inUrl).includes('Gate-Secret-42'));
      assert.match(inUrl.message, /^RTSP camera rtsp:\/\/\*\*\*@10\.0\.0\.9\/s: /);
    });

    it('never prints a camera password, even when a probe repeats it (a URL that holds it, or its words)', async () => {
      const secret = 'Gate-Secret-42';
      const s = setup({ source: `rtsp://admin:${secret}@10.0.0.9/s` });
      const findings = await runDoctor(s, fakeProbes({ rtspCamera: async () => ({ kind: 'refused', reason: 'unauthorized', message: `rtsp://admin:${secret}@10.0.0.9/s: 401; password ${secret}` }) }));
      const out = formatFindings(findings) + JSON.stringify(findings);
      assert.ok(!out.includes(secret), out);
      assert.match(formatFindings(findings), /^error {3}camera frontdoor: RTSP camera rtsp:\/\/\*\*\*@10\.0\.0\.9\/s refused /m);
    });

    it('gpio: configured pins need sysfs GPIO the service user may use', () => {
      const info = { sysfs: true, exportGroup: 'gpio', exportGroupWritable: true, exportWorldWritable: false };
      assert.equal(only(checkGpio([], { ...info, sysfs: false }, [], 'porchlight')).level, 'ok');
      assert.equal(only(checkGpio(['sync button on GPIO17'], { ...info, sysfs: false }, ['gpio'], 'porchlight')).level, 'error');
      const denied = only(checkGpio(['frontdoor PIR on GPIO4'], info, ['video'], 'porchlight'));
      assert.equal(denied.level, 'error');
      assert.match(denied.fix!, /usermod -aG gpio porchlight/);
      assert.equal(only(checkGpio(['frontdoor PIR on GPIO4'], info, ['gpio'], 'porchlight')).level, 'ok');
    });

    it('clock: synchronised is ok, unknown a warning, not synchronised an error', () => {
      assert.deepEqual([checkClock({ synchronized: true, ntp: true }), checkClock({ synchronized: null, ntp: null }), checkClock({ synchronized: false, ntp: true })].map((f) => only(f).level), ['ok', 'warning', 'error']);
      assert.deepEqual(parseTimedatectl('NTPSynchronized=no\nNTP=yes\n'), { synchronized: false, ntp: true });
    });

    it('disk: below the free floor is an error, below the clip quota a warning', () => {
      const need = { bytes: 8 * GiB, setting: 'relay.retention.localQuotaBytes' };
      assert.equal(only(checkDisk('disk', '/d', { free: 0.5 * GiB, total: 16 * GiB }, need, 512 * 1024 ** 2)).level, 'error');
      const low = only(checkDisk('disk', '/d', { free: 5 * GiB, total: 16 * GiB }, need, 0));
      assert.equal(low.level, 'warning');
      assert.match(low.fix!, /relay.retention.localQuotaBytes/);
      assert.equal(only(checkDisk('disk', '/d', { free: 50 * GiB, total: 64 * GiB }, need, 0)).level, 'ok');
      assert.equal(only(checkDisk('disk', '/d', null, need, 0)).level, 'warning');
    });

    it('certificate: expired or not yet valid is an error; your own near expiry a warning', () => {
      const now = Date.parse('2025-06-01T00:00:00Z');
      const cert = (from: string, to: string, source: 'hub-made' | 'your certificate' = 'hub-made') => ({ source, file: 'f', validFrom: Date.parse(from), validTo: Date.parse(to), subject: 'CN=x' });
      assert.equal(only(checkCertificates([cert('2024-01-01', '2025-05-01')], now)).level, 'error');
      assert.match(only(checkCertificates([cert('2025-07-01', '2026-07-01')], now)).message, /clock is probably wrong/);
      assert.equal(only(checkCertificates([cert('2025-03-01', '2025-06-08', 'your certificate')], now)).level, 'warning');
      assert.equal(only(checkCertificates([cert('2025-03-01', '2026-03-01')], now)).level, 'ok');
      assert.equal(only(checkCertificates(null, now)).level, 'warning');
    });

    it('ports: a stopped hub is an error, a taken 443 a warning', () => {
      const stopped = checkHubPorts({ running: null, answers: false, busy: [443], configuredHttpsPort: 443, configuredHttpPort: 80 });
      assert.deepEqual(levels(stopped), ['error', 'warning']);
      assert.match(stopped[1]!.message, /fall back to 9443/);
      assert.deepEqual(levels(checkHubPorts({ running: { httpsPort: 9443, httpPort: 8080 }, answers: true, busy: [], configuredHttpsPort: 443, configuredHttpPort: 80 })), ['ok', 'warning']);
      assert.deepEqual(levels(checkHubPorts({ running: { httpsPort: 443, httpPort: 80 }, answers: false, busy: [], configuredHttpsPort: 443, configuredHttpPort: 80 })), ['error', 'ok']);
    });

    it('hub from a camera: not paired, unreachable or another CA are errors; an address outside the home network a warning', () => {
      assert.equal(only(checkHubReach('porch', { kind: 'not-paired', problem: 'no identity' })).level, 'error');
      assert.equal(only(checkHubReach('porch', { kind: 'unreachable', hubUrl: 'https://10.0.0.2/', problem: 'ECONNREFUSED' })).level, 'error');
      assert.equal(only(checkHubReach('porch', { kind: 'wrong-ca', hubUrl: 'https://10.0.0.2/' })).level, 'error');
      assert.equal(only(checkHubReach('porch', { kind: 'reachable', hubUrl: 'https://203.0.113.7:9443/' })).level, 'warning');
      assert.equal(only(checkHubReach('porch', { kind: 'reachable', hubUrl: 'https://porchlight.local/' })).level, 'ok');
      assert.deepEqual(['192.168.1.2', '10.1.1.1', '172.20.0.1', '100.100.1.1', '127.0.0.1', '[fd00::1]', '8.8.8.8', '172.32.0.1'].map(isHomeNetworkAddress), [true, true, true, true, true, true, false, false]);
    });

    it('relay: a folder target outside the data dir needs a ReadWritePaths drop-in', () => {
      assert.equal(only(checkRelayTarget({ type: 'directory', path: '/mnt/nas/porchlight' }, '/var/lib/porchlight/hub')).level, 'warning');
      assert.equal(only(checkRelayTarget({ type: 'directory', path: '/var/lib/porchlight/hub/cloud' }, '/var/lib/porchlight/hub')).level, 'ok');
    });

    it('reads ffmpeg, libcamera and timedatectl output', () => {
      assert.deepEqual(parseEncoders(' V..... = Video\n ------\n V....D libx264              libx264 H.264\n V..... h264_v4l2m2m         V4L2 mem2mem H.264 encoder wrapper\n A....D aac  AAC\n'), ['libx264', 'h264_v4l2m2m', 'aac']);
      assert.deepEqual(parseLibcameraList('Available cameras\n-----------------\n0 : imx708 [4608x2592 10-bit RGGB] (/base/soc/i2c0mux/i2c@1/imx708@1a)\n'), ['imx708']);
    });
  });

  describe('a real run', () => {
    const tmp = useTempDir('porchlight-doctor-');
    let hub: TestHub | null = null;
    // The stand-in IP camera (GStreamer's RTSP server) asks for a password; it serves the suite.
    const CREDENTIALS = { user: 'admin', password: 'Gate-Secret-42' };
    let camera: RtspCamera;
    let suiteDir: string;
    before(async () => {
      suiteDir = mkdtempSync(path.join(os.tmpdir(), 'porchlight-doctor-suite-'));
      camera = await startRtspCamera({ dir: suiteDir, credentials: CREDENTIALS, mounts: { cam: { width: 640, height: 360 } } });
      // The server is up before its publisher has sent a keyframe: wait until it serves video.
      const file = path.join(suiteDir, 'credentials');
      writeFileSync(file, `${CREDENTIALS.user}:${CREDENTIALS.password}\n`, { mode: 0o600 });
      const agent = parseConfig({ agent: { source: camera.url('cam'), rtsp: { credentialsFile: file } } }).agent;
      await until('the stand-in camera serves video', async () => (await askRtspCamera(agent)).kind === 'answers', 30_000, 500);
    });
    after(async () => {
      await camera?.close();
      rmSync(suiteDir, { recursive: true, force: true });
    });
    afterEach(async () => {
      await hub?.stop();
      hub = null;
    });
    const secretFile = (name: string, text: string, mode = 0o600): string => {
      const file = path.join(tmp.dir, `${name}.credentials`);
      writeFileSync(file, text, { mode });
      return file;
    };

    it('exits 0 for a running hub and a paired camera that reaches it, and 1 once the camera is not paired', async () => {
      const hubDir = path.join(tmp.dir, 'hub');
      hub = await startTestHub(hubDir);
      const agentDir = path.join(tmp.dir, 'agent');
      const { code } = await openPairingWindow(hub.db, 60_000);
      await pairCamera(agentDir, hub.base, code, 'gate');
      const hubConfig = path.join(tmp.dir, 'hub.yaml');
      writeFileSync(hubConfig, `dataDir: ${hubDir}\nhub: {host: 127.0.0.1, httpsPort: ${hub.httpsPort}, httpPort: 0}\nrelay: {retention: {localQuotaBytes: 1048576}}\n`);
      const agents = path.join(tmp.dir, 'agents');
      mkdirSync(agents);
      const gateSecret = secretFile('gate', `${CREDENTIALS.user}:${CREDENTIALS.password}\n`);
      writeFileSync(path.join(agents, 'gate.yaml'), `dataDir: ${agentDir}\nagent: {name: gate, source: "${camera.url('cam')}", rtsp: {credentialsFile: ${gateSecret}}, recording: {maxSpoolBytes: 1048576}}\n`);

      const good = await runCli(['doctor', '--config', hubConfig, '--agents', agents, '--user', 'root']);
      assert.equal(good.code, 0, good.stdout + good.stderr);
      assert.match(good.stdout, /^ok {6}camera gate: reaches the hub at https:\/\/127\.0\.0\.1:\d+\/ \(pinned CA matches\)$/m);
      assert.match(good.stdout, new RegExp(`^ok {6}camera gate: RTSP camera rtsp://\\*\\*\\*@127\\.0\\.0\\.1:${camera.port}/cam answers: H\\.264, recorded as it comes, with sound$`, 'm'));
      assert.match(good.stdout, /^ok {6}hub: running and answering on https port \d+$/m);
      assert.match(good.stdout, /^ok {6}certificate: hub-made for /m);

      writeFileSync(path.join(agents, 'porch.yaml'), `dataDir: ${path.join(tmp.dir, 'porch')}\nagent: {name: porch, source: "rtsp://127.0.0.1:8554/porch"}\n`);
      const bad = await runCli(['doctor', '--config', hubConfig, '--agents', agents, '--user', 'root']);
      assert.equal(bad.code, 1, bad.stdout);
      assert.match(bad.stdout, /^error {3}camera porch: not paired with a hub/m);
      assert.match(bad.stdout, /^ {8}fix: open a pairing window on the hub, then: sudo porchlight agent pair --system --name porch/m);
    });

    it('never prints a camera password: not a wrong one the camera refuses, not one written into the URL, not the right one for a camera that does not answer', async () => {
      const agents = path.join(tmp.dir, 'agents');
      mkdirSync(agents);
      const wrong = 'Wrong-Guess-77';
      const inUrl = 'Pasted-In-Url-5/x';
      const agent = (name: string, yaml: string) => writeFileSync(path.join(agents, `${name}.yaml`), `dataDir: ${path.join(tmp.dir, name)}\nagent: {name: ${name}, ${yaml}}\n`);
      // The camera answers 401, and ffprobe repeats the URL it was given, password and all.
      agent('porch', `source: "${camera.url('cam')}", rtsp: {credentialsFile: ${secretFile('porch', `${CREDENTIALS.user}:${wrong}\n`)}}`);
      // An installer pasted the camera's URL with its password; once more with a "/" in it, unescaped.
      const plainInUrl = 'Plain-In-Url-8';
      agent('drive', `source: "rtsp://admin:${plainInUrl}@127.0.0.1:${camera.port}/cam"`);
      agent('yard', `source: "rtsp://admin:${inUrl}@127.0.0.1:${camera.port}/cam"`);
      // The right password, for a camera that is switched off.
      const off = await freeTcpPort();
      agent('side', `source: "rtsp://127.0.0.1:${off}/cam", rtsp: {credentialsFile: ${secretFile('side', `username: admin\npassword: ${CREDENTIALS.password}\n`)}, timeoutSeconds: 3}`);
      // A file others may read: a mistake named, its contents still never shown.
      agent('shed', `source: "${camera.url('cam')}", rtsp: {credentialsFile: ${secretFile('shed', `${CREDENTIALS.user}:${CREDENTIALS.password}\n`, 0o644)}}`);

      for (const json of [false, true]) {
        const run = await runCli(['doctor', '--agents', agents, '--user', 'root', ...(json ? ['--json'] : [])]);
        const all = run.stdout + run.stderr;
        for (const secret of [wrong, plainInUrl, inUrl, 'Pasted-In-Url-5', CREDENTIALS.password, encodeURIComponent(inUrl)]) {
          assert.ok(!all.includes(secret), `doctor${json ? ' --json' : ''} printed "${secret}":\n${all}`);
        }
        assert.equal(run.code, 1, all);
        const findings = json ? (JSON.parse(run.stdout) as Finding[]) : [];
        const line = (name: string): string => (json ? `${findings.find((f) => f.check === `camera ${name}` && /RTSP/.test(f.message))?.message}` : (new RegExp(`^error {3}camera ${name}: (RTSP.*)$`, 'm').exec(run.stdout)?.[1] ?? `(no line for ${name})`));
        const at = (port: number) => `rtsp://***@127.0.0.1:${port}/cam`;
        assert.equal(line('porch'), `RTSP camera ${at(camera.port)} refused the user name and password in ${path.join(tmp.dir, 'porch.credentials')}`);
        assert.match(line('drive'), new RegExp(`^RTSP camera rtsp://\\*\\*\\*@127\\.0\\.0\\.1:${camera.port}/cam: .*holds a user name or password`));
        assert.match(line('yard'), new RegExp(`^RTSP camera rtsp://\\*\\*\\*@127\\.0\\.0\\.1:${camera.port}/cam: .*not a valid RTSP URL`));
        assert.match(line('side'), new RegExp(`^RTSP camera rtsp://\\*\\*\\*@127\\.0\\.0\\.1:${off}/cam does not answer: `));
        assert.match(line('shed'), /may be read by others \(mode 644\)/);
      }
    });
  });
});

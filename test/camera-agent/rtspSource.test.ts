import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Capture } from '../../camera-agent/capture';
import { analysisArgs, captureArgs, resolveSource, SourceError, SourceUnavailableError } from '../../camera-agent/videoSource';
import { parseConfig, type AgentConfig } from '../../common/config';
import { createLogger } from '../../common/logger';
import { recordOneClip } from '../helpers/cameraRecording';
import { captureLog } from '../helpers/logCapture';
import { startRtspCamera, type RtspCamera } from '../helpers/rtspServer';
import { useTempDir } from '../helpers/tmp';

const log = createLogger('rtsp-source-test', 'silent');
const CREDENTIALS = { user: 'admin', password: 'Porch-Secret-9x7' };

function agentConfig(source: string, extra: Record<string, unknown> = {}): AgentConfig {
  return parseConfig({
    agent: { source, video: { width: 640, height: 360, fps: 15, analysisWidth: 160, analysisHeight: 90 }, ...extra },
  }).agent;
}

describe('RTSP cameras (a real RTSP server on loopback)', function () {
  this.timeout(120_000);
  const tmp = useTempDir();
  let camera: RtspCamera;
  let open: RtspCamera;
  let credentialsFile: string;
  // The cameras and the good credentials serve the whole suite: their folder is the suite's
  // (useTempDir's is made per test, after this hook).
  let suiteDir: string;

  before(async () => {
    suiteDir = await fs.mkdtemp(path.join(os.tmpdir(), 'porchlight-rtsp-suite-'));
    camera = await startRtspCamera({ dir: suiteDir, credentials: CREDENTIALS, mounts: { cam: { width: 640, height: 360 } } });
    open = await startRtspCamera({
      dir: suiteDir,
      mounts: { main: { width: 1280, height: 720 }, sub: { width: 320, height: 180 } },
    });
    credentialsFile = path.join(suiteDir, 'camera-credentials');
    await fs.writeFile(credentialsFile, `${CREDENTIALS.user}:${CREDENTIALS.password}\n`, { mode: 0o600 });
  });
  after(async () => {
    await camera?.close();
    await open?.close();
    await fs.rm(suiteDir, { recursive: true, force: true });
  });

  it('over TCP with a password: copies the camera\'s H.264 and AAC into a clip that decrypts with sound as long as its picture', async () => {
    const config = agentConfig(camera.url('cam'), { rtsp: { credentialsFile } });
    const source = await resolveSource(config);
    assert.equal(source.copyH264, true);
    assert.equal(source.audio, 'copy');
    assert.doesNotMatch(source.description, new RegExp(CREDENTIALS.password));
    const args = captureArgs(source, config).join(' ');
    assert.match(args, /-rtsp_transport tcp -timeout 10000000 -i rtsp:\/\/admin:Porch-Secret-9x7@127\.0\.0\.1/);
    assert.match(args, /-map 0:v:0 -map 0:a:0 -c:a copy -c:v copy/);

    const { streams, clip } = await recordOneClip(source, config, tmp.dir, log);
    const v = streams.find((s) => s.codec_type === 'video')!;
    const a = streams.find((s) => s.codec_type === 'audio');
    assert.equal(v.codec_name, 'h264');
    assert.equal(v.profile, 'Main', "the camera's own profile: copied, not re-encoded");
    assert.equal(v.width, 640);
    assert.ok(a, 'the clip has the camera\'s sound');
    assert.equal(a.codec_name, 'aac');
    const length = clip.mediaEnd - clip.mediaStart;
    assert.ok(Math.abs(Number(v.duration) - length) < 0.2, `video ${v.duration} s for a ${length} s clip`);
    assert.ok(Math.abs(Number(a.duration) - Number(v.duration)) < 0.2, `audio ${a.duration} s, video ${v.duration} s`);
  });

  it('over UDP when chosen; audio: off records silent clips', async () => {
    const config = agentConfig(camera.url('cam'), { rtsp: { credentialsFile, transport: 'udp' }, audio: false });
    const source = await resolveSource(config);
    const args = captureArgs(source, config).join(' ');
    assert.match(args, /-rtsp_transport udp/);
    assert.match(args, /-an -c:v copy/);
    const { streams } = await recordOneClip(source, config, tmp.dir, log, 4);
    assert.deepEqual(streams.map((s) => s.codec_type), ['video']);
    assert.equal(streams[0]!.profile, 'Main');
  });

  it('a camera without a microphone records picture-only clips with audio left on', async () => {
    const mute = await startRtspCamera({ dir: tmp.dir, mounts: { cam: { width: 320, height: 180, audio: false } } });
    try {
      const config = agentConfig(mute.url('cam'));
      assert.equal(config.audio, true);
      const source = await resolveSource(config);
      assert.equal(source.audio, null);
      assert.match(captureArgs(source, config).join(' '), /-an -c:v copy/);
      const { streams } = await recordOneClip(source, config, tmp.dir, log, 4);
      assert.deepEqual(streams.map((s) => s.codec_type), ['video']);
    } finally {
      await mute.close();
    }
  });

  it('a wrong password is "unauthorized", a camera that is off "unreachable", and neither error shows a password', async () => {
    const wrong = path.join(tmp.dir, 'wrong-credentials');
    await fs.writeFile(wrong, 'username: admin\npassword: Wrong-Guess-42\n', { mode: 0o600 });
    const err = await resolveSource(agentConfig(camera.url('cam'), { rtsp: { credentialsFile: wrong } })).then(
      () => assert.fail('a wrong password was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SourceUnavailableError, String(err));
    assert.equal(err.reason, 'unauthorized');
    assert.doesNotMatch(err.message, /Wrong-Guess-42/);

    const nobody = await resolveSource(agentConfig(camera.url('cam'))).catch((e: unknown) => e);
    assert.ok(nobody instanceof SourceUnavailableError && nobody.reason === 'unauthorized', 'no password at all: unauthorized');

    const off = await startRtspCamera({ dir: tmp.dir, startServer: false });
    try {
      const down = await resolveSource(agentConfig(off.url('cam'), { rtsp: { timeoutSeconds: 2 } })).catch((e: unknown) => e);
      assert.ok(down instanceof SourceUnavailableError, String(down));
      assert.equal(down.reason, 'unreachable');
    } finally {
      await off.close();
    }
  });

  it('refuses credentials in the URL and a credentials file others may read, as configuration mistakes', async () => {
    await assert.rejects(resolveSource(agentConfig(camera.url('cam', CREDENTIALS))), (e: unknown) => {
      assert.ok(e instanceof SourceError);
      assert.doesNotMatch(e.message, /Porch-Secret/);
      return true;
    });
    const loose = path.join(tmp.dir, 'loose-credentials');
    await fs.writeFile(loose, 'admin:x\n', { mode: 0o644 });
    await fs.chmod(loose, 0o644);
    await assert.rejects(resolveSource(agentConfig(camera.url('cam'), { rtsp: { credentialsFile: loose } })), /chmod 600/);
  });

  it('records the main stream and analyses the sub-stream', async () => {
    const config = agentConfig(open.url('main'), { rtsp: { subStream: '/sub' }, video: { width: 1280, height: 720, fps: 15, analysisWidth: 160, analysisHeight: 90 } });
    const source = await resolveSource(config);
    assert.match(source.description, /motion from rtsp:\/\/127\.0\.0\.1:\d+\/sub/);
    const analysis = analysisArgs(source, config)!;
    assert.match(captureArgs(source, config).join(' '), /-i rtsp:\/\/127\.0\.0\.1:\d+\/main -map 0:v:0/, 'the main stream is recorded by one ffmpeg');
    assert.match(analysis.join(' '), /-i rtsp:\/\/127\.0\.0\.1:\d+\/sub -filter_complex \[0:v:0\]split=2\[a\]\[d\];/, 'the analysis and the detection pictures read the sub-stream in another, decoded once');
    assert.deepEqual(source.analysedSize, { width: 320, height: 180 }, "the sub-stream's probed size");
    const { streams, frames } = await recordOneClip(source, config, tmp.dir, log, 4);
    const v = streams.find((s) => s.codec_type === 'video')!;
    assert.equal(v.width, 1280, 'the main stream is recorded');
    assert.equal(v.profile, 'Main');
    assert.ok(frames.length >= 10, `${frames.length} analysis frames from the sub-stream`);
    assert.equal(frames[0]!.data.length, 160 * 90);
  });

  it('with a sub-stream, keeps recording the main stream while nothing moves (detection gate shut), and makes sub-stream pictures only while motion lasts', async () => {
    const config = agentConfig(open.url('main'), { rtsp: { subStream: '/sub' }, detection: { fps: 2 } });
    const capture = new Capture(() => resolveSource(config), config, log);
    const detection = capture.detection!;
    let fragments = 0;
    let pictures = 0;
    const sizes = new Set<string>();
    capture.on('fragment', () => (fragments += 1));
    const collect = (p: { width: number; height: number }) => {
      pictures += 1;
      sizes.add(`${p.width}x${p.height}`);
      detection.whenNext(collect);
    };
    detection.whenNext(collect);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    capture.start();
    try {
      const started = Date.now();
      while (fragments === 0 && Date.now() - started < 30_000) await sleep(100);
      const before = fragments;
      await sleep(6000);
      // The camera sends a keyframe every second or so: several fragments in 6 s. One ffmpeg
      // with both inputs recorded none once its gated output had nothing to say.
      assert.ok(fragments - before >= 3, `${fragments - before} fragments of the main stream in 6 s with the gate shut`);
      assert.equal(pictures, 0, 'no detection picture while nothing moves');
      detection.setWanted(true);
      await sleep(3000);
      assert.ok(pictures >= 3, `${pictures} pictures in 3 s of motion at 2 a second`);
      assert.deepEqual([...sizes], ['320x180'], "the pictures are the sub-stream's");
      detection.setWanted(false);
      await sleep(1000);
      const after = pictures;
      const fragmentsThen = fragments;
      await sleep(3000);
      assert.ok(pictures - after <= 1, `${pictures - after} pictures after motion ended`);
      assert.ok(fragments - fragmentsThen >= 1, 'the main stream is still recorded');
    } finally {
      await capture.stop();
    }
  });

  it('never writes the password in the log, even when ffmpeg fails on the camera', async () => {
    const config = agentConfig(camera.url('cam'), { rtsp: { credentialsFile, timeoutSeconds: 2 } });
    const source = await resolveSource(config);
    const { log: captured, lines } = captureLog();
    const capture = new Capture(source, config, captured);
    let fragments = 0;
    capture.on('fragment', () => (fragments += 1));
    capture.start();
    while (fragments < 2) await new Promise((r) => setTimeout(r, 100));
    // The camera goes away: the restarted ffmpeg names the URL in its error, which the agent logs.
    await camera.stopServer();
    const named = () => lines.find((l) => l.msg.includes('ffmpeg exited') && String(l.detail).includes('127.0.0.1'));
    const deadline = Date.now() + 30_000;
    while (!named() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await capture.stop();
    await camera.startServer();
    const text = JSON.stringify(lines);
    const exited = named();
    assert.ok(exited, `ffmpeg's error naming the camera was logged: ${text}`);
    assert.match(String(exited.detail), /rtsp:\/\/\*\*\*@127\.0\.0\.1/, 'the URL is logged without its credentials');
    assert.doesNotMatch(text, /Porch-Secret-9x7/);
    assert.doesNotMatch(text, new RegExp(encodeURIComponent(CREDENTIALS.password)));
  });
});

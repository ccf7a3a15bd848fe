import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { parseConfig } from '../../common/config';
import { createLogger } from '../../common/logger';
import { yuv420pBytes } from '../../common/detection';
import { sourceFrameIndex } from '../../camera-agent/analysisClock';
import { Capture } from '../../camera-agent/capture';
import { DetectionFrames, type DetectionPicture } from '../../camera-agent/detectionFrames';
import { captureArgs, resolveSource, type VideoSource } from '../../camera-agent/videoSource';

/*
 * The detection pictures out of the capture's real ffmpeg: at the configured size and rate,
 * and each dated by the camera frame it actually shows.
 */

describe('detection pictures from the capture ffmpeg', function () {
  this.timeout(90_000);

  it('each picture is dated by the camera frame it shows (a source that writes its frame number into its picture)', async () => {
    const cameraFps = 15;
    // Luma 20 + 12 × (frame number mod 16), limited-range yuv420p as a camera sends it.
    const graph = `color=c=black:s=160x128:r=${cameraFps},format=yuv420p,geq=lum='20+12*mod(N\\,16)':cb=128:cr=128`;
    const source: VideoSource = { kind: 'sim', description: 'numbered frames', inputArgs: ['-f', 'lavfi', '-t', '8', '-i', graph], copyH264: false, encoder: 'libx264', audio: null, analysedSize: { width: 160, height: 128 } };
    const config = parseConfig({ agent: { video: { width: 160, height: 128, fps: cameraFps, analysisWidth: 160, analysisHeight: 128 }, detection: { fps: 2 } } }).agent;
    const frames = new DetectionFrames(config.detection.fps, cameraFps);
    frames.restart({ width: 160, height: 128 }, (t) => Math.round(t * 1000));
    const pictures: DetectionPicture[] = [];
    const child = spawn('ffmpeg', captureArgs(source, config, { skipNonReference: true, detectionOpen: true }), { stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'] });
    child.stdout.resume();
    (child.stdio[3] as Readable).resume();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const keep = (p: DetectionPicture) => {
      pictures.push(p);
      frames.whenNext(keep);
    };
    frames.whenNext(keep);
    (child.stdio[4] as Readable).on('data', (d: Buffer) => assert.ok(frames.push(d)));
    (child.stdio as unknown as Readable[])[5]!.on('data', (d: Buffer) => assert.ok(frames.pushTicks(d)));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.ok(pictures.length >= 15, `${pictures.length} pictures from 8 s at 2 fps`);
    // The last picture depends on where -t cuts the source.
    for (const [n, p] of pictures.slice(0, -1).entries()) {
      const shown = Math.round((p.data[0]! - 20) / 12);
      const dated = Math.round((p.frameAt / 1000) * cameraFps);
      assert.equal(dated, sourceFrameIndex(n, 2, cameraFps), `picture ${n} dated by the rule`);
      assert.equal(shown, dated % 16, `picture ${n}, dated camera frame ${dated}, shows camera frame ${shown} (mod 16)`);
    }
  });

  it('a Capture on a simulator scene keeps the newest picture, at detection size and rate, on the analysis frames\' clock', async () => {
    const config = parseConfig({ agent: { source: 'sim:person-walks', video: { width: 960, height: 540, fps: 15 }, detection: { fps: 2, width: 640 } } }).agent;
    const capture = new Capture(() => resolveSource(config), config, createLogger('detection-test', 'silent'));
    assert.ok(capture.detection, 'detection is on by default');
    let wallStart = 0;
    capture.on('stream', (s) => (wallStart = s.wallStart));
    // Motion lasts from the start: the gate opens with ffmpeg.
    capture.detection.setWanted(true);
    const pictures: DetectionPicture[] = [];
    const collect = (p: DetectionPicture) => {
      pictures.push(p);
      if (pictures.length < 12) capture.detection!.whenNext(collect);
    };
    capture.detection.whenNext(collect);
    capture.start();
    const started = Date.now();
    try {
      while (pictures.length < 12) {
        assert.ok(Date.now() - started < 60_000, `only ${pictures.length} pictures in a minute`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await capture.stop();
    }
    assert.ok(wallStart > 0);
    for (const p of pictures) {
      assert.deepEqual([p.width, p.height, p.data.length], [640, 360, yuv420pBytes(640, 360)], '960×540 fits 640×360');
    }
    const span = (pictures[pictures.length - 1]!.frameAt - pictures[0]!.frameAt) / 1000;
    const rate = (pictures.length - 1) / span;
    assert.ok(Math.abs(rate - 2) < 0.1, `${rate.toFixed(2)} pictures per second of video`);
    for (const [n, p] of pictures.entries()) {
      const t = sourceFrameIndex(n, 2, 15) / 15;
      assert.equal(p.frameAt, Math.round(wallStart + t * 1000), `picture ${n} on the stream's clock`);
    }
    // A picture of the scene, not a blank: luma varies across it.
    const y = pictures[pictures.length - 1]!.data.subarray(0, 640 * 360);
    let low = 255;
    let high = 0;
    for (const v of y) {
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
    assert.ok(high - low > 40, `the scene is in the picture (luma ${low}..${high})`);
  });

  it('makes no picture while none is wanted (nothing moves), and dated pictures as soon as one is (motion starts), again and again', async () => {
    const cameraFps = 15;
    // Paced like a camera (-re); luma 20 + 12 × (frame number mod 16) says which frame a picture shows.
    const graph = `color=c=black:s=160x128:r=${cameraFps},format=yuv420p,geq=lum='20+12*mod(N\\,16)':cb=128:cr=128`;
    const source: VideoSource = { kind: 'sim', description: 'numbered frames', inputArgs: ['-re', '-f', 'lavfi', '-i', graph], copyH264: false, encoder: 'libx264', audio: null, analysedSize: { width: 160, height: 128 } };
    const config = parseConfig({ agent: { video: { width: 160, height: 128, fps: cameraFps, analysisWidth: 160, analysisHeight: 128 }, detection: { fps: 2 } } }).agent;
    const capture = new Capture(source, config, createLogger('detection-test', 'silent'));
    const detection = capture.detection!;
    let wallStart = 0;
    let analysisFrames = 0;
    capture.on('stream', (s) => (wallStart = s.wallStart));
    capture.on('frame', () => (analysisFrames += 1));
    const pictures: Array<DetectionPicture & { arrived: number }> = [];
    const collect = (p: DetectionPicture) => {
      pictures.push({ ...p, arrived: Date.now() });
      detection.whenNext(collect);
    };
    detection.whenNext(collect);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const shows = (p: DetectionPicture) => Math.round((p.data[0]! - 20) / 12);
    const dated = (p: DetectionPicture) => Math.round(((p.frameAt - wallStart) / 1000) * cameraFps);
    capture.start();
    try {
      await sleep(4000);
      assert.ok(analysisFrames >= 10, `motion analysis runs meanwhile (${analysisFrames} frames)`);
      assert.equal(pictures.length, 0, 'no detection picture made while nothing moves');
      for (let round = 0; round < 2; round++) {
        const wantedAt = Date.now();
        detection.setWanted(true);
        // The one picture that passed the gate as it closed comes out as it opens again, dated
        // by its own (old) tick; it is not of this motion.
        const current = () => pictures.filter((p) => p.frameAt >= wantedAt - 1000);
        while (current().length === 0 && Date.now() - wantedAt < 5000) await sleep(20);
        assert.ok(current().length > 0, `round ${round}: no picture within 5 s of motion start`);
        assert.ok(current()[0]!.arrived - wantedAt < 1500, `round ${round}: first picture ${current()[0]!.arrived - wantedAt} ms after motion start`);
        await sleep(2600);
        detection.setWanted(false);
        const made = current().length;
        assert.ok(made >= 5 && made <= 8, `round ${round}: ${made} pictures in about 3 s at 2 a second`);
        assert.ok(pictures.length - made <= 1, `round ${round}: at most one picture from before`);
        for (const p of pictures) assert.equal(shows(p), dated(p) % 16, `round ${round}: a picture dated camera frame ${dated(p)} shows frame ${shows(p)} (mod 16)`);
        const ticks = current().map((p) => (p.frameAt - wallStart) / 1000);
        for (let i = 1; i < ticks.length; i++) assert.ok(Math.abs(ticks[i]! - ticks[i - 1]! - 0.5) < 0.05, `one picture every half second of video: ${ticks.join(', ')}`);
        await sleep(1000);
        pictures.length = 0;
        await sleep(2500);
        assert.equal(pictures.length, 0, `round ${round}: none once motion ended`);
      }
    } finally {
      await capture.stop();
    }
  });
});

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
    frames.restart({ width: 160, height: 128 });
    const pictures: DetectionPicture[] = [];
    const child = spawn('ffmpeg', captureArgs(source, config), { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
    child.stdout!.resume();
    (child.stdio[3] as Readable).resume();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    (child.stdio[4] as Readable).on('data', (d: Buffer) => {
      frames.push(d, (t) => Math.round(t * 1000));
      const newest = frames.newest();
      if (newest && newest !== pictures[pictures.length - 1]) pictures.push(newest);
    });
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
});

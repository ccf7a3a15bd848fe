import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { captureArgs, resolveSource } from '../../camera-agent/videoSource';
import { parseConfig } from '../../common/config';
import { createLogger } from '../../common/logger';
import { recordOneClip } from '../helpers/cameraRecording';
import { REPO_DIR } from '../helpers/repo';
import { useTempDir } from '../helpers/tmp';

// Not a Pi camera: a stand-in program that writes real H.264 to stdout as rpicam-vid does.
const STANDIN = path.join(REPO_DIR, 'test', 'helpers', 'rpicam-vid-standin');

describe('Pi camera module through rpicam-vid (a stand-in program)', function () {
  this.timeout(90_000);
  const tmp = useTempDir();

  it('runs the camera program with the configured size and rate, and copies its H.264 into clips', async () => {
    const argsLog = path.join(tmp.dir, 'standin-args');
    process.env.RPICAM_STANDIN_ARGS = argsLog;
    try {
      const config = parseConfig({
        agent: {
          source: 'rpicam:',
          rpicam: { command: STANDIN },
          video: { width: 640, height: 480, fps: 15, keyframeSeconds: 1, analysisWidth: 160, analysisHeight: 120 },
        },
      }).agent;
      const source = await resolveSource(config);
      assert.equal(source.copyH264, true);
      assert.deepEqual(source.feeder?.args.slice(0, 5), ['-t', '0', '--nopreview', '--inline', '--codec']);
      assert.match(captureArgs(source, config).join(' '), /-f h264 -framerate 15 -i porchlight-feeder: -map 0:v:0 -an -c:v copy/);
      const { streams, frames, fragments } = await recordOneClip(source, config, tmp.dir, createLogger('rpicam-test', 'silent'), 5);
      assert.equal(streams.length, 1);
      assert.equal(streams[0]!.codec_name, 'h264');
      assert.equal(streams[0]!.profile, 'Main', "the camera's own H.264, copied");
      assert.equal(streams[0]!.width, 640);
      assert.ok(frames.length >= 10, `${frames.length} analysis frames`);
      // The fragments before the stop (the last one is cut short when capture stops).
      fragments.slice(0, 5).forEach((f) => assert.ok(Math.abs(f.duration - 1) < 0.1, `fragments follow the 1 s keyframe interval (${f.duration})`));
      assert.match(await fs.readFile(argsLog, 'utf8'), /width=640 height=480 fps=15 intra=15 out=-/);
    } finally {
      delete process.env.RPICAM_STANDIN_ARGS;
    }
  });
});

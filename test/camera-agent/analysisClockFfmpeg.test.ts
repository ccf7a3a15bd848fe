import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sourceFrameIndex } from '../../camera-agent/analysisClock';

const run = promisify(execFile);

/**
 * The camera frame each output frame of ffmpeg's fps filter (as the agent's analysis filter
 * uses it) came from: the source writes its frame number into every pixel.
 */
async function pickedFrames(camera: string, analysis: number, seconds: number): Promise<number[]> {
  const graph = `color=c=black:s=16x16:r=${camera},format=gray,geq=lum='mod(N,256)'`;
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', graph, '-t', String(seconds), '-vf', `fps=${analysis},format=gray`, '-f', 'rawvideo', 'pipe:1'], {
    encoding: 'buffer',
    maxBuffer: 1 << 22,
  });
  const frames: number[] = [];
  for (let i = 0; i + 256 <= stdout.length; i += 256) frames.push(stdout[i]!);
  return frames;
}

describe('analysis clock against real ffmpeg (fps filter)', function () {
  this.timeout(60_000);
  for (const [camera, analysis] of [['15', 5], ['10', 5], ['15', 4], ['12', 5], ['25', 5], ['30000/1001', 5], ['3', 5], ['7', 5], ['20', 3]] as const) {
    it(`picks the camera frames the rule says at ${camera} → ${analysis} fps`, async () => {
      const [num, den = '1'] = camera.split('/');
      const rate = Number(num) / Number(den);
      const got = await pickedFrames(camera, analysis, 8);
      assert.ok(got.length >= 8 * analysis - 1, `only ${got.length} frames`);
      // The last frame or two depend on where -t cuts the source; compare the ones before.
      const checked = got.slice(0, -2);
      assert.deepEqual(checked, checked.map((_, n) => sourceFrameIndex(n, analysis, rate) % 256));
    });
  }
});

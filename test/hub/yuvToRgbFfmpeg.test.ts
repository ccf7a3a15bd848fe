import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { OPENCV_SAMPLES_DIR } from '../../bench/labelledFootage';
import { yuv420pToRgb } from '../../hub/objectDetection/yuvToRgb';
import { skipBecause } from '../helpers/skip';

const run = promisify(execFile);
const VTEST = path.join(OPENCV_SAMPLES_DIR, 'vtest.avi');

async function decode(pixFmt: string, extra: string[] = []): Promise<Uint8Array> {
  const args = ['-v', 'error', '-nostdin', '-i', VTEST, '-vf', 'select=eq(n\\,200)', '-fps_mode', 'passthrough', '-frames:v', '1', ...extra, '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1'];
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: 1 << 22 });
  return new Uint8Array(stdout);
}

describe('yuv420pToRgb against ffmpeg\'s own conversion of the same frame', function () {
  this.timeout(30_000);

  it('matches ffmpeg\'s yuv420p → rgb24 within 3 grey levels, and its accurately rounded conversion with no bias', async function () {
    if (!existsSync(VTEST)) skipBecause(this, 'opencv-doc is not installed (scripts/test-setup.sh installs it)');
    // vtest.avi is MPEG-4 part 2 in yuv420p: its decoded picture is what a camera's H.264 would give.
    const yuv = await decode('yuv420p');
    const ours = yuv420pToRgb({ width: 768, height: 576, data: yuv });
    // ffmpeg's default (fast) path truncates where ours rounds: up to a grey level or so lower.
    const fast = await decode('rgb24');
    assert.equal(ours.length, fast.length);
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - fast[i]!));
    assert.ok(worst <= 3, `largest difference from ffmpeg's default conversion: ${worst} grey levels`);
    // Rounded accurately, ffmpeg agrees on average per channel; what differs is its interpolated
    // chroma at colour edges, which averages out.
    const accurate = await decode('rgb24', ['-sws_flags', 'accurate_rnd+full_chroma_int']);
    const bias = [0, 0, 0];
    for (let i = 0; i < ours.length; i++) bias[i % 3]! += ours[i]! - accurate[i]!;
    for (const b of bias) assert.ok(Math.abs(b / (ours.length / 3)) < 0.1, `mean signed difference ${bias.map((v) => (v / (ours.length / 3)).toFixed(3)).join(', ')}`);
  });
});

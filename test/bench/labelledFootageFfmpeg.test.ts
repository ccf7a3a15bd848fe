import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { extractPicture, loadLabelledFootage, OPENCV_SAMPLES_DIR, type Labels } from '../../bench/labelledFootage';
import { skipBecause } from '../helpers/skip';

const VTEST = path.join(OPENCV_SAMPLES_DIR, 'vtest.avi');
const FRAME_BYTES = 768 * 576 * 3;

/**
 * Frame `n` of vtest.avi the plain way: every decoded frame streamed out in order, passed
 * through unchanged (no frame-rate conversion), and the n-th kept — a definition of "frame n"
 * that shares no filter with the select filter the loader uses.
 */
function streamedFrame(n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const ff = spawn('ffmpeg', ['-v', 'error', '-nostdin', '-i', VTEST, '-frames:v', String(n + 1), '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
    // Only the bytes from frame n on are kept: the frames before it are 1.3 MB each.
    const start = n * FRAME_BYTES;
    const kept: Buffer[] = [];
    let received = 0;
    ff.stdout.on('data', (chunk: Buffer) => {
      const chunkStart = received;
      received += chunk.length;
      if (received > start) kept.push(chunk.subarray(Math.max(0, start - chunkStart)));
    });
    ff.on('error', reject);
    ff.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg exited ${code}`));
      const frame = Buffer.concat(kept);
      if (frame.length !== FRAME_BYTES) return reject(new Error(`streamed ${received} bytes, not ${n + 1} frames`));
      resolve(frame);
    });
  });
}

describe('labelled footage, decoded with ffmpeg (bench/labelledFootage.ts)', function () {
  this.timeout(60_000);
  let labels: Labels;

  before(async function () {
    if (!existsSync(VTEST)) skipBecause(this, 'opencv-doc is not installed (scripts/test-setup.sh installs it)');
    labels = await loadLabelledFootage();
  });

  it('checks every labelled picture against the footage (sizes, frames within vtest.avi)', () => {
    assert.ok(labels.items.length >= 25);
  });

  it('decodes a labelled vtest.avi frame at its size, byte for byte the n-th decoded frame', async () => {
    const item = labels.items.find((i) => i.source === 'vtest.avi' && i.frame === 40);
    assert.ok(item, 'frame 40 is labelled');
    const picture = await extractPicture(item);
    assert.equal(picture.width, 768);
    assert.equal(picture.height, 576);
    assert.equal(picture.rgb.length, FRAME_BYTES);
    const streamed = await streamedFrame(40);
    assert.ok(Buffer.from(picture.rgb).equals(streamed), 'frame 40 differs from the 41st decoded frame');
    // The neighbours differ (people walk), so an off-by-one cannot pass unnoticed.
    for (const n of [39, 41]) {
      const neighbour = await extractPicture({ ...item, frame: n });
      assert.ok(!Buffer.from(neighbour.rgb).equals(streamed), `frame ${n} equals frame 40`);
    }
  });

  it('decodes a still at its size', async () => {
    const item = labels.items.find((i) => i.source === 'messi5.jpg');
    assert.ok(item);
    const picture = await extractPicture(item);
    assert.equal(picture.rgb.length, 548 * 342 * 3);
    assert.ok(picture.rgb.some((v) => v > 0));
  });

  it('refuses a frame past the end of the video and footage that does not exist', async () => {
    await assert.rejects(extractPicture({ source: 'vtest.avi', frame: 795, width: 768, height: 576 }), /vtest\.avi frame 795: ffmpeg decoded no picture \(is the frame past the end\?\)/);
    await assert.rejects(extractPicture({ source: 'nothing-here.avi', frame: 0, width: 768, height: 576 }), /footage .*nothing-here\.avi does not exist/);
  });
});

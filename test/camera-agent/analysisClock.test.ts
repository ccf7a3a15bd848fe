import { strict as assert } from 'node:assert';
import { analysisFrameTime, sourceFrameIndex } from '../../camera-agent/analysisClock';

/*
 * The camera frames ffmpeg 5.1's fps filter picked for the first analysis frames, read off a
 * frame-numbered lavfi source (analysisClockFfmpeg.test.ts checks the rule against ffmpeg
 * itself on every run of the full suite).
 */
const MEASURED: Array<{ camera: number; analysis: number; frames: number[] }> = [
  { camera: 15, analysis: 5, frames: [1, 4, 7, 10, 13, 16] },
  { camera: 10, analysis: 5, frames: [0, 2, 4, 6, 8, 10] },
  { camera: 15, analysis: 4, frames: [1, 5, 9, 13, 16, 20] },
  { camera: 12, analysis: 5, frames: [1, 3, 5, 8, 10, 13] },
  { camera: 25, analysis: 5, frames: [2, 7, 12, 17, 22, 27] },
  { camera: 30000 / 1001, analysis: 5, frames: [2, 8, 14, 20, 26, 32] },
  { camera: 3, analysis: 5, frames: [0, 0, 1, 2, 2, 3] },
  { camera: 7, analysis: 5, frames: [0, 2, 3, 4, 6, 7] },
];

describe('analysis clock: which camera frame an analysis frame shows', () => {
  for (const m of MEASURED) {
    it(`${m.camera.toFixed(2)} fps camera, ${m.analysis} fps analysis: camera frames ${m.frames.join(', ')}`, () => {
      assert.deepEqual(m.frames.map((_, n) => sourceFrameIndex(n, m.analysis, m.camera)), m.frames);
    });
  }

  it('dates analysis frame n at 15 → 5 fps one camera frame after n / 5 s (the old stamp was early)', () => {
    for (let n = 0; n < 50; n++) assert.ok(Math.abs(analysisFrameTime(n, 5, 15) - (n / 5 + 1 / 15)) < 1e-9, `frame ${n}`);
  });

  it('leaves n / 5 s where the rates divide so that the tick falls on a camera frame (10 → 5 fps)', () => {
    for (let n = 0; n < 50; n++) assert.ok(Math.abs(analysisFrameTime(n, 5, 10) - n / 5) < 1e-9, `frame ${n}`);
  });

  it('never dates a frame after the half tick it was rounded to, nor leaves a newer camera frame before it', () => {
    for (const camera of [5, 7.5, 12, 15, 24, 25, 29.97, 30, 60]) {
      for (const analysis of [2, 4, 5, 10]) {
        for (let n = 0; n < 200; n++) {
          const t = analysisFrameTime(n, analysis, camera);
          assert.ok(t < (n + 0.5) / analysis + 1e-9, `${camera}→${analysis} frame ${n} at ${t}`);
          assert.ok(t + 1 / camera >= (n + 0.5) / analysis - 1e-9, `${camera}→${analysis} frame ${n} at ${t}`);
        }
      }
    }
  });

  it('refuses impossible indices and rates, naming the problem', () => {
    assert.throws(() => sourceFrameIndex(-1, 5, 15), /analysis frame index must be a whole number/);
    assert.throws(() => sourceFrameIndex(1.5, 5, 15), /analysis frame index must be a whole number/);
    assert.throws(() => sourceFrameIndex(0, 0, 15), /analysis frame rate must be a positive number/);
    assert.throws(() => sourceFrameIndex(0, 5, Number.NaN), /camera frame rate must be a positive number/);
  });
});

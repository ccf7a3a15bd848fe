import { strict as assert } from 'node:assert';
import { MotionDetector } from '../../camera-agent/motionDetector';
import { loadTf } from '../../camera-agent/tfBackend';

const W = 320;
const H = 180;
const settings = { pixelThreshold: 25, minChangedRatio: 0.003, maxChangedRatio: 0.6, backgroundAlpha: 0.05 };

/** A noisy grey scene, optionally with a bright box at x, and a global brightness offset. */
function frame(seed: number, boxX: number | null, brightness = 0): Uint8Array {
  const f = new Uint8Array(W * H);
  let s = seed;
  for (let i = 0; i < f.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    f[i] = Math.min(255, 90 + brightness + (s % 9));
  }
  if (boxX !== null) for (let y = 60; y < 140; y++) for (let x = boxX; x < boxX + 30; x++) f[y * W + x] = 220;
  return f;
}

describe('motion detector (TensorFlow.js)', () => {
  it('sees a moving object, ignores noise and a sudden lighting change, and keeps no tensors', async () => {
    const { tf, backend } = await loadTf();
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(backend));
    const detector = new MotionDetector(tf, W, H, settings);
    for (let i = 0; i < 20; i++) assert.equal(detector.process(frame(i, null)).motion, i < 0);
    const before = tf.memory().numTensors;
    const moving = detector.process(frame(99, 100));
    assert.equal(moving.motion, true);
    for (let i = 0; i < 30; i++) detector.process(frame(200 + i, null));
    const lights = detector.process(frame(300, null, 120));
    assert.equal(lights.motion, false);
    assert.equal(lights.lightingChange, true);
    assert.equal(detector.process(frame(301, null, 120)).motion, false, 'the background re-learns the new light');
    for (let i = 0; i < 300; i++) detector.process(frame(400 + i, i % 50 < 10 ? (i * 5) % 280 : null));
    assert.equal(tf.memory().numTensors, before, 'tensor count stays flat over a long run');
    detector.reset();
  });
});

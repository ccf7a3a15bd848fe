import { strict as assert } from 'node:assert';
import { MotionDetector, type DetectorSettings } from '../../camera-agent/motionDetector';
import { loadTf } from '../../camera-agent/tfBackend';

const W = 320;
const H = 180;
const DEFAULTS: DetectorSettings = { sensitivity: 5, minObjectSize: 0.002, zones: [], ignoreMasks: [] };

interface Scene {
  /** Multiplies every grey level (lighting). */
  gain?: number;
  /** The camera's tone curve: grey levels go to 255·(v/255)^gamma. */
  gamma?: number;
  /** A scene of strong edges: near-black foliage against a bright sky. */
  contrasty?: boolean;
  /** A bright box (person-sized by default) with its left edge at x. */
  box?: { x: number; y?: number; w?: number; h?: number; level?: number };
  /** Fraction of pixels hit by a bright speck this frame (rain). */
  specks?: number;
}

/** A textured grey scene with sensor noise; frames differ by `seed`. */
function frame(seed: number, scene: Scene = {}): Uint8Array {
  const f = new Uint8Array(W * H);
  let s = seed * 7919 + 1;
  const rand = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % 1000) / 1000;
  const gain = scene.gain ?? 1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dark = scene.contrasty ? -55 : -30;
      const bright = scene.contrasty ? 150 : 40;
      let v = 70 + (x < 100 && y < 80 ? dark : 0) + (x > 200 && y < 50 ? bright : 0) + (y > 150 ? -25 : 0);
      const b = scene.box;
      if (b && x >= b.x && x < b.x + (b.w ?? 32) && y >= (b.y ?? 70) && y < (b.y ?? 70) + (b.h ?? 80)) v = b.level ?? 160;
      v = v * gain;
      if (scene.gamma !== undefined) v = 255 * (Math.max(0, v) / 255) ** scene.gamma;
      v += (rand() - 0.5) * 8;
      if (scene.specks && rand() < scene.specks) v = 230;
      f[y * W + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return f;
}

describe('motion detector (TensorFlow.js)', function () {
  let tf: Awaited<ReturnType<typeof loadTf>>['tf'];
  before(async () => {
    ({ tf } = await loadTf());
  });

  function settle(d: MotionDetector, scene: Scene = {}, frames = 15): void {
    for (let i = 0; i < frames; i++) assert.equal(d.process(frame(1000 + i, scene)).motion, false, `still frame ${i} must be still`);
  }

  it('reports a person-sized object walking in as a region where it is', () => {
    const d = new MotionDetector(tf, W, H, 5, DEFAULTS);
    settle(d);
    const v = d.process(frame(1, { box: { x: 150 } }));
    assert.equal(v.motion, true);
    const r = v.regions[0]!;
    assert.ok(r.x < 150 / W && r.x + r.w > 182 / W, `region ${JSON.stringify(r)} covers the object`);
    assert.ok(r.y < 0.45 && r.y + r.h > 0.8);
    d.dispose();
  });

  /** Gamma of an auto-exposure that hunts ±30 % on a 10 s cycle, at frame i (5 fps). */
  const hunt = (i: number) => 1 + 0.3 * Math.sin((2 * Math.PI * i) / 50);

  it('raises no motion while the tone curve hunts slowly (gamma 0.7–1.3, 10 s cycle)', () => {
    const d = new MotionDetector(tf, W, H, 5, DEFAULTS);
    settle(d, { contrasty: true });
    const moving = Array.from({ length: 150 }, (_, i) => d.process(frame(2000 + i, { gamma: hunt(i), contrasty: true })).motion);
    assert.deepEqual(moving.flatMap((m, i) => (m ? [i] : [])), [], 'frames with motion');
    d.dispose();
  });

  it('still sees a person walking in during the hunt', () => {
    const d = new MotionDetector(tf, W, H, 5, DEFAULTS);
    settle(d, { contrasty: true });
    for (let i = 0; i < 30; i++) d.process(frame(3000 + i, { gamma: hunt(i), contrasty: true }));
    for (let i = 30; i < 36; i++) {
      const v = d.process(frame(3000 + i, { gamma: hunt(i), contrasty: true, box: { x: 120 + 12 * (i - 30) } }));
      assert.equal(v.motion, true, `frame ${i} with the person`);
    }
    d.dispose();
  });

  it('ignores sensor noise and scattered specks (rain) below the minimum object size', () => {
    const d = new MotionDetector(tf, W, H, 5, DEFAULTS);
    settle(d);
    for (let i = 0; i < 20; i++) assert.equal(d.process(frame(i, { specks: 0.01 })).motion, false, `rain frame ${i}`);
    d.dispose();
  });

  it('re-learns the background on a sudden lighting change instead of alerting', () => {
    const d = new MotionDetector(tf, W, H, 5, DEFAULTS);
    settle(d);
    const lights = d.process(frame(1, { gain: 1.8 }));
    assert.equal(lights.lightingChange, true);
    assert.equal(lights.motion, false);
    for (let i = 0; i < 10; i++) assert.equal(d.process(frame(2 + i, { gain: 1.8 })).motion, false, 'the new light is the new background');
    d.dispose();
  });

  it('still sees a person who stands out during a lighting change', () => {
    const d = new MotionDetector(tf, W, H, 5, DEFAULTS);
    settle(d);
    const v = d.process(frame(1, { gain: 1.6, box: { x: 150, level: 250 } }));
    assert.equal(v.lightingChange, true);
    assert.equal(v.motion, true);
    d.dispose();
  });

  it('ignores motion inside an ignore mask and outside the zones', () => {
    const masked = new MotionDetector(tf, W, H, 5, { ...DEFAULTS, ignoreMasks: [[[0.4, 0], [0.7, 0], [0.7, 1], [0.4, 1]]] });
    const zoned = new MotionDetector(tf, W, H, 5, { ...DEFAULTS, zones: [[[0, 0], [0.3, 0], [0.3, 1], [0, 1]]] });
    for (const d of [masked, zoned]) {
      settle(d);
      assert.equal(d.process(frame(1, { box: { x: 150 } })).motion, false, 'box at 0.47–0.57 of the width is not watched');
      assert.equal(d.process(frame(2, { box: { x: 20 } })).motion, true, 'box at 0.06–0.16: inside the zone, outside the mask');
      d.dispose();
    }
  });

  it('lets sensitivity and minimum object size decide what is too faint or too small', () => {
    const faint = { box: { x: 150, level: 84 } };
    const low = new MotionDetector(tf, W, H, 5, { ...DEFAULTS, sensitivity: 1 });
    const high = new MotionDetector(tf, W, H, 5, { ...DEFAULTS, sensitivity: 10 });
    const small = { box: { x: 150, w: 10, h: 10 } };
    const bigOnly = new MotionDetector(tf, W, H, 5, { ...DEFAULTS, minObjectSize: 0.01 });
    for (const d of [low, high, bigOnly]) settle(d);
    assert.equal(low.process(frame(1, faint)).motion, false);
    assert.equal(high.process(frame(1, faint)).motion, true);
    assert.equal(bigOnly.process(frame(1, small)).motion, false);
    assert.equal(bigOnly.process(frame(2, { box: { x: 150 } })).motion, true);
    for (const d of [low, high, bigOnly]) d.dispose();
  });

  it('finds the same object at any analysis size (the grid it works on follows the frame)', () => {
    for (const [w, h] of [[160, 90], [320, 180], [640, 360]] as const) {
      // The person-sized box of frame(), scaled: x 150–182 and y 70–150 of 320×180.
      const scaled = (seed: number, box: boolean) => {
        const f = frame(seed, box ? { box: { x: 150 } } : {});
        const out = new Uint8Array(w * h);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = f[Math.floor((y * H) / h) * W + Math.floor((x * W) / w)]!;
        return out;
      };
      const d = new MotionDetector(tf, w, h, 5, DEFAULTS);
      for (let i = 0; i < 15; i++) assert.equal(d.process(scaled(1000 + i, false)).motion, false, `${w}×${h} still frame ${i}`);
      const v = d.process(scaled(1, true));
      assert.equal(v.motion, true, `${w}×${h} sees the box`);
      const r = v.regions[0]!;
      assert.ok(r.x < 150 / W && r.x + r.w > 182 / W && r.y < 0.45 && r.y + r.h > 0.8, `${w}×${h} region ${JSON.stringify(r)} covers the box`);
      d.dispose();
    }
  });

  it('refuses zones and masks that leave nothing to watch', () => {
    assert.throws(() => new MotionDetector(tf, W, H, 5, { ...DEFAULTS, ignoreMasks: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }), /nothing of the frame/);
  });

  it('keeps the tensor count flat over a long run and releases everything on dispose', () => {
    const before = tf.memory().numTensors;
    const d = new MotionDetector(tf, W, H, 5, { ...DEFAULTS, zones: [[[0, 0], [1, 0], [1, 0.9], [0, 0.9]]] });
    d.process(frame(0));
    const running = tf.memory().numTensors;
    for (let i = 0; i < 300; i++) d.process(frame(i, i % 40 < 10 ? { box: { x: (i * 7) % 280 } } : i % 97 === 0 ? { gain: 1.5 } : {}));
    assert.equal(tf.memory().numTensors, running, 'tensor count stays flat');
    d.dispose();
    assert.equal(tf.memory().numTensors, before, 'dispose frees the background and the mask');
  });
});

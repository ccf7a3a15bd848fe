import { strict as assert } from 'node:assert';
import { MotionDetector } from '../../camera-agent/motionDetector';
import type { DetectorSettings, FrameVerdict } from '../../camera-agent/motionPlan';
import { loadTf, type Tf } from '../../camera-agent/tfBackend';
import { TfMotionDetector } from '../../camera-agent/tfMotionDetector';

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

interface Detector {
  process(gray: Uint8Array): FrameVerdict;
  reset(): void;
  dispose(): void;
}

let tf: Tf;
before(async () => {
  ({ tf } = await loadTf());
});

/** The agent's detector, and its TensorFlow.js cross-check: both must behave alike. */
const KINDS: Array<{ name: string; make: (w: number, h: number, fps: number, s: DetectorSettings) => Detector }> = [
  { name: "typed arrays (the agent's)", make: (w, h, fps, s) => new MotionDetector(w, h, fps, s) },
  { name: 'TensorFlow.js (cross-check)', make: (w, h, fps, s) => new TfMotionDetector(tf, w, h, fps, s) },
];

for (const { name, make } of KINDS) describe(`motion detector: ${name}`, function () {
  function settle(d: Detector, scene: Scene = {}, frames = 15): void {
    for (let i = 0; i < frames; i++) assert.equal(d.process(frame(1000 + i, scene)).motion, false, `still frame ${i} must be still`);
  }

  it('reports a person-sized object walking in as a region where it is', () => {
    const d = make(W, H, 5, DEFAULTS);
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
    const d = make(W, H, 5, DEFAULTS);
    settle(d, { contrasty: true });
    const moving = Array.from({ length: 150 }, (_, i) => d.process(frame(2000 + i, { gamma: hunt(i), contrasty: true })).motion);
    assert.deepEqual(moving.flatMap((m, i) => (m ? [i] : [])), [], 'frames with motion');
    d.dispose();
  });

  it('still sees a person walking in during the hunt', () => {
    const d = make(W, H, 5, DEFAULTS);
    settle(d, { contrasty: true });
    for (let i = 0; i < 30; i++) d.process(frame(3000 + i, { gamma: hunt(i), contrasty: true }));
    for (let i = 30; i < 36; i++) {
      const v = d.process(frame(3000 + i, { gamma: hunt(i), contrasty: true, box: { x: 120 + 12 * (i - 30) } }));
      assert.equal(v.motion, true, `frame ${i} with the person`);
    }
    d.dispose();
  });

  it('ignores sensor noise and scattered specks (rain) below the minimum object size', () => {
    const d = make(W, H, 5, DEFAULTS);
    settle(d);
    for (let i = 0; i < 20; i++) assert.equal(d.process(frame(i, { specks: 0.01 })).motion, false, `rain frame ${i}`);
    d.dispose();
  });

  it('re-learns the background on a sudden lighting change instead of alerting', () => {
    const d = make(W, H, 5, DEFAULTS);
    settle(d);
    const lights = d.process(frame(1, { gain: 1.8 }));
    assert.equal(lights.lightingChange, true);
    assert.equal(lights.motion, false);
    for (let i = 0; i < 10; i++) assert.equal(d.process(frame(2 + i, { gain: 1.8 })).motion, false, 'the new light is the new background');
    d.dispose();
  });

  it('still sees a person who stands out during a lighting change', () => {
    const d = make(W, H, 5, DEFAULTS);
    settle(d);
    const v = d.process(frame(1, { gain: 1.6, box: { x: 150, level: 250 } }));
    assert.equal(v.lightingChange, true);
    assert.equal(v.motion, true);
    d.dispose();
  });

  it('ignores motion inside an ignore mask and outside the zones', () => {
    const masked = make(W, H, 5, { ...DEFAULTS, ignoreMasks: [[[0.4, 0], [0.7, 0], [0.7, 1], [0.4, 1]]] });
    const zoned = make(W, H, 5, { ...DEFAULTS, zones: [[[0, 0], [0.3, 0], [0.3, 1], [0, 1]]] });
    for (const d of [masked, zoned]) {
      settle(d);
      assert.equal(d.process(frame(1, { box: { x: 150 } })).motion, false, 'box at 0.47–0.57 of the width is not watched');
      assert.equal(d.process(frame(2, { box: { x: 20 } })).motion, true, 'box at 0.06–0.16: inside the zone, outside the mask');
      d.dispose();
    }
  });

  it('lets sensitivity and minimum object size decide what is too faint or too small', () => {
    const faint = { box: { x: 150, level: 84 } };
    const low = make(W, H, 5, { ...DEFAULTS, sensitivity: 1 });
    const high = make(W, H, 5, { ...DEFAULTS, sensitivity: 10 });
    const small = { box: { x: 150, w: 10, h: 10 } };
    const bigOnly = make(W, H, 5, { ...DEFAULTS, minObjectSize: 0.01 });
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
      const d = make(w, h, 5, DEFAULTS);
      for (let i = 0; i < 15; i++) assert.equal(d.process(scaled(1000 + i, false)).motion, false, `${w}×${h} still frame ${i}`);
      const v = d.process(scaled(1, true));
      assert.equal(v.motion, true, `${w}×${h} sees the box`);
      const r = v.regions[0]!;
      assert.ok(r.x < 150 / W && r.x + r.w > 182 / W && r.y < 0.45 && r.y + r.h > 0.8, `${w}×${h} region ${JSON.stringify(r)} covers the box`);
      d.dispose();
    }
  });

  it('refuses zones and masks that leave nothing to watch', () => {
    assert.throws(() => make(W, H, 5, { ...DEFAULTS, ignoreMasks: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }), /nothing of the frame/);
  });

  it('refuses a frame of the wrong size', () => {
    const d = make(W, H, 5, DEFAULTS);
    assert.throws(() => d.process(new Uint8Array(W * H - 1)), /frame has 57599 bytes, expected 57600/);
    d.dispose();
  });

  it('learns the picture afresh after reset (a new stream)', () => {
    const d = make(W, H, 5, DEFAULTS);
    settle(d);
    d.reset();
    // The box is part of the new stream's first picture: the background, not motion.
    for (let i = 0; i < 5; i++) assert.equal(d.process(frame(4000 + i, { box: { x: 150 } })).motion, false, `frame ${i} after reset`);
    assert.equal(d.process(frame(4010)).motion, true, 'the box leaving is motion');
    d.dispose();
  });
});

/** A run of frames that visits every case above: still, hunting tone, a person, rain, lights, standing out, sizes. */
function* scriptFrames(): Generator<{ frame: Uint8Array; reset?: boolean }> {
  for (let i = 0; i < 15; i++) yield { frame: frame(1000 + i) };
  for (let i = 0; i < 12; i++) yield { frame: frame(10 + i, { box: { x: 100 + 10 * i } }) };
  for (let i = 0; i < 20; i++) yield { frame: frame(40 + i, { specks: 0.01 }) };
  for (let i = 0; i < 10; i++) yield { frame: frame(60 + i, { gain: 1.8 }) };
  yield { frame: frame(70, { gain: 1.2, box: { x: 150, level: 250 } }) };
  for (let i = 0; i < 10; i++) yield { frame: frame(80 + i, { box: { x: 150, level: 84 } }) };
  for (let i = 0; i < 15; i++) yield { frame: frame(2000 + i, { contrasty: true }), reset: i === 0 };
  for (let i = 0; i < 100; i++) yield { frame: frame(3000 + i, { gamma: 1 + 0.3 * Math.sin((2 * Math.PI * i) / 50), contrasty: true, ...(i > 60 && i < 75 ? { box: { x: 60 + 8 * (i - 60) } } : {}) }) };
}

let scripted: Array<{ frame: Uint8Array; reset?: boolean }> | undefined;
/** The script's frames, made once: making them costs more than detecting on them. */
const script = () => (scripted ??= [...scriptFrames()]);

describe('motion detector: TensorFlow.js cross-check', function () {
  for (const settings of [DEFAULTS, { ...DEFAULTS, sensitivity: 9, zones: [[[0, 0], [0.8, 0], [0.8, 1], [0, 1]]] as DetectorSettings['zones'] }]) {
    it(`gives the agent's verdict on every frame (sensitivity ${settings.sensitivity}${settings.zones.length ? ', a zone' : ''})`, () => {
      const agent = new MotionDetector(W, H, 5, settings);
      const check = new TfMotionDetector(tf, W, H, 5, settings);
      let n = 0;
      let moving = 0;
      for (const { frame: f, reset } of script()) {
        if (reset) {
          agent.reset();
          check.reset();
        }
        const a = agent.process(f);
        const b = check.process(f);
        assert.equal(a.motion, b.motion, `frame ${n}: motion`);
        assert.equal(a.lightingChange, b.lightingChange, `frame ${n}: lighting change`);
        assert.equal(a.regions.length, b.regions.length, `frame ${n}: regions`);
        assert.ok(Math.abs(a.changedRatio - b.changedRatio) < 0.002, `frame ${n}: changed ${a.changedRatio} vs ${b.changedRatio}`);
        if (a.motion) moving += 1;
        n += 1;
      }
      // The script must exercise both answers, or agreement would prove little.
      assert.ok(moving >= 10 && moving < n - 50, `${moving} of ${n} frames with motion`);
      agent.dispose();
      check.dispose();
    });
  }

  it('keeps the tensor count flat over a long run and releases everything on dispose', () => {
    const before = tf.memory().numTensors;
    const d = new TfMotionDetector(tf, W, H, 5, { ...DEFAULTS, zones: [[[0, 0], [1, 0], [1, 0.9], [0, 0.9]]] });
    d.process(frame(0));
    const running = tf.memory().numTensors;
    for (let i = 0; i < 300; i++) d.process(frame(i, i % 40 < 10 ? { box: { x: (i * 7) % 280 } } : i % 97 === 0 ? { gain: 1.5 } : {}));
    assert.equal(tf.memory().numTensors, running, 'tensor count stays flat');
    d.dispose();
    assert.equal(tf.memory().numTensors, before, 'dispose frees the background and the mask');
  });
});

import {
  CALIBRATION_ALPHA,
  CALIBRATION_FRAMES,
  DetectorPlan,
  FrameScratch,
  GLOBAL_RATIO,
  prepareFrame,
  STAND_OUT,
  TONE_MAX,
  TONE_MIN,
  type DetectorSettings,
  type FrameVerdict,
} from '../camera-agent/motionDetector';
import { findRegions } from '../camera-agent/regions';

/*
 * The motion detector's arithmetic in plain typed arrays, without TensorFlow.js: the
 * benchmark's reference kernel. Same plan, same steps, same constants as
 * camera-agent/motionDetector.ts (the benchmark checks that both give the same verdicts).
 */

/** Bilinear resampling weights with half-pixel centres, as tf.image.resizeBilinear(…, false, true). */
function axis(inSize: number, outSize: number): { lo: Int32Array; hi: Int32Array; w: Float32Array } {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const w = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const src = Math.max(0, (i + 0.5) * scale - 0.5);
    lo[i] = Math.min(inSize - 1, Math.floor(src));
    hi[i] = Math.min(inSize - 1, lo[i]! + 1);
    w[i] = src - lo[i]!;
  }
  return { lo, hi, w };
}

/** The detector's tone fit (MotionDetector.toneScale) in typed arrays. */
export function toneScale(flat: Float32Array, bg: Float32Array, watched: Uint8Array): number {
  const fit = (first: number | null): number => {
    let fb = 0;
    let bb = 0;
    for (let i = 0; i < flat.length; i++) {
      if (!watched[i]) continue;
      if (first !== null && !(Math.abs(flat[i]! - bg[i]! * first) < 1)) continue;
      fb += flat[i]! * bg[i]!;
      bb += bg[i]! * bg[i]!;
    }
    return Math.min(TONE_MAX, Math.max(TONE_MIN, fb / Math.max(bb, 1e-6)));
  };
  return fit(fit(null));
}

export class ReferenceDetector {
  private readonly plan: DetectorPlan;
  private background: Float32Array | null = null;
  private readonly flat: Float32Array;
  private readonly diff: Float32Array;
  private readonly scratch: FrameScratch;
  private readonly xs: ReturnType<typeof axis>;
  private readonly ys: ReturnType<typeof axis>;
  private readonly work: Int32Array;
  private readonly seen: Uint8Array;
  private previousMean = 0;
  private calibrating = 0;

  constructor(width: number, height: number, fps: number, settings: DetectorSettings) {
    const plan = new DetectorPlan(width, height, fps, settings);
    this.plan = plan;
    const inner = plan.innerWidth * plan.innerHeight;
    this.flat = new Float32Array(inner);
    this.diff = new Float32Array(inner);
    this.scratch = new FrameScratch(plan);
    this.xs = axis(plan.cellColumns, plan.innerWidth);
    this.ys = axis(plan.cellRows, plan.innerHeight);
    this.work = new Int32Array(inner);
    this.seen = new Uint8Array(inner);
  }

  process(gray: Uint8Array): FrameVerdict {
    const { plan, scratch, flat, diff, xs, ys } = this;
    const { innerWidth, innerHeight, cellColumns } = plan;
    const { cellSums, blurred } = scratch;
    const mean = prepareFrame(plan, gray, scratch);
    for (let y = 0; y < innerHeight; y++) {
      const r0 = ys.lo[y]! * cellColumns;
      const r1 = ys.hi[y]! * cellColumns;
      const wy = ys.w[y]!;
      for (let x = 0; x < innerWidth; x++) {
        const a = cellSums[r0 + xs.lo[x]!]!;
        const b = cellSums[r0 + xs.hi[x]!]!;
        const c = cellSums[r1 + xs.lo[x]!]!;
        const d = cellSums[r1 + xs.hi[x]!]!;
        const wx = xs.w[x]!;
        const top = a + (b - a) * wx;
        const bottom = c + (d - c) * wx;
        const i = y * innerWidth + x;
        flat[i] = blurred[i]! - (top + (bottom - top) * wy);
      }
    }
    const jump = Math.abs(mean - this.previousMean);
    this.previousMean = mean;
    const bg = this.background;
    if (!bg) {
      this.background = Float32Array.from(flat);
      this.calibrating = CALIBRATION_FRAMES;
      return { regions: [], motion: false, changedRatio: 0, lightingChange: false };
    }
    const scale = toneScale(flat, bg, plan.watched);
    for (let i = 0; i < bg.length; i++) bg[i] = bg[i]! * scale;
    let changed = 0;
    for (let i = 0; i < flat.length; i++) {
      const d = plan.watched[i] ? Math.abs(flat[i]! - bg[i]!) : 0;
      diff[i] = d;
      if (d >= 1) changed += 1;
    }
    const changedRatio = changed / plan.watchedPixels;
    const lightingChange = jump > plan.globalJump || changedRatio > GLOBAL_RATIO;
    const cut = lightingChange || this.calibrating > 0 ? STAND_OUT : 1;
    let regions = findRegions(diff, innerWidth, innerHeight, cut, plan.minPixels, this.work, this.seen, plan.reach);
    if (lightingChange && regions.reduce((a, r) => a + r.area, 0) * innerWidth * innerHeight > GLOBAL_RATIO * plan.watchedPixels) regions = [];
    if (lightingChange) {
      bg.set(flat);
      this.calibrating = CALIBRATION_FRAMES;
    } else {
      if (this.calibrating > 0) this.calibrating -= 1;
      const a = this.calibrating > 0 ? CALIBRATION_ALPHA : plan.alpha;
      for (let i = 0; i < bg.length; i++) bg[i] = bg[i]! + (flat[i]! - bg[i]!) * a;
    }
    return { regions, motion: regions.length > 0, changedRatio, lightingChange };
  }
}

import {
  CALIBRATION_ALPHA,
  CALIBRATION_FRAMES,
  DetectorPlan,
  FrameScratch,
  judgeFrame,
  prepareFrame,
  TONE_MAX,
  TONE_MIN,
  type DetectorSettings,
  type FrameVerdict,
} from './motionPlan';

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

/**
 * How much the frame's contrast has scaled against the background, fitted over the still
 * part of the frame: in log intensity a gain change is an offset (the local mean takes it
 * out), but a tone-curve change (gamma, auto-exposure bending the curve, dark pixels against
 * clipped highlights) multiplies every edge's contrast. A least-squares fit over the watched
 * pixels (its sums `fb`, `bb` are gathered in MotionDetector.process's first pass), then
 * again over only those the first fit explains (toneFit), so a person walking in does not
 * pull it; clamped to TONE_MIN–TONE_MAX.
 */
function tone(fb: number, bb: number): number {
  return Math.min(TONE_MAX, Math.max(TONE_MIN, fb / Math.max(bb, 1e-6)));
}

/*
 * The fit's second pass, over the pixels the first fit explains. A module function rather
 * than a closure: a closure is a new function every frame, and V8 re-optimised each one,
 * which kept its compiler busy for as long as the camera ran.
 */
function toneFit(flat: Float32Array, bg: Float32Array, watched: Uint8Array, first: number): number {
  let fb = 0;
  let bb = 0;
  for (let i = 0; i < flat.length; i++) {
    if (!watched[i]) continue;
    const b = bg[i]!;
    if (!(Math.abs(flat[i]! - b * first) < 1)) continue;
    fb += flat[i]! * b;
    bb += b * b;
  }
  return tone(fb, bb);
}

/**
 * The agent's frame-difference motion detector, after Motion's alg.c and Frigate's improved
 * detector:
 *
 *   grey frame → 2×2 (at 320×180) block means: a grid about 90 rows high → log intensity
 *   (a change of light becomes an offset) → 3×3 blur → minus its coarse local mean
 *   (contrast normalisation: smooth light — lamps, cloud shadows, exposure drift — cancels,
 *   the edges of objects stay) → |difference| to a running-average background rescaled to
 *   the frame's tone → zones and masks → threshold → connected regions of at least the
 *   minimum object size.
 *
 * A global-change guard re-learns the background when the whole frame jumps (lights
 * switched, IR night mode) instead of alerting; during that change and for a few frames
 * after, a region still counts when it stands out at twice the threshold, so a person
 * walking in with the lights is seen.
 *
 * All of it runs as plain loops over typed arrays allocated once per detector. On a grid of
 * about 158×88 the work per pixel is a few operations, so as TensorFlow.js ops (about 30 per
 * frame) it cost more in per-op overhead and garbage than in arithmetic, and the agent had
 * to load TF.js and its WASM backend at start. tfMotionDetector.ts keeps the TF.js version
 * as a cross-check: the tests and the benchmark check that both agree on every frame.
 */
export class MotionDetector {
  private readonly plan: DetectorPlan;
  private background: Float32Array | null = null;
  private readonly flat: Float32Array;
  private readonly diff: Float32Array;
  private readonly scratch: FrameScratch;
  private readonly xs: ReturnType<typeof axis>;
  private readonly ys: ReturnType<typeof axis>;
  private readonly work: Int32Array;
  private readonly seen: Uint8Array;
  /** One grid row of the coarse local means, interpolated down the rows. */
  private readonly coarseRow: Float64Array;
  private previousMean = 0;
  private calibrating = 0;

  constructor(width: number, height: number, fps: number, settings: DetectorSettings) {
    if (!(fps > 0)) throw new RangeError(`the analysis rate must be above 0 fps, not ${fps}`);
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
    this.coarseRow = new Float64Array(plan.cellColumns);
  }

  process(gray: Uint8Array): FrameVerdict {
    const { plan, scratch, flat, diff, xs, ys, coarseRow } = this;
    const { width, height, innerWidth, innerHeight, cellColumns, watched } = plan;
    if (gray.length !== width * height) throw new RangeError(`frame has ${gray.length} bytes, expected ${width * height}`);
    const { cellSums, blurred } = scratch;
    const mean = prepareFrame(plan, gray, scratch);
    const bg = this.background;
    // The blurred grid minus its coarse local mean, bilinearly upsampled from the cells: down
    // the rows once per grid row, then across. The tone fit's first pass (tone, below) rides
    // along, so the frame is read once for both.
    let fb = 0;
    let bb = 0;
    for (let y = 0; y < innerHeight; y++) {
      const r0 = ys.lo[y]! * cellColumns;
      const r1 = ys.hi[y]! * cellColumns;
      const wy = ys.w[y]!;
      for (let c = 0; c < cellColumns; c++) {
        const top = cellSums[r0 + c]!;
        coarseRow[c] = top + (cellSums[r1 + c]! - top) * wy;
      }
      const row = y * innerWidth;
      for (let x = 0; x < innerWidth; x++) {
        const left = coarseRow[xs.lo[x]!]!;
        const i = row + x;
        const f = Math.fround(blurred[i]! - (left + (coarseRow[xs.hi[x]!]! - left) * xs.w[x]!));
        flat[i] = f;
        if (bg && watched[i]) {
          const b = bg[i]!;
          fb += f * b;
          bb += b * b;
        }
      }
    }
    const jump = Math.abs(mean - this.previousMean);
    this.previousMean = mean;
    if (!bg) {
      this.background = Float32Array.from(flat);
      this.calibrating = CALIBRATION_FRAMES;
      return { regions: [], motion: false, changedRatio: 0, lightingChange: false };
    }
    const scale = toneFit(flat, bg, watched, tone(fb, bb));
    // The background rescaled to the frame's tone, and the difference to it, in one pass. In
    // units of the threshold: 1 or more has changed, STAND_OUT or more stands out.
    let changed = 0;
    for (let i = 0; i < flat.length; i++) {
      const b = Math.fround(bg[i]! * scale);
      bg[i] = b;
      const d = watched[i] ? Math.abs(flat[i]! - b) : 0;
      diff[i] = d;
      if (d >= 1) changed += 1;
    }
    const verdict = judgeFrame(plan, diff, changed, jump, this.calibrating > 0, this.work, this.seen);
    if (verdict.lightingChange) {
      bg.set(flat);
      this.calibrating = CALIBRATION_FRAMES;
    } else {
      if (this.calibrating > 0) this.calibrating -= 1;
      const a = this.calibrating > 0 ? CALIBRATION_ALPHA : plan.alpha;
      for (let i = 0; i < bg.length; i++) bg[i] = bg[i]! + (flat[i]! - bg[i]!) * a;
    }
    return verdict;
  }

  /** Forgets the background (a new stream): the next frame starts learning it again. */
  reset(): void {
    this.background = null;
    this.calibrating = 0;
    this.previousMean = 0;
  }

  /** Nothing outside the JavaScript heap to free: the background goes with the detector. */
  dispose(): void {
    this.reset();
  }
}

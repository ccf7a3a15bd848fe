import type * as tfTypes from '@tensorflow/tfjs-core';
import type { Tf } from './tfBackend';
import type { Polygon } from '../common/config';
import { activeMask, findRegions, type Region } from './regions';

export interface DetectorSettings {
  /** 1 (only large, clear motion) … 10 (the faintest change). */
  sensitivity: number;
  /** Smallest object that counts, as a fraction of the frame. */
  minObjectSize: number;
  /** Motion counts only inside these polygons (the whole frame when empty). */
  zones: Polygon[];
  /** Motion inside these polygons never counts. */
  ignoreMasks: Polygon[];
}

export interface FrameVerdict {
  /** Moving regions at least the minimum object size, largest first. */
  regions: Region[];
  motion: boolean;
  /** Fraction of the watched area that changed. */
  changedRatio: number;
  /** The frame changed as a whole (lights, IR switch, exposure jump): the background was re-learnt. */
  lightingChange: boolean;
}

/*
 * Tuning, in units of 64 × natural-log intensity (so 6 ≈ a 10 % brightness change).
 * Each step of sensitivity lowers the threshold by a fifth: 20 at 1, 9.6 at 5, 3.9 at 10.
 */
const LOG_SCALE = 64;
/** Added before the log so sensor noise in near-black pixels is not blown up. */
const LOG_OFFSET = 8;
const THRESHOLD_AT_5 = 9.6;
const THRESHOLD_STEP = 1.2;
/** How long the background takes to absorb a change (time constant, s). */
const BACKGROUND_SECONDS = 4;
/** A mean brightness jump above this between two frames is a lighting change. */
const GLOBAL_JUMP = 4;
/** More than this fraction of the watched area changing at once is a lighting change. */
export const GLOBAL_RATIO = 0.3;
/** Frames after a (re)calibration that learn fast and need motion to stand out. */
export const CALIBRATION_FRAMES = 3;
export const CALIBRATION_ALPHA = 0.5;
/** During a lighting change a region must beat this multiple of the threshold. */
export const STAND_OUT = 2;
/**
 * The tone fit's bounds: how far one frame's contrast may be rescaled against the background
 * (gamma 0.6–1.6 and more than any exposure step a camera makes between two frames).
 */
export const TONE_MIN = 0.6;
export const TONE_MAX = 1.6;

export function thresholdFor(sensitivity: number): number {
  return THRESHOLD_AT_5 * THRESHOLD_STEP ** (5 - sensitivity);
}

/** Rows of the analysis frame the detector works on: about Frigate's 100-pixel-high motion frame. */
const GRID_HEIGHT = 90;

/** 3×3 mean of `src` over its interior (one pixel less all round), separably. */
export function boxBlur3(src: Float32Array, width: number, height: number, rows: Float32Array, out: Float32Array): void {
  const w = width - 2;
  for (let y = 0; y < height; y++) {
    const s = y * width;
    const r = y * w;
    for (let x = 0; x < w; x++) rows[r + x] = src[s + x]! + src[s + x + 1]! + src[s + x + 2]!;
  }
  for (let y = 0; y < height - 2; y++) {
    const a = y * w;
    for (let x = 0; x < w; x++) out[a + x] = (rows[a + x]! + rows[a + w + x]! + rows[a + 2 * w + x]!) / 9;
  }
}

/** Scratch space for the typed-array half of a frame, sized by a plan and reused between frames. */
export class FrameScratch {
  /** Sum of each grid cell's `factor × factor` grey pixels, for one grid row. */
  readonly sums: Int32Array;
  /** Log intensity of the grid, in units of the threshold. */
  readonly logged: Float32Array;
  readonly cellSums: Float32Array;
  /** Horizontal 3-sums, then the 3×3 mean over the interior. */
  readonly rows: Float32Array;
  readonly blurred: Float32Array;

  constructor(plan: DetectorPlan) {
    this.sums = new Int32Array(plan.gridWidth);
    this.logged = new Float32Array(plan.gridWidth * plan.gridHeight);
    this.cellSums = new Float32Array(plan.cellCounts.length);
    this.rows = new Float32Array(plan.innerWidth * plan.gridHeight);
    this.blurred = new Float32Array(plan.innerWidth * plan.innerHeight);
  }
}

/**
 * The typed-array half of a frame: each `factor × factor` block of grey pixels summed into
 * one grid pixel (the first blur, and 4× less work for every step after it at 320×180),
 * its log intensity through the lookup table (in units of the threshold) into `logged`, the
 * coarse local means into `cellSums`, and the 3×3 blur of the interior into `blurred`.
 * Returns the frame's mean log intensity.
 */
export function prepareFrame(plan: DetectorPlan, gray: Uint8Array, scratch: FrameScratch): number {
  const { factor, width, gridWidth, gridHeight, table, cellOf } = plan;
  const { sums, logged, cellSums } = scratch;
  cellSums.fill(0);
  let total = 0;
  for (let gy = 0; gy < gridHeight; gy++) {
    sums.fill(0);
    for (let dy = 0; dy < factor; dy++) {
      const row = (gy * factor + dy) * width;
      for (let gx = 0, i = row; gx < gridWidth; gx++) {
        let s = 0;
        for (let dx = 0; dx < factor; dx++) s += gray[i++]!;
        sums[gx]! += s;
      }
    }
    const out = gy * gridWidth;
    for (let gx = 0; gx < gridWidth; gx++) {
      const v = table[sums[gx]!]!;
      logged[out + gx] = v;
      total += v;
      cellSums[cellOf[out + gx]!]! += v;
    }
  }
  for (let c = 0; c < cellSums.length; c++) cellSums[c] = cellSums[c]! / plan.cellCounts[c]!;
  boxBlur3(logged, gridWidth, gridHeight, scratch.rows, scratch.blurred);
  return total / logged.length;
}

/** The detector's fixed parameters for a frame size, rate and camera settings. */
export class DetectorPlan {
  readonly threshold: number;
  /** Grey pixels per grid pixel along each side. */
  readonly factor: number;
  /** The grid the detector works on: the frame shrunk by `factor`. */
  readonly gridWidth: number;
  readonly gridHeight: number;
  /** Sum of a block's grey levels → log intensity of their mean, in units of the threshold. */
  readonly table: Float32Array;
  readonly globalJump: number;
  readonly alpha: number;
  /** The blur keeps the interior: the grid less one pixel all round. */
  readonly innerWidth: number;
  readonly innerHeight: number;
  /** 1 where motion counts, over the interior. */
  readonly watched: Uint8Array;
  readonly watchedPixels: number;
  readonly minPixels: number;
  /**
   * How far apart (grid pixels) changed pixels join one region: two pixels of a 320×180
   * frame, as when the detector worked on the frame itself (a 3×3 dilation there). Joining
   * two grid pixels at 160×90 would gather rain streaks into object-sized regions.
   */
  readonly reach: number;
  /** Coarse cells about a tenth of the width: wider than an object's edge, narrower than a pool of light. */
  readonly cellOf: Uint16Array;
  readonly cellCounts: Float32Array;
  readonly cellRows: number;
  readonly cellColumns: number;

  constructor(
    readonly width: number,
    readonly height: number,
    fps: number,
    settings: DetectorSettings,
  ) {
    this.threshold = thresholdFor(settings.sensitivity);
    this.factor = Math.max(1, Math.floor(height / GRID_HEIGHT));
    const f = this.factor;
    this.gridWidth = Math.floor(width / f);
    this.gridHeight = Math.floor(height / f);
    const gw = this.gridWidth;
    const gh = this.gridHeight;
    if (gw < 8 || gh < 8) throw new RangeError(`a ${width}×${height} frame is too small to analyse`);
    this.table = Float32Array.from({ length: 255 * f * f + 1 }, (_, sum) => (LOG_SCALE * Math.log(sum / (f * f) + LOG_OFFSET)) / this.threshold);
    this.globalJump = GLOBAL_JUMP / this.threshold;
    this.alpha = 1 - Math.exp(-1 / (BACKGROUND_SECONDS * fps));
    this.innerWidth = gw - 2;
    this.innerHeight = gh - 2;
    const full = activeMask(gw, gh, settings.zones, settings.ignoreMasks);
    this.watched = new Uint8Array(this.innerWidth * this.innerHeight);
    for (let y = 0; y < this.innerHeight; y++) this.watched.set(full.subarray((y + 1) * gw + 1, (y + 1) * gw + 1 + this.innerWidth), y * this.innerWidth);
    this.watchedPixels = this.watched.reduce((n, v) => n + v, 0);
    if (this.watchedPixels === 0) throw new RangeError('the zones and ignore masks leave nothing of the frame to watch');
    this.minPixels = Math.max(1, Math.round(settings.minObjectSize * gw * gh));
    this.reach = Math.max(1, Math.round(2 / f));
    const cell = Math.max(4, Math.round(gw / 10));
    this.cellColumns = Math.ceil(gw / cell);
    this.cellRows = Math.ceil(gh / cell);
    this.cellOf = new Uint16Array(gw * gh);
    this.cellCounts = new Float32Array(this.cellColumns * this.cellRows);
    for (let y = 0; y < gh; y++) {
      for (let x = 0; x < gw; x++) {
        const c = Math.floor(y / cell) * this.cellColumns + Math.floor(x / cell);
        this.cellOf[y * gw + x] = c;
        this.cellCounts[c]! += 1;
      }
    }
  }
}

/**
 * Frame-difference motion detector in TensorFlow.js ops, after Motion's alg.c and
 * Frigate's improved detector:
 *
 *   grey frame → 2×2 (at 320×180) block means: a grid about 90 rows high → log intensity
 *   (a change of light becomes an offset) → 3×3 blur → minus its coarse local mean
 *   (contrast normalisation: smooth light — lamps, cloud shadows, exposure drift — cancels,
 *   the edges of objects stay) → |difference| to a running-average background → zones and
 *   masks → threshold → 3×3 dilation and connected regions of at least the minimum object
 *   size.
 *
 * A global-change guard re-learns the background when the whole frame jumps (lights
 * switched, IR night mode) instead of alerting; during that change and for a few frames
 * after, a region still counts when it stands out at twice the threshold, so a person
 * walking in with the lights is seen.
 *
 * The per-pixel arithmetic runs as tensors; the block sums, the lookup table, the coarse
 * means and the region search (which branches per pixel) are typed-array loops. Each frame
 * runs in tf.tidy and the background and the watched-area mask are the only tensors kept, so
 * the tensor count stays flat however long it runs.
 */
export class MotionDetector {
  private readonly plan: DetectorPlan;
  private background: tfTypes.Tensor4D | null = null;
  private readonly watched: tfTypes.Tensor4D | null;
  private previousMean = 0;
  private calibrating = 0;
  private readonly scratch: FrameScratch;
  private readonly work: Int32Array;
  private readonly seen: Uint8Array;

  constructor(
    private readonly tf: Tf,
    width: number,
    height: number,
    fps: number,
    settings: DetectorSettings,
  ) {
    const plan = new DetectorPlan(width, height, fps, settings);
    this.plan = plan;
    const inner = plan.innerWidth * plan.innerHeight;
    this.watched = plan.watchedPixels < inner ? tf.tensor4d(plan.watched, [1, plan.innerHeight, plan.innerWidth, 1], 'float32') : null;
    this.scratch = new FrameScratch(plan);
    this.work = new Int32Array(inner);
    this.seen = new Uint8Array(inner);
  }

  process(gray: Uint8Array): FrameVerdict {
    const { tf, plan, scratch } = this;
    const { width, height, innerWidth, innerHeight } = plan;
    if (gray.length !== width * height) throw new RangeError(`frame has ${gray.length} bytes, expected ${width * height}`);
    const mean = prepareFrame(plan, gray, scratch);
    const background = this.background;
    let levels: Float32Array | null = null;
    // The frame's difference to the background is kept for learning: one subtraction serves both.
    const kept = tf.tidy(() => {
      const blurred = tf.tensor4d(scratch.blurred, [1, innerHeight, innerWidth, 1]);
      const local = tf.image.resizeBilinear(tf.tensor4d(scratch.cellSums, [1, plan.cellRows, plan.cellColumns, 1]), [innerHeight, innerWidth], false, true);
      const flat = tf.sub<tfTypes.Tensor4D>(blurred, local);
      if (!background) return [tf.keep(flat)];
      const scaled = tf.mul<tfTypes.Tensor4D>(background, this.toneScale(flat, background));
      const change = tf.sub<tfTypes.Tensor4D>(flat, scaled);
      // In units of the threshold: 1 or more has changed, STAND_OUT or more stands out.
      let diff = tf.abs(change);
      if (this.watched) diff = tf.mul(diff, this.watched);
      levels = diff.dataSync() as Float32Array;
      return [tf.keep(flat), tf.keep(change), tf.keep(scaled)];
    });
    const normalised = kept[0]!;
    const delta = kept[1] ?? null;
    const scaled = kept[2] ?? null;

    const jump = Math.abs(mean - this.previousMean);
    this.previousMean = mean;
    if (!levels || !delta || !scaled) {
      this.learn(normalised, null, null, true);
      return { regions: [], motion: false, changedRatio: 0, lightingChange: false };
    }
    const diff: Float32Array = levels;
    let changed = 0;
    for (let i = 0; i < diff.length; i++) if (diff[i]! >= 1) changed += 1;
    const changedRatio = changed / plan.watchedPixels;
    const lightingChange = jump > plan.globalJump || changedRatio > GLOBAL_RATIO;
    const cut = lightingChange || this.calibrating > 0 ? STAND_OUT : 1;
    let regions = findRegions(diff, innerWidth, innerHeight, cut, plan.minPixels, this.work, this.seen, plan.reach);
    // A lighting change that lights up most of the frame is not an object, however strong.
    if (lightingChange && regions.reduce((a, r) => a + r.area, 0) * innerWidth * innerHeight > GLOBAL_RATIO * plan.watchedPixels) regions = [];
    this.learn(normalised, scaled, delta, lightingChange);
    return { regions, motion: regions.length > 0, changedRatio, lightingChange };
  }

  /**
   * How much the frame's contrast has scaled against the background, fitted over the still
   * part of the frame: in log intensity a gain change is an offset (the local mean takes it
   * out), but a tone-curve change (gamma, auto-exposure bending the curve, dark pixels
   * against clipped highlights) multiplies every edge's contrast. A least-squares fit over
   * the watched pixels, then again over only those the first fit explains (so a person
   * walking in does not pull it), clamped to TONE_MIN–TONE_MAX. A scalar tensor.
   */
  private toneScale(flat: tfTypes.Tensor4D, background: tfTypes.Tensor4D): tfTypes.Scalar {
    const { tf } = this;
    let fb = tf.mul(flat, background);
    let bb = tf.square(background);
    if (this.watched) {
      fb = tf.mul(fb, this.watched);
      bb = tf.mul(bb, this.watched);
    }
    const ratio = (a: tfTypes.Tensor, b: tfTypes.Tensor) => tf.div<tfTypes.Scalar>(tf.sum(a), tf.maximum(tf.sum(b), 1e-6));
    const first = tf.clipByValue(ratio(fb, bb), TONE_MIN, TONE_MAX);
    const still = tf.cast(tf.less(tf.abs(tf.sub(flat, tf.mul(background, first))), 1), 'float32');
    return tf.clipByValue(ratio(tf.mul(fb, still), tf.mul(bb, still)), TONE_MIN, TONE_MAX);
  }

  /**
   * Blends the frame into the background rescaled to the frame's tone (scaled + α·delta), or
   * starts the background again from the frame.
   */
  private learn(flat: tfTypes.Tensor4D, scaled: tfTypes.Tensor4D | null, delta: tfTypes.Tensor4D | null, recalibrate: boolean): void {
    const { tf } = this;
    if (recalibrate) this.calibrating = CALIBRATION_FRAMES;
    else if (this.calibrating > 0) this.calibrating -= 1;
    const old = this.background;
    if (recalibrate || !old || !delta || !scaled) {
      this.background = flat;
    } else {
      const a = this.calibrating > 0 ? CALIBRATION_ALPHA : this.plan.alpha;
      this.background = tf.tidy(() => tf.add<tfTypes.Tensor4D>(scaled, tf.mul(delta, a)));
      flat.dispose();
    }
    delta?.dispose();
    scaled?.dispose();
    if (old && old !== this.background) old.dispose();
  }

  /** Forgets the background (a new stream). */
  reset(): void {
    this.background?.dispose();
    this.background = null;
    this.calibrating = 0;
  }

  dispose(): void {
    this.reset();
    this.watched?.dispose();
  }
}

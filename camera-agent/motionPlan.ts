import type { Polygon } from '../common/config';
import { activeMask, findRegions, type Region } from './regions';

/*
 * The motion detector's plan and the first half of every frame, shared by the production
 * detector (motionDetector.ts, typed arrays) and its TensorFlow.js cross-check
 * (tfMotionDetector.ts): settings, verdicts, tuning constants, the grid and masks a frame
 * size implies, and the block sums, log table, coarse means and blur each frame starts with.
 */
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
    if (factor === 2) {
      // The default 320×180 analysis frame: two rows at once, without the general loops'
      // per-block inner loop and the row of partial sums (a third of the frame's time).
      const r0 = gy * 2 * width;
      const r1 = r0 + width;
      for (let gx = 0; gx < gridWidth; gx++) {
        const i = 2 * gx;
        sums[gx] = gray[r0 + i]! + gray[r0 + i + 1]! + gray[r1 + i]! + gray[r1 + i + 1]!;
      }
    } else {
      sums.fill(0);
      for (let dy = 0; dy < factor; dy++) {
        const row = (gy * factor + dy) * width;
        for (let gx = 0, i = row; gx < gridWidth; gx++) {
          let s = 0;
          for (let dx = 0; dx < factor; dx++) s += gray[i++]!;
          sums[gx]! += s;
        }
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

/**
 * The verdict both detectors draw from a frame's difference to the background (`diff`, in
 * units of the threshold, 0 outside the watched area; `changed` of its pixels at 1 or more),
 * the mean brightness `jump` since the last frame, and whether the background is still
 * being (re)learnt. One rule for both, so the cross-check compares their arithmetic only.
 */
export function judgeFrame(
  plan: DetectorPlan,
  diff: Float32Array,
  changed: number,
  jump: number,
  calibrating: boolean,
  work: Int32Array,
  seen: Uint8Array,
): FrameVerdict {
  const { innerWidth, innerHeight } = plan;
  const changedRatio = changed / plan.watchedPixels;
  const lightingChange = jump > plan.globalJump || changedRatio > GLOBAL_RATIO;
  const cut = lightingChange || calibrating ? STAND_OUT : 1;
  let regions = findRegions(diff, innerWidth, innerHeight, cut, plan.minPixels, work, seen, plan.reach);
  // A lighting change that lights up most of the frame is not an object, however strong.
  if (lightingChange && regions.reduce((a, r) => a + r.area, 0) * innerWidth * innerHeight > GLOBAL_RATIO * plan.watchedPixels) regions = [];
  return { regions, motion: regions.length > 0, changedRatio, lightingChange };
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

import type * as tfTypes from '@tensorflow/tfjs-core';
import type { Tf } from './tfBackend';
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

/**
 * The motion detector's arithmetic in TensorFlow.js ops: the cross-check of the production
 * detector (motionDetector.ts), which does the same in typed arrays. The tests and the
 * benchmark run both on the same frames and compare their verdicts frame by frame. After
 * Motion's alg.c and Frigate's improved detector:
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
export class TfMotionDetector {
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
    const verdict = judgeFrame(plan, diff, changed, jump, this.calibrating > 0, this.work, this.seen);
    this.learn(normalised, scaled, delta, verdict.lightingChange);
    return verdict;
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

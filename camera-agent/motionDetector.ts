import type * as tfTypes from '@tensorflow/tfjs';
import type { Tf } from './tfBackend';

export interface MotionSettings {
  pixelThreshold: number;
  minChangedRatio: number;
  maxChangedRatio: number;
  backgroundAlpha: number;
}

export interface FrameVerdict {
  /** Fraction of pixels that differ from the background by more than the threshold. */
  changedRatio: number;
  motion: boolean;
  /** True when the whole frame changed at once (lights, IR switch) and the background was reset. */
  lightingChange: boolean;
}

/**
 * Frame-difference motion detector in TensorFlow.js ops: blur, running-average
 * background, absolute difference, threshold, changed-pixel ratio. Every frame runs in
 * tf.tidy and the background is the only tensor kept, so tensors do not pile up.
 */
export class MotionDetector {
  private background: tfTypes.Tensor4D | null = null;

  constructor(
    private readonly tf: Tf,
    private readonly width: number,
    private readonly height: number,
    private readonly settings: MotionSettings,
  ) {}

  process(gray: Uint8Array): FrameVerdict {
    const { tf, width, height, settings } = this;
    if (gray.length !== width * height) throw new RangeError(`frame has ${gray.length} bytes, expected ${width * height}`);
    let changed = 0;
    const next = tf.tidy(() => {
      const frame = tf.tensor4d(gray, [1, height, width, 1], 'int32').toFloat();
      const blurred = tf.avgPool(frame, 3, 1, 'same');
      if (!this.background) return tf.keep(blurred);
      const diff = tf.abs(tf.sub(blurred, this.background));
      const ratio = tf.mean(tf.cast(tf.greater(diff, settings.pixelThreshold), 'float32'));
      changed = ratio.dataSync()[0]!;
      const updated = tf.add(tf.mul(this.background, 1 - settings.backgroundAlpha), tf.mul(blurred, settings.backgroundAlpha));
      // A change over most of the frame is light, not an object: start the background again.
      return tf.keep(changed > settings.maxChangedRatio ? blurred : updated) as tfTypes.Tensor4D;
    }) as tfTypes.Tensor4D;
    this.background?.dispose();
    this.background = next;
    const lightingChange = changed > settings.maxChangedRatio;
    return { changedRatio: changed, lightingChange, motion: !lightingChange && changed >= settings.minChangedRatio };
  }

  reset(): void {
    this.background?.dispose();
    this.background = null;
  }
}

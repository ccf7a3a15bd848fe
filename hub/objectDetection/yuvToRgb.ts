import { yuv420pBytes, type DetectionFrame } from '../../common/detection';

/*
 * yuv420p → RGB for the detector, as ffmpeg converts camera video by default (swscale,
 * BT.601 coefficients, limited "TV" range: Y 16..235, U/V 16..240). Cameras send H.264 in
 * that range, so a full-range conversion would wash every picture out. Chroma is taken from
 * the nearest quarter-size sample (no interpolation): the detector works on a picture scaled
 * down to 512 px, where the difference is below a grey level on average.
 */

export class FrameError extends Error {}

/** Checks a picture's size and byte count, naming what is wrong. */
export function checkFrame(frame: DetectionFrame): void {
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 2 || height < 2) throw new FrameError(`picture size ${width}×${height} is not a positive whole size`);
  if (width % 2 !== 0 || height % 2 !== 0) throw new FrameError(`picture size ${width}×${height}: yuv420p needs an even width and height`);
  if (!(data instanceof Uint8Array)) throw new FrameError('picture data is not a byte array');
  const expected = yuv420pBytes(width, height);
  if (data.length !== expected) throw new FrameError(`picture data is ${data.length} bytes; a ${width}×${height} yuv420p picture is ${expected}`);
}

// Fixed-point BT.601 limited range, 16 fractional bits (the coefficients swscale uses).
const SCALE = 1 << 16;
const CY = Math.round(1.164383 * SCALE);
const CRV = Math.round(1.596027 * SCALE);
const CGU = Math.round(0.391762 * SCALE);
const CGV = Math.round(0.812968 * SCALE);
const CBU = Math.round(2.017232 * SCALE);
const HALF = SCALE / 2;

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** The picture as packed RGB (3 bytes a pixel, row by row from the top left). */
export function yuv420pToRgb(frame: DetectionFrame): Uint8Array {
  checkFrame(frame);
  const { width, height, data } = frame;
  const out = new Uint8Array(width * height * 3);
  const uPlane = width * height;
  const cw = width / 2;
  const vPlane = uPlane + cw * (height / 2);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const crow = (y >> 1) * cw;
    for (let x = 0; x < width; x++) {
      const c = crow + (x >> 1);
      const u = data[uPlane + c]! - 128;
      const v = data[vPlane + c]! - 128;
      const l = (data[row + x]! - 16) * CY + HALF;
      const o = (row + x) * 3;
      out[o] = clamp((l + CRV * v) >> 16);
      out[o + 1] = clamp((l - CGU * u - CGV * v) >> 16);
      out[o + 2] = clamp((l + CBU * u) >> 16);
    }
  }
  return out;
}

import { strict as assert } from 'node:assert';
import { yuv420pBytes } from '../../common/detection';
import { FrameError, yuv420pToRgb } from '../../hub/objectDetection/yuvToRgb';

/** A 2×2 yuv420p picture of one colour. */
const solid = (y: number, u: number, v: number) => ({ width: 2, height: 2, data: Uint8Array.from([y, y, y, y, u, v]) });

describe('yuv420pToRgb: BT.601 limited range, as ffmpeg converts camera video', () => {
  it('maps video black, white and the primaries', () => {
    assert.deepEqual([...yuv420pToRgb(solid(16, 128, 128)).subarray(0, 3)], [0, 0, 0]);
    assert.deepEqual([...yuv420pToRgb(solid(235, 128, 128)).subarray(0, 3)], [255, 255, 255]);
    // BT.601 studio-range red, green and blue (ITU-R BT.601 tables: Y'CbCr of the 100 % colours).
    const near = (got: Uint8Array, want: number[]) => want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= 2, `${[...got.subarray(0, 3)].join(',')} vs ${want.join(',')}`));
    near(yuv420pToRgb(solid(81, 90, 240)), [255, 0, 0]);
    near(yuv420pToRgb(solid(145, 54, 34)), [0, 255, 0]);
    near(yuv420pToRgb(solid(41, 240, 110)), [0, 0, 255]);
  });

  it('clamps values outside the studio range instead of wrapping', () => {
    assert.deepEqual([...yuv420pToRgb(solid(0, 128, 128)).subarray(0, 3)], [0, 0, 0]);
    assert.deepEqual([...yuv420pToRgb(solid(255, 128, 128)).subarray(0, 3)], [255, 255, 255]);
  });

  it('takes each 2×2 block\'s chroma from its own sample', () => {
    // 4×2: left block grey, right block red-ish.
    const data = new Uint8Array(yuv420pBytes(4, 2));
    data.fill(128, 0, 8);
    data.set([128, 90], 8); // U
    data.set([128, 240], 10); // V
    const rgb = yuv420pToRgb({ width: 4, height: 2, data });
    assert.equal(rgb[0], rgb[1], 'left pixel grey');
    assert.ok(rgb[9]! > rgb[10]! + 100, 'right pixel red');
  });

  it('refuses a picture whose size or byte count is wrong, naming the problem', () => {
    assert.throws(() => yuv420pToRgb({ width: 3, height: 2, data: new Uint8Array(9) }), (e: Error) => e instanceof FrameError && /even width/.test(e.message));
    assert.throws(() => yuv420pToRgb({ width: 4, height: 2, data: new Uint8Array(11) }), /11 bytes; a 4×2 yuv420p picture is 12/);
    assert.throws(() => yuv420pToRgb({ width: 0, height: 2, data: new Uint8Array(0) }), /not a positive whole size/);
  });
});

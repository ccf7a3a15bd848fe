import { strict as assert } from 'node:assert';
import { FormatWatch, inBandSps } from '../../camera-agent/streamFormat';

function box(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

function nals(...units: number[][]): Buffer {
  return Buffer.concat(
    units.map((u) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(u.length, 0);
      return Buffer.concat([len, Buffer.from(u)]);
    }),
  );
}

const fragment = (...units: number[][]) => Buffer.concat([box('moof', Buffer.alloc(16)), box('mdat', nals(...units))]);
const AUD = [0x09, 0xf0];
const SPS_640 = [0x67, 0x4d, 0x00, 0x1e, 0xab, 0x40, 0x50];
const SPS_480 = [0x67, 0x4d, 0x00, 0x1e, 0xab, 0x40, 0x3c];
const PPS = [0x68, 0xee, 0x3c, 0x80];
const IDR = [0x65, 0x88, 0x84, 0x00];

describe('stream format', () => {
  it('finds the SPS a keyframe carries in its fragment, and none in a fragment without one', () => {
    assert.deepEqual(inBandSps(fragment(AUD, SPS_640, PPS, IDR)), Buffer.from(SPS_640));
    assert.equal(inBandSps(fragment(AUD, IDR)), null);
    assert.equal(inBandSps(box('moof', Buffer.alloc(4))), null, 'no mdat');
  });

  it('reads nothing from a truncated or malformed fragment instead of throwing', () => {
    const f = fragment(SPS_640, IDR);
    assert.equal(inBandSps(f.subarray(0, f.length - 3)), null);
    const bad = Buffer.from(f);
    bad.writeUInt32BE(3, 0);
    assert.equal(inBandSps(bad), null);
  });

  it('reports a change from the first SPS of the run on, and not a repeat of it', () => {
    const w = new FormatWatch();
    assert.equal(w.changed(fragment(IDR)), false);
    assert.equal(w.changed(fragment(SPS_640, PPS, IDR)), false);
    assert.equal(w.changed(fragment(SPS_640, PPS, IDR)), false);
    assert.equal(w.changed(fragment(SPS_480, PPS, IDR)), true);
  });
});

import { strict as assert } from 'node:assert';
import { Fmp4Splitter, shiftDecodeTime } from '../../common/fmp4';
import { makeTestMp4 } from '../helpers/media';
import { useTempDir } from '../helpers/tmp';

describe('fragmented MP4 splitter', () => {
  const tmp = useTempDir();

  it('splits real ffmpeg output into an init segment and timed fragments, whatever the read sizes', () => {
    const mp4 = makeTestMp4(tmp.dir, 4);
    const splitter = new Fmp4Splitter();
    let init: Buffer | undefined;
    const fragments = [];
    for (let i = 0; i < mp4.length; i += 977) {
      const out = splitter.push(mp4.subarray(i, i + 977));
      init ??= out.init;
      fragments.push(...out.fragments);
    }
    assert.ok(init && init.includes(Buffer.from('moov')));
    assert.equal(fragments.length, 4, 'one fragment per 1 s keyframe interval');
    fragments.forEach((f, i) => {
      assert.ok(Math.abs(f.start - i) < 0.01, `fragment ${i} starts at ${f.start}`);
      assert.ok(Math.abs(f.duration - 1) < 0.01);
    });
    const total = init.length + fragments.reduce((n, f) => n + f.data.length, 0);
    assert.ok(total <= mp4.length && total > mp4.length - 200, 'only the trailing index is dropped');

    const shifted = new Fmp4Splitter();
    shifted.push(init);
    const again = shifted.push(shiftDecodeTime(fragments[2]!, fragments[2]!.decodeTime)).fragments[0]!;
    assert.equal(again.start, 0, 'decode time moved to the clip start');
  });
});

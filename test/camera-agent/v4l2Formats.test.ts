import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { chooseV4l2Format, parseFfmpegFormats, parseV4l2CtlFormats } from '../../camera-agent/sources/v4l2Formats';
import { REPO_DIR } from '../helpers/repo';

const fixture = (name: string) => readFileSync(path.join(REPO_DIR, 'test', 'fixtures', 'v4l2', name), 'utf8');
const HD = { width: 1280, height: 720 };

describe('USB camera format chooser', () => {
  for (const tool of ['ffmpeg', 'v4l2ctl'] as const) {
    const parse = tool === 'ffmpeg' ? parseFfmpegFormats : parseV4l2CtlFormats;

    it(`reads every format of the listings (${tool})`, () => {
      const c920 = parse(fixture(`c920-${tool}.txt`));
      assert.deepEqual(c920.map((f) => f.name).sort(), ['h264', 'mjpeg', 'yuyv422']);
      assert.equal(c920.find((f) => f.name === 'h264')!.sizes.length, 17);
      const pi = parse(fixture(`bcm2835-${tool}.txt`));
      assert.ok(pi.some((f) => f.name === 'h264' && f.ranges[0]?.maxWidth === 3280 && f.ranges[0].stepHeight === 2));
    });

    it(`asks a C920 for its own H.264 (copied), a cheap webcam for MJPEG, a Pi for H.264 (${tool})`, () => {
      assert.deepEqual(chooseV4l2Format(parse(fixture(`c920-${tool}.txt`)), HD), { inputFormat: 'h264', codec: 'h264', width: 1280, height: 720, copy: true });
      assert.deepEqual(chooseV4l2Format(parse(fixture(`cheap-uvc-${tool}.txt`)), HD), { inputFormat: 'mjpeg', codec: 'mjpeg', width: 1280, height: 720, copy: false });
      assert.deepEqual(chooseV4l2Format(parse(fixture(`bcm2835-${tool}.txt`)), { width: 1640, height: 1232 }), {
        inputFormat: 'h264', codec: 'h264', width: 1640, height: 1232, copy: true,
      });
    });

    it(`prefers a cheaper codec only at the wanted size, else the nearest smaller size (${tool})`, () => {
      // 2304x1296 is offered raw only: the raw format at that size beats a compressed one at another.
      assert.equal(chooseV4l2Format(parse(fixture(`c920-${tool}.txt`)), { width: 2304, height: 1296 })?.inputFormat, 'yuyv422');
      // 1920x1080 is not offered by the cheap webcam: its MJPEG at 1280x720, scaled when encoded.
      assert.deepEqual(chooseV4l2Format(parse(fixture(`cheap-uvc-${tool}.txt`)), { width: 1920, height: 1080 }), {
        inputFormat: 'mjpeg', codec: 'mjpeg', width: 1280, height: 720, copy: false,
      });
    });
  }

  it('says so when a camera lists nothing usable', () => {
    assert.equal(chooseV4l2Format(parseFfmpegFormats('/dev/video0: Inappropriate ioctl for device\n'), HD), null);
    assert.equal(chooseV4l2Format([], HD), null);
  });
});

import { strict as assert } from 'node:assert';
import { encodeArgs, h264Encoder, probeEncoder } from '../../camera-agent/sources/encoder';
import { checkFfmpeg } from '../../cli/doctor/checks';

describe('H.264 encoder probe (real ffmpeg)', function () {
  this.timeout(60_000);

  it('encodes a real frame: libx264 works here, the Pi encoder does not (no /dev/video11), and doctor says what capture does', async () => {
    assert.equal((await probeEncoder('ffmpeg', 'libx264')).encoder, 'libx264');
    const hw = await probeEncoder('ffmpeg', 'h264_v4l2m2m');
    assert.equal(hw.encoder, 'libx264');
    assert.match(hw.reason, /h264_v4l2m2m could not encode a test frame/);
    const chosen = await h264Encoder('ffmpeg');
    assert.equal(await h264Encoder('ffmpeg'), chosen, 'probed once per process');
    const findings = checkFfmpeg({ version: 'ffmpeg version 5.1', encoders: ['libx264'], h264Encoder: chosen }, 'not-pi');
    assert.ok(findings.some((f) => f.message.includes(`use ${chosen.encoder}`)), JSON.stringify(findings));
  });

  it('gives the hardware encoder a bit rate and libx264 its preset, both with the keyframe interval', () => {
    assert.deepEqual(encodeArgs('h264_v4l2m2m', 15, 1280, 720).slice(0, 4), ['-c:v', 'h264_v4l2m2m', '-b:v', '2M']);
    const x = encodeArgs('libx264', 15, 1280, 720).join(' ');
    assert.match(x, /-preset ultrafast .*-keyint_min 15 .*-g 15 -vf scale=1280:720/);
  });
});

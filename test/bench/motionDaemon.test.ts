import { strict as assert } from 'node:assert';
import { motionLiveConfig, startMotionLive } from '../../bench/motionDaemon';

describe('Motion on a live camera (bench/motionDaemon.ts)', () => {
  const base = { url: 'rtsp://127.0.0.1:8554/sub', width: 640, height: 360, fps: 5, record: true, passthrough: true, workDir: '/tmp/motion-work' };

  it('writes one option a line: the stream over TCP, the recording choices and the threshold scaled to the frame', () => {
    const lines = motionLiveConfig({ ...base, highUrl: 'rtsp://127.0.0.1:8554/main' }).split('\n');
    for (const line of [
      'netcam_url rtsp://127.0.0.1:8554/sub',
      'netcam_params rtsp_transport=tcp',
      'netcam_high_url rtsp://127.0.0.1:8554/main',
      'netcam_high_params rtsp_transport=tcp',
      'width 640',
      'height 360',
      'framerate 5',
      // Motion's default 1500 changed pixels is for 640×480.
      'threshold 1125',
      'movie_output on',
      'movie_passthrough on',
      'target_dir /tmp/motion-work/movies',
    ]) {
      assert.ok(lines.includes(line), `missing "${line}"`);
    }
    const plain = motionLiveConfig({ ...base, record: false, passthrough: false });
    assert.ok(!plain.includes('netcam_high_url'));
    assert.ok(plain.includes('movie_output off') && plain.includes('movie_passthrough off'));
  });

  it('refuses what motion.conf cannot hold before starting anything', async () => {
    await assert.rejects(startMotionLive({ ...base, url: 'rtsp://127.0.0.1/a b' }), /rtsp:\/\/ URLs without spaces/);
    await assert.rejects(startMotionLive({ ...base, highUrl: 'http://127.0.0.1/main' }), /rtsp:\/\/ URLs/);
    await assert.rejects(startMotionLive({ ...base, width: 642 }), /multiples of 8/);
    await assert.rejects(startMotionLive({ ...base, fps: 2.5 }), /whole number/);
  });
});

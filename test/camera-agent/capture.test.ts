import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { parseConfig } from '../../common/config';
import { createLogger } from '../../common/logger';
import { Capture } from '../../camera-agent/capture';
import { captureArgs, parseSource, resolveSource, SourceError } from '../../camera-agent/videoSource';
import type { Fragment } from '../../common/fmp4';
import { makeTestMp4 } from '../helpers/media';
import { useTempDir } from '../helpers/tmp';

describe('capture (real ffmpeg)', function () {
  this.timeout(30_000);
  const tmp = useTempDir();

  it('parses every source form and names a bad one', () => {
    assert.deepEqual(parseSource('sim:porch'), { kind: 'sim', target: 'porch' });
    assert.deepEqual(parseSource('v4l2:/dev/video0'), { kind: 'v4l2', target: '/dev/video0' });
    assert.equal(parseSource('rtsp://cam.local/stream').kind, 'rtsp');
    assert.equal(parseSource('/srv/clip.mp4').kind, 'file');
    assert.throws(() => parseSource('v4l2:video0'), SourceError);
    assert.throws(() => parseSource('ftp://x/y'), SourceError);
  });

  it('copies an H.264 file without re-encoding and yields fragments plus analysis frames', async () => {
    makeTestMp4(tmp.dir, 3);
    const config = parseConfig({ agent: { source: path.join(tmp.dir, 'test.mp4') } }).agent;
    const source = await resolveSource(config);
    assert.equal(source.copyH264, true);
    assert.ok(captureArgs(source, config).join(' ').includes('-c:v copy'));

    const capture = new Capture(source, config, createLogger('capture-test', 'silent' as never));
    const fragments: Fragment[] = [];
    let frames = 0;
    let init: Buffer | undefined;
    await new Promise<void>((resolve) => {
      capture.on('stream', (s) => (init = s.init));
      capture.on('fragment', (f) => fragments.push(f));
      capture.on('frame', (f) => {
        assert.equal(f.data.length, 320 * 180);
        frames += 1;
      });
      capture.on('streamEnd', () => resolve());
      capture.start();
    });
    await capture.stop();
    assert.ok(init);
    assert.equal(fragments.length, 3);
    assert.ok(Math.abs(frames - 15) <= 2, `${frames} analysis frames for 3 s at 5 fps`);
  });

  it('refuses a missing file with a clear error', async () => {
    const config = parseConfig({ agent: { source: path.join(tmp.dir, 'nope.mp4') } }).agent;
    await assert.rejects(resolveSource(config), /does not exist/);
  });
});

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../common/config';
import { createLogger } from '../../common/logger';
import { Capture } from '../../camera-agent/capture';
import { captureArgs, parseSource, resolveSource, SourceError } from '../../camera-agent/videoSource';
import type { AnalysisFrame } from '../../camera-agent/capture';
import type { Fragment } from '../../common/fmp4';
import { makeTestMp4 } from '../helpers/media';
import { RecordingClock } from '../helpers/recordingClock';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

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

    const capture = new Capture(source, config, createLogger('capture-test', 'silent'));
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

  /** A moving test pattern at 15 fps with B-frames; `x264` sets how many and whether they are references. */
  function bFrameMp4(name: string, x264: string): string {
    const file = path.join(tmp.dir, name);
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=15:d=8',
      '-c:v', 'libx264', '-preset', 'veryfast', '-x264-params', x264, '-pix_fmt', 'yuv420p', file,
    ]);
    return file;
  }

  /** Runs a capture over a file until `streams` ffmpeg runs have ended; the frames of each run. */
  async function framesPerRun(file: string, streams: number): Promise<AnalysisFrame[][]> {
    const config = parseConfig({ agent: { source: file } }).agent;
    const capture = new Capture(await resolveSource(config), config, createLogger('capture-test', 'silent'));
    const runs: AnalysisFrame[][] = [];
    await new Promise<void>((resolve) => {
      capture.on('stream', () => runs.push([]));
      capture.on('frame', (f) => runs[runs.length - 1]?.push(f));
      capture.on('streamEnd', () => {
        if (runs.length >= streams) resolve();
      });
      capture.start();
    });
    await capture.stop();
    return runs;
  }

  const repeats = (frames: AnalysisFrame[]) => frames.filter((f, i) => i > 0 && Buffer.from(f.data).equals(Buffer.from(frames[i - 1]!.data))).length;

  it('skips decoding B-frames nothing refers to, and the analysis still sees a new picture every frame', async () => {
    const file = bFrameMp4('bframes.mp4', 'bframes=3:keyint=15:min-keyint=15:scenecut=0');
    const config = parseConfig({ agent: { source: file } }).agent;
    assert.ok(captureArgs(await resolveSource(config), config).join(' ').includes('-skip_frame noref'));
    const [frames] = await framesPerRun(file, 1);
    assert.ok(frames && Math.abs(frames.length - 40) <= 2, `${frames?.length} analysis frames for 8 s at 5 fps`);
    assert.equal(repeats(frames), 0);
  });

  it('decodes every frame of a stream whose reference frames are too sparse for the analysis rate', async () => {
    // One reference frame in eleven at 15 fps: skipping the rest would leave 1.4 pictures a second.
    const file = bFrameMp4('sparse.mp4', 'bframes=10:b-pyramid=none:b-adapt=0:keyint=33:min-keyint=33:scenecut=0');
    const runs = await framesPerRun(file, 2);
    assert.equal(runs.length, 2, 'ffmpeg restarted once');
    const second = runs[1]!;
    assert.ok(Math.abs(second.length - 40) <= 2, `${second.length} analysis frames for 8 s at 5 fps`);
    assert.equal(repeats(second), 0, 'every analysis frame is a new picture');
  });

  it('restarts a crashed ffmpeg with the shared backoff: 1 s, 2 s, … and from 1 s again once a run delivered video', async () => {
    makeTestMp4(tmp.dir, 1);
    const config = parseConfig({ agent: { source: path.join(tmp.dir, 'test.mp4') } }).agent;
    const source = await resolveSource(config);
    // An ffmpeg that crashes twice at start, then works.
    const ffmpeg = path.join(tmp.dir, 'flaky-ffmpeg');
    writeFileSync(
      ffmpeg,
      `#!/bin/sh\nn=$(cat "${tmp.dir}/runs" 2>/dev/null || echo 0)\necho $((n + 1)) > "${tmp.dir}/runs"\n[ "$n" -lt 2 ] && exit 1\nexec "${process.env.FFMPEG_PATH ?? 'ffmpeg'}" "$@"\n`,
    );
    chmodSync(ffmpeg, 0o755);
    const clock = new RecordingClock();
    const capture = new Capture(source, config, createLogger('capture-test', 'silent'), ffmpeg, { clock, random: () => 0.5 });
    let streams = 0;
    capture.on('stream', () => (streams += 1));
    capture.start();
    try {
      await until('first crash', () => clock.waits.length === 1);
      clock.advance(clock.waits[0]!);
      await until('second crash', () => clock.waits.length === 2);
      clock.advance(clock.waits[1]!);
      await until('a run that delivered video, then ended', () => clock.waits.length === 3, 20_000);
      assert.equal(streams, 1);
      assert.deepEqual(clock.waits, [1000, 2000, 1000]);
    } finally {
      await capture.stop();
    }
  });

  it('refuses a missing file with a clear error', async () => {
    const config = parseConfig({ agent: { source: path.join(tmp.dir, 'nope.mp4') } }).agent;
    await assert.rejects(resolveSource(config), /does not exist/);
  });
});

import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Capture } from '../../camera-agent/capture';
import type { VideoSource } from '../../camera-agent/videoSource';
import { parseConfig } from '../../common/config';
import { captureLog } from '../helpers/logCapture';
import { useTempDir } from '../helpers/tmp';

/*
 * A camera with a sub-stream is recorded and analysed by two ffmpegs (ffmpegRun.ts). One of
 * them hanging (a camera that keeps the connection but stops sending one stream) must not
 * leave the camera looking healthy while nothing is recorded, or nothing analysed.
 */

describe('a capture whose recording or analysis goes quiet alone', function () {
  this.timeout(60_000);
  const tmp = useTempDir();

  // Two paced test pictures stand in for a camera's main and sub-stream.
  const source: VideoSource = {
    kind: 'rtsp',
    description: 'stand-in camera with a sub-stream',
    inputArgs: ['-re', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=15'],
    copyH264: false,
    encoder: 'libx264',
    audio: null,
    analysisInputArgs: ['-re', '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=15'],
    analysedSize: { width: 160, height: 90 },
  };
  const config = parseConfig({ agent: { video: { width: 320, height: 180, fps: 15, keyframeSeconds: 1, analysisWidth: 160, analysisHeight: 90 }, detection: { enabled: false }, health: { stallSeconds: 3, connectSeconds: 6 } } }).agent;

  /** An "ffmpeg" that hangs (as a stuck RTSP read does) when it is the one writing `hangs`, and is ffmpeg otherwise. */
  async function ffmpegThatHangs(hangs: 'pipe:1' | 'pipe:3'): Promise<string> {
    const file = path.join(tmp.dir, `ffmpeg-hangs-${hangs.replace(':', '')}`);
    await fs.writeFile(file, `#!/bin/sh\ncase " $* " in *" ${hangs}"*) exec sleep 600 ;; esac\nexec ffmpeg "$@"\n`, { mode: 0o755 });
    return file;
  }

  async function run(ffmpeg: string, seconds: number) {
    const { log, lines } = captureLog();
    const capture = new Capture(source, config, log, ffmpeg, { random: () => 0.5 });
    let fragments = 0;
    let frames = 0;
    capture.on('fragment', () => (fragments += 1));
    capture.on('frame', () => (frames += 1));
    capture.start();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    await capture.stop();
    return { fragments, frames, lines };
  }

  it('restarts when the analysis stops while the recording goes on, and says which', async () => {
    const { fragments, frames, lines } = await run(await ffmpegThatHangs('pipe:3'), 10);
    assert.ok(fragments > 0, 'the recording ran');
    assert.equal(frames, 0);
    const stall = lines.find((l) => l.msg.includes("one of the camera's outputs stopped"));
    assert.ok(stall, JSON.stringify(lines.map((l) => l.msg)));
    assert.match(String(stall.detail), /no motion analysis frames for \d+ s while the other output kept coming/);
  });

  it('restarts when the recording stops while the analysis goes on', async () => {
    // Analysis frames come (the detail says so), though none is handed on: without the
    // recording's init segment nothing seen could be recorded.
    const { fragments, lines } = await run(await ffmpegThatHangs('pipe:1'), 10);
    assert.equal(fragments, 0);
    const stall = lines.find((l) => l.msg.includes("one of the camera's outputs stopped"));
    assert.ok(stall, JSON.stringify(lines.map((l) => l.msg)));
    assert.match(String(stall.detail), /no recording fragments for \d+ s/);
  });

  it('leaves a run alone while both keep coming', async () => {
    const { fragments, frames, lines } = await run('ffmpeg', 10);
    assert.ok(fragments >= 4 && frames >= 20, `${fragments} fragments, ${frames} frames`);
    assert.deepEqual(lines.filter((l) => /stopped|restarting|exited/.test(l.msg)).map((l) => l.msg), []);
  });
});

import { strict as assert } from 'node:assert';
import { yuv420pBytes } from '../../common/detection';
import { parseConfig } from '../../common/config';
import { analysisFrameTime } from '../../camera-agent/analysisClock';
import { DetectionFrames, detectionSize, gateCommand, parseTicks, type DetectionPicture } from '../../camera-agent/detectionFrames';
import { analysisArgs, captureArgs, type VideoSource } from '../../camera-agent/videoSource';

describe('detection pictures', () => {
  describe('size', () => {
    it('fits the analysed picture within 640 × 360 keeping its aspect, even on both sides', () => {
      assert.deepEqual(detectionSize({ width: 1920, height: 1080 }, 640), { width: 640, height: 360 });
      assert.deepEqual(detectionSize({ width: 1280, height: 720 }, 640), { width: 640, height: 360 });
      assert.deepEqual(detectionSize({ width: 704, height: 576 }, 640), { width: 440, height: 360 }, 'a 4:3-ish D1 sub-stream is bounded by the height');
      assert.deepEqual(detectionSize({ width: 2560, height: 1440 }, 480), { width: 480, height: 270 });
      assert.deepEqual(detectionSize({ width: 768, height: 576 }, 640), { width: 480, height: 360 });
      assert.deepEqual(detectionSize({ width: 2688, height: 1520 }, 640), { width: 636, height: 360 });
      const { width, height } = detectionSize({ width: 1366, height: 768 }, 640);
      assert.ok(width % 2 === 0 && height % 2 === 0, `${width}x${height}`);
    });

    it('never enlarges a small sub-stream', () => {
      assert.deepEqual(detectionSize({ width: 352, height: 288 }, 640), { width: 352, height: 288 });
      assert.deepEqual(detectionSize({ width: 640, height: 360 }, 640), { width: 640, height: 360 });
    });

    it('names a bad size', () => {
      assert.throws(() => detectionSize({ width: 0, height: 720 }, 640), /analysed picture's size/);
      assert.throws(() => detectionSize({ width: 1280, height: 720 }, 641), /detection width/);
    });
  });

  describe('capture arguments', () => {
    const rtsp: VideoSource = {
      kind: 'rtsp',
      description: 'test',
      inputArgs: ['-rtsp_transport', 'tcp', '-i', 'rtsp://cam/main'],
      copyH264: true,
      audio: null,
      analysisInputArgs: ['-rtsp_transport', 'tcp', '-i', 'rtsp://cam/sub'],
      analysedSize: { width: 704, height: 576 },
    };
    const config = (detection: Record<string, unknown> = {}) => parseConfig({ agent: { detection } }).agent;

    it('splits the analysed sub-stream once decoded into the motion frames (fd 3) and the gated detection pictures (fd 4, their ticks on fd 5)', () => {
      const args = analysisArgs(rtsp, config({ fps: 3 }))!;
      const graph = args[args.indexOf('-filter_complex') + 1]!;
      assert.equal(
        graph,
        '[0:v:0]split=2[a][d];[a]fps=5,scale=320:180:out_range=full,format=gray[analysis];' +
          '[d]fps=3,shuffleframes@detectiongate=mapping=-1,scale=440:360:out_range=tv,format=yuv420p,split=2[detection][dt];[dt]crop=2:2:0:0[ticks]',
      );
      assert.deepEqual(args.slice(-26), [
        '-map', '[analysis]', '-an', '-f', 'rawvideo', 'pipe:3',
        '-map', '[detection]', '-an', '-fps_mode', 'passthrough', '-f', 'rawvideo', 'pipe:4',
        '-map', '[ticks]', '-an', '-fps_mode', 'passthrough', '-c:v', 'rawvideo', '-flush_packets', '1', '-f', 'framecrc', 'pipe:5',
      ]);
      assert.deepEqual(args.filter((a) => a.startsWith('rtsp://')), ['rtsp://cam/sub'], 'the sub-stream is decoded once, not opened again');
      assert.ok(!args.includes('-nostdin'), 'the gate is opened by commands on stdin');
      assert.match(analysisArgs(rtsp, config(), { skipNonReference: true, detectionOpen: true })!.join(' '), /shuffleframes@detectiongate=mapping=-1:enable=0,/, 'open from the start while motion lasts');
    });

    it('records the main stream in an ffmpeg of its own with a sub-stream, so a closed gate cannot starve it', () => {
      const recording = captureArgs(rtsp, config());
      assert.deepEqual(recording.filter((a) => a.startsWith('rtsp://')), ['rtsp://cam/main']);
      assert.ok(recording.includes('-nostdin') && !recording.some((a) => /pipe:[345]/.test(a)), recording.join(' '));
      assert.equal(analysisArgs({ ...rtsp, analysisInputArgs: undefined }, config()), null, 'one ffmpeg without a sub-stream');
    });

    it('takes the main stream when there is no sub-stream, at its probed size', () => {
      const main: VideoSource = { ...rtsp, analysisInputArgs: undefined, analysedSize: { width: 1920, height: 1080 } };
      const graph = captureArgs(main, config({ width: 480 }))[captureArgs(main, config({ width: 480 })).indexOf('-filter_complex') + 1]!;
      assert.match(graph, /^\[0:v:0\]split=2\[a\]\[d\];.*\[d\]fps=2,shuffleframes@detectiongate=mapping=-1,scale=480:270:out_range=tv,format=yuv420p,split=2\[detection\]\[dt\];\[dt\]crop=2:2:0:0\[ticks\]$/);
    });

    it('without a probed size, uses the configured video size', () => {
      const sim: VideoSource = { kind: 'sim', description: 'sim', inputArgs: ['-f', 'lavfi', '-i', 'testsrc'], copyH264: false, encoder: 'libx264', audio: null };
      const args = captureArgs(sim, parseConfig({ agent: { video: { width: 800, height: 600 } } }).agent);
      assert.match(args.join(' '), /scale=480:360:out_range=tv,format=yuv420p,split=2\[detection\]/);
    });

    it('has no third output, and no split, with detection off', () => {
      const args = analysisArgs(rtsp, config({ enabled: false }))!;
      assert.ok(!args.includes('pipe:4') && !args.includes('-filter_complex'), args.join(' '));
      assert.ok(args.includes('-nostdin'), 'no commands to read');
      assert.deepEqual(args.slice(-8), ['-map', '0:v:0', '-an', '-vf', 'fps=5,scale=320:180:out_range=full,format=gray', '-f', 'rawvideo', 'pipe:3']);
    });

    it('bounds the detection settings in the config', () => {
      assert.deepEqual(config(), { ...config(), detection: { enabled: true, fps: 2, width: 640, intervalSeconds: 1 } });
      assert.throws(() => config({ fps: 0 }), /agent\.detection\.fps/);
      assert.throws(() => config({ fps: 6 }), /agent\.detection\.fps/);
      assert.throws(() => config({ width: 641 }), /agent\.detection\.width/);
      assert.throws(() => config({ width: 100 }), /agent\.detection\.width/);
      assert.throws(() => config({ intervalSeconds: 0.1 }), /agent\.detection\.intervalSeconds/);
      assert.throws(() => config({ intervalSeconds: 11 }), /agent\.detection\.intervalSeconds/);
    });
  });

  describe('the newest picture', () => {
    const size = { width: 64, height: 64 };
    const bytes = yuv420pBytes(64, 64);
    const picture = (fill: number) => Buffer.alloc(bytes, fill);
    const wall = (t: number) => 1_000_000 + Math.round(t * 1000);
    /** ffmpeg's framecrc line for the picture at `tick` (pts in 1/fps). */
    const tick = (n: number) => `0, ${String(n).padStart(10)}, ${String(n).padStart(10)},        1,        6, 0x02ae0144\n`;
    const ticks = (...n: number[]) => Buffer.from(n.map(tick).join(''));
    const fresh = () => {
      const frames = new DetectionFrames(2, 15);
      frames.restart(size, wall);
      return frames;
    };

    it('reads the ticks out of ffmpeg\'s framecrc text, however it is chunked', () => {
      const text = '#software: Lavf59.27.100\n#tb 0: 1/2\n#media_type 0: video\n' + tick(0) + tick(37);
      assert.deepEqual(parseTicks(text), { ticks: [0, 37], rest: '' });
      assert.deepEqual(parseTicks(text.slice(0, -20)), { ticks: [0], rest: tick(37).slice(0, -20) });
      assert.throws(() => parseTicks('garbage\n'), /has no tick/);
    });

    it('cuts the pipe into pictures however it is chunked, keeps only the newest, dated by its tick, not its place in the pipe', () => {
      const frames = fresh();
      assert.equal(frames.newest(), null);
      const stream = Buffer.concat([picture(1), picture(2), picture(3)]);
      // Pictures came out at ticks 40, 41 and 45: the gate was shut between.
      const text = ticks(40, 41, 45);
      // Chunks that straddle pictures and lines, as pipes deliver them.
      for (const [from, to] of [[0, 1000], [1000, bytes + 7], [bytes + 7, 3 * bytes - 1], [3 * bytes - 1, 3 * bytes]] as const) {
        assert.ok(frames.push(stream.subarray(from, to)));
        const at = Math.round((text.length * to) / (3 * bytes));
        assert.ok(frames.pushTicks(text.subarray(Math.round((text.length * from) / (3 * bytes)), at)));
      }
      const newest = frames.newest()!;
      assert.equal(newest.data.length, bytes);
      assert.ok(newest.data.every((b) => b === 3));
      assert.deepEqual({ width: newest.width, height: newest.height }, size);
      assert.equal(newest.frameAt, wall(analysisFrameTime(45, 2, 15)));
      assert.equal(newest.frameAt, 1_000_000 + Math.round((341 / 15) * 1000), 'tick 45 at 15 → 2 fps is camera frame 341');
    });

    it('a picture waits for its tick, and a tick for its picture', () => {
      const frames = fresh();
      frames.push(picture(5));
      assert.equal(frames.newest(), null, 'no tick yet: not dated, not given out');
      frames.pushTicks(ticks(8));
      assert.equal(frames.newest()!.frameAt, wall(analysisFrameTime(8, 2, 15)));
      frames.pushTicks(ticks(9));
      assert.ok(frames.newest()!.data.every((b) => b === 5), 'a tick alone is no picture');
      frames.push(picture(6));
      assert.ok(frames.newest()!.data.every((b) => b === 6));
      assert.equal(frames.newest()!.frameAt, wall(analysisFrameTime(9, 2, 15)));
    });

    it('pictures and ticks that no longer line up give no misdated picture, and say so', () => {
      const frames = fresh();
      let ok = true;
      for (let i = 0; i < 20 && ok; i++) ok = frames.push(picture(i));
      assert.equal(ok, false);
      assert.equal(frames.newest(), null);
      const again = fresh();
      assert.equal(again.pushTicks(Buffer.from('not a framecrc line\n')), false);
    });

    it('a kept picture is not overwritten by the next one filling', () => {
      const frames = fresh();
      frames.push(picture(7));
      frames.pushTicks(ticks(0));
      const kept = frames.newest()!;
      frames.push(picture(9).subarray(0, 100));
      assert.ok(kept.data.every((b) => b === 7));
    });

    it('tells a waiter of the next picture once; a cancelled waiter hears nothing', () => {
      const frames = fresh();
      const heard: number[] = [];
      frames.whenNext((p: DetectionPicture) => heard.push(p.data[0]!));
      const cancel = frames.whenNext(() => heard.push(-1));
      cancel();
      frames.push(Buffer.concat([picture(4), picture(5)]));
      frames.pushTicks(ticks(0, 1));
      assert.deepEqual(heard, [4]);
    });

    it('starts afresh with each ffmpeg run and forgets the picture when the stream ends', () => {
      const frames = fresh();
      frames.push(Buffer.concat([picture(1), picture(2)]));
      frames.pushTicks(ticks(0));
      frames.clear();
      assert.equal(frames.newest(), null);
      frames.restart({ width: 128, height: 72 }, wall);
      frames.pushTicks(ticks(3));
      frames.push(Buffer.alloc(yuv420pBytes(128, 72), 6));
      assert.equal(frames.newest()!.frameAt, wall(analysisFrameTime(3, 2, 15)), 'tick 3 of the new run, not a leftover of the old');
      assert.equal(frames.newest()!.width, 128);
    });

    it('tells the capture when pictures become wanted or not, once per change', () => {
      const frames = fresh();
      const heard: boolean[] = [];
      frames.onWantedChange((w) => heard.push(w));
      frames.setWanted(true);
      frames.setWanted(true);
      frames.setWanted(false);
      assert.deepEqual(heard, [true, false]);
      assert.equal(gateCommand(true), 'cshuffleframes@detectiongate -1 enable 0\n');
      assert.equal(gateCommand(false), 'cshuffleframes@detectiongate -1 enable 1\n');
    });
  });
});

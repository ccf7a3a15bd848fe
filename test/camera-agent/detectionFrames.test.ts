import { strict as assert } from 'node:assert';
import { yuv420pBytes } from '../../common/detection';
import { parseConfig } from '../../common/config';
import { analysisFrameTime } from '../../camera-agent/analysisClock';
import { DetectionFrames, detectionSize, type DetectionPicture } from '../../camera-agent/detectionFrames';
import { captureArgs, type VideoSource } from '../../camera-agent/videoSource';

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

    it('splits the analysed (sub-)stream once decoded into the motion frames (fd 3) and the detection pictures (fd 4)', () => {
      const args = captureArgs(rtsp, config({ fps: 3 }));
      const graph = args[args.indexOf('-filter_complex') + 1]!;
      assert.equal(graph, '[1:v:0]split=2[a][d];[a]fps=5,scale=320:180:out_range=full,format=gray[analysis];[d]fps=3,scale=440:360:out_range=tv,format=yuv420p[detection]');
      assert.deepEqual(args.slice(-12), ['-map', '[analysis]', '-an', '-f', 'rawvideo', 'pipe:3', '-map', '[detection]', '-an', '-f', 'rawvideo', 'pipe:4']);
      assert.equal(args.filter((a) => a === '-i').length, 2, 'the sub-stream is decoded once, not opened again');
    });

    it('takes the main stream when there is no sub-stream, at its probed size', () => {
      const main: VideoSource = { ...rtsp, analysisInputArgs: undefined, analysedSize: { width: 1920, height: 1080 } };
      const graph = captureArgs(main, config({ width: 480 }))[captureArgs(main, config({ width: 480 })).indexOf('-filter_complex') + 1]!;
      assert.match(graph, /^\[0:v:0\]split=2\[a\]\[d\];.*\[d\]fps=2,scale=480:270:out_range=tv,format=yuv420p\[detection\]$/);
    });

    it('without a probed size, uses the configured video size', () => {
      const sim: VideoSource = { kind: 'sim', description: 'sim', inputArgs: ['-f', 'lavfi', '-i', 'testsrc'], copyH264: false, encoder: 'libx264', audio: null };
      const args = captureArgs(sim, parseConfig({ agent: { video: { width: 800, height: 600 } } }).agent);
      assert.match(args.join(' '), /scale=480:360:out_range=tv,format=yuv420p\[detection\]/);
    });

    it('has no third output, and no split, with detection off', () => {
      const args = captureArgs(rtsp, config({ enabled: false }));
      assert.ok(!args.includes('pipe:4') && !args.includes('-filter_complex'), args.join(' '));
      assert.deepEqual(args.slice(-8), ['-map', '1:v:0', '-an', '-vf', 'fps=5,scale=320:180:out_range=full,format=gray', '-f', 'rawvideo', 'pipe:3']);
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

    it('cuts the pipe into pictures however it is chunked, keeps only the newest, dated by the camera frame it shows', () => {
      const frames = new DetectionFrames(2, 15);
      frames.restart(size);
      assert.equal(frames.newest(), null);
      const stream = Buffer.concat([picture(1), picture(2), picture(3)]);
      // Chunks that straddle pictures, as a pipe delivers them.
      for (const [from, to] of [[0, 1000], [1000, bytes + 7], [bytes + 7, 3 * bytes - 1], [3 * bytes - 1, 3 * bytes]] as const) frames.push(stream.subarray(from, to), wall);
      const newest = frames.newest()!;
      assert.equal(newest.data.length, bytes);
      assert.ok(newest.data.every((b) => b === 3));
      assert.deepEqual({ width: newest.width, height: newest.height }, size);
      assert.equal(newest.frameAt, wall(analysisFrameTime(2, 2, 15)));
      assert.equal(newest.frameAt, 1_000_000 + Math.round((18 / 15) * 1000), 'picture 2 at 15 → 2 fps is camera frame 18');
    });

    it('a kept picture is not overwritten by the next one filling', () => {
      const frames = new DetectionFrames(2, 15);
      frames.restart(size);
      frames.push(picture(7), wall);
      const kept = frames.newest()!;
      frames.push(picture(9).subarray(0, 100), wall);
      assert.ok(kept.data.every((b) => b === 7));
    });

    it('a picture taken (newest or a waiter) keeps its bytes however many follow; one nobody took is cut into again', () => {
      const frames = new DetectionFrames(2, 15);
      frames.restart(size);
      frames.push(picture(1), wall);
      const taken = frames.newest()!;
      let heard: DetectionPicture | undefined;
      frames.whenNext((p) => (heard = p));
      frames.push(picture(2), wall);
      for (let fill = 3; fill <= 6; fill++) frames.push(picture(fill), wall);
      assert.ok(taken.data.every((b) => b === 1), 'the picture taken with newest()');
      assert.ok(heard!.data.every((b) => b === 2), "the waiter's picture");
      // Pictures that went to nobody: at most two buffers serve them in turn.
      const buffers = new Set<ArrayBufferLike>();
      const latest = (): DetectionPicture => (frames as unknown as { latest: DetectionPicture }).latest;
      for (let fill = 7; fill <= 12; fill++) {
        frames.push(picture(fill), wall);
        buffers.add(latest().data.buffer);
      }
      assert.ok(buffers.size <= 2, `${buffers.size} buffers for six pictures nobody took`);
      assert.ok(frames.newest()!.data.every((b) => b === 12));
    });

    it('tells a waiter of the next picture once; a cancelled waiter hears nothing', () => {
      const frames = new DetectionFrames(2, 15);
      frames.restart(size);
      const heard: number[] = [];
      frames.whenNext((p: DetectionPicture) => heard.push(p.data[0]!));
      const cancel = frames.whenNext(() => heard.push(-1));
      cancel();
      frames.push(picture(4), wall);
      frames.push(picture(5), wall);
      assert.deepEqual(heard, [4]);
    });

    it('starts afresh with each ffmpeg run and forgets the picture when the stream ends', () => {
      const frames = new DetectionFrames(2, 15);
      frames.restart(size);
      frames.push(Buffer.concat([picture(1), picture(2)]), wall);
      frames.clear();
      assert.equal(frames.newest(), null);
      frames.restart({ width: 128, height: 72 });
      frames.push(Buffer.alloc(yuv420pBytes(128, 72), 6), wall);
      assert.equal(frames.newest()!.frameAt, wall(analysisFrameTime(0, 2, 15)), 'picture 0 of the new run');
      assert.equal(frames.newest()!.width, 128);
    });
  });
});

import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { generateFootageKeyPair } from '../../common/footageKeys';
import type { Fragment } from '../../common/fmp4';
import type { ClipUploadMeta, MotionEvent } from '../../common/protocol';
import type { FrameDetector } from '../../camera-agent/analysisStage';
import type { CaptureEvents } from '../../camera-agent/capture';
import { ClipRecorder } from '../../camera-agent/clipRecorder';
import { CameraPipeline, type FragmentConsumer } from '../../camera-agent/pipeline';
import { captureLog } from '../helpers/logCapture';
import { useTempDir } from '../helpers/tmp';

/*
 * The whole pipeline without ffmpeg: a fake feed emits what Capture emits (an init segment,
 * real moof/mdat fragments of one second, analysis frames at 5 fps), a fake detector sees
 * motion in frames marked so, and the real recorder writes encrypted clips to a temp spool.
 */

const FPS = 5;
const PRE_ROLL = 2;
const WALL_START = 1_700_000_000_000;

function box(type: string, ...body: Buffer[]): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.reduce((n, b) => n + b.length, 0), 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, ...body]);
}

/** One second of track 1 at 90 kHz starting at `start` s: moof(traf(tfhd, tfdt)) + mdat. */
function fragment(start: number): Fragment {
  const tfhd = Buffer.alloc(8);
  tfhd.writeUInt32BE(1, 4);
  const tfdt = Buffer.alloc(8);
  tfdt.writeUInt32BE(start * 90_000, 4);
  const data = Buffer.concat([box('moof', box('traf', box('tfhd', tfhd), box('tfdt', tfdt))), box('mdat', Buffer.from('video'))]);
  return { start, duration: 1, decodeTime: start * 90_000, timescale: 90_000, data };
}

/** Sees a region in every frame whose first byte is 1. */
class FakeDetector implements FrameDetector {
  disposed = false;
  process(gray: Uint8Array) {
    return gray[0] === 1 ? { regions: [{ x: 0.4, y: 0.4, w: 0.1, h: 0.1, area: 0.01 }], changedRatio: 0.01 } : { regions: [], changedRatio: 0 };
  }
  reset() {}
  dispose() {
    this.disposed = true;
  }
}

/** A hub that keeps the events it is sent. */
class FakeHub {
  events: MotionEvent[] = [];
  sendEvent(event: MotionEvent) {
    this.events.push(event);
    return Promise.resolve();
  }
}

/** A viewer (snapshots, live view) that notes what it was given, in order, into a shared log. */
function viewer(name: string, order: string[]): FragmentConsumer {
  return {
    onStream: () => order.push(`${name} stream`),
    onFragment: (f) => order.push(`${name} fragment ${f.start}`),
    onStreamEnd: () => order.push(`${name} end`),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('camera pipeline (no processes)', () => {
  const tmp = useTempDir();

  async function setup(opts: { retriggerSeconds?: number } = {}) {
    const feed = new EventEmitter<CaptureEvents>();
    const keys = await generateFootageKeyPair();
    const clips: ClipUploadMeta[] = [];
    const { log } = captureLog();
    const recorder = new ClipRecorder({ armed: true, preRollSeconds: PRE_ROLL, postRollSeconds: 1, clipSeconds: 30, endEarly: true }, tmp.dir, 'camera-1', keys.publicKey, log, (m) => clips.push(m));
    const hub = new FakeHub();
    const order: string[] = [];
    const detector = new FakeDetector();
    const pipeline = new CameraPipeline({
      feed,
      detector,
      fusion: null,
      recorder,
      viewers: [viewer('live', order)],
      events: hub,
      motion: { minDurationSeconds: 0.4, endAfterSeconds: 0.6, retriggerSeconds: opts.retriggerSeconds ?? 10 },
      analysisFps: FPS,
      log,
    });
    /** Plays `seconds` of stream; frames in [from, to) of each span in `moving` show motion. */
    const play = async (seconds: number, moving: Array<[number, number]>) => {
      feed.emit('stream', { init: box('ftyp', Buffer.alloc(8)), wallStart: WALL_START });
      for (let s = 0; s < seconds; s++) {
        for (let i = 0; i < FPS; i++) {
          const time = +(s + i / FPS).toFixed(3);
          feed.emit('frame', { time, data: new Uint8Array([moving.some(([a, b]) => time >= a && time < b) ? 1 : 0]) });
        }
        // A fragment comes out of ffmpeg once its second is over.
        feed.emit('fragment', fragment(s));
        await tick();
      }
      feed.emit('streamEnd');
      await recorder.stop();
    };
    return { feed, recorder, hub, clips, order, detector, pipeline, play };
  }

  it('a motion start sends the hub an event and records a clip with the pre-roll, counted from the last still frame', async () => {
    const { hub, clips, pipeline, play } = await setup();
    await play(12, [[5, 7]]);
    assert.deepEqual(hub.events, [
      { kind: 'start', mediaTime: 5, at: WALL_START + 5000, source: 'video', retrigger: false },
      { kind: 'end', mediaTime: 7, at: WALL_START + 7000, source: 'video' },
    ]);
    assert.equal(pipeline.motion.starts, 1);
    assert.equal(clips.length, 1, JSON.stringify(clips));
    const clip = clips[0];
    assert.ok(clip);
    // Motion at 5 s, one analysis frame earlier is 4.8 s, the pre-roll reaches back to 2.8 s:
    // the clip starts at the fragment that holds 2.8 s and runs past the post-roll.
    assert.equal(clip.mediaStart, 2);
    assert.ok(clip.mediaEnd >= 7 + 1 && clip.mediaEnd <= 10, `clip ends at ${clip.mediaEnd}`);
    assert.equal(clip.startedAt, WALL_START + 2000);
  });

  it('in privacy mode the hub hears of no motion at all', async () => {
    const { hub, pipeline, play } = await setup();
    pipeline.motion.setPrivacy(true);
    await play(10, [[3, 5]]);
    assert.deepEqual(hub.events, []);
    assert.equal(pipeline.motion.starts, 1, 'the camera still counts what it saw');
  });

  it('flags a start soon after the last end as a retrigger, and one later as new', async () => {
    const { hub, play } = await setup({ retriggerSeconds: 3 });
    await play(20, [
      [2, 3],
      [5, 6],
      [12, 13],
    ]);
    const starts = hub.events.filter((e) => e.kind === 'start');
    assert.deepEqual(
      starts.map((e) => [e.mediaTime, e.retrigger]),
      [
        [2, false],
        [5, true],
        [12, false],
      ],
    );
  });

  it('motion open when the stream ends ends with it, before the recorder and viewers hear the stream is over', async () => {
    const { hub, clips, order, play, pipeline } = await setup();
    await play(6, [[4, 99]]);
    assert.deepEqual(
      hub.events.map((e) => [e.kind, e.mediaTime]),
      [
        ['start', 4],
        ['end', 6],
      ],
    );
    assert.equal(pipeline.streamSeconds, 6);
    assert.equal(clips.length, 1);
    assert.equal(clips[0]?.mediaEnd, 6, 'the clip keeps every fragment up to the end of the stream');
    assert.deepEqual(order.slice(0, 3), ['live stream', 'live fragment 0', 'live fragment 1']);
    assert.equal(order.at(-1), 'live end');
  });

  it('a new stream starts its stream time afresh', async () => {
    const { feed, hub, pipeline, play } = await setup();
    await play(3, []);
    assert.equal(pipeline.streamSeconds, 3);
    feed.emit('stream', { init: box('ftyp', Buffer.alloc(8)), wallStart: WALL_START + 60_000 });
    assert.equal(pipeline.streamSeconds, 0);
    assert.deepEqual(hub.events, []);
  });

  it('dispose releases the detector', async () => {
    const { detector, pipeline } = await setup();
    pipeline.dispose();
    assert.equal(detector.disposed, true);
  });
});

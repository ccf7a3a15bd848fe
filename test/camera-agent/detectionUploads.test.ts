import { strict as assert } from 'node:assert';
import { yuv420pBytes, type DetectedObject, type DetectionFrameMeta } from '../../common/detection';
import { DetectionFrames } from '../../camera-agent/detectionFrames';
import { DetectionUploads, type UploadClock } from '../../camera-agent/detectionUploads';
import { HubRequestError } from '../../camera-agent/hubClient';
import { captureLog } from '../helpers/logCapture';

/** Timers run by hand. */
class ManualClock implements UploadClock {
  t = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== id);
  };
  get pending(): number {
    return this.timers.length;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}

/** A hub whose answers the test releases one by one. */
class FakeHub {
  sent: DetectionFrameMeta[] = [];
  private answers: Array<{ resolve: (o: DetectedObject[]) => void; reject: (e: Error) => void }> = [];
  uploadDetectionFrame(meta: DetectionFrameMeta, data: Uint8Array): Promise<DetectedObject[]> {
    assert.equal(data.length, yuv420pBytes(meta.width, meta.height));
    this.sent.push(meta);
    return new Promise((resolve, reject) => this.answers.push({ resolve, reject }));
  }
  get inFlight(): number {
    return this.answers.length;
  }
  answer(): void {
    this.answers.shift()!.resolve([]);
  }
  refuse(err: Error): void {
    this.answers.shift()!.reject(err);
  }
}

const flush = () => new Promise((r) => setImmediate(r));

describe('detection uploads', () => {
  let clock: ManualClock;
  let hub: FakeHub;
  let frames: DetectionFrames;
  let uploads: DetectionUploads;
  let logs: ReturnType<typeof captureLog>;
  let nextAt = 0;
  /** A decoded picture whose camera frame was at `at` (ms). */
  const picture = (at: number) => {
    nextAt = at;
    frames.push(Buffer.alloc(yuv420pBytes(64, 64)));
    frames.pushTicks(Buffer.from('0,          0,          0,        1,        6, 0x02ae0144\n'));
  };

  beforeEach(() => {
    clock = new ManualClock();
    hub = new FakeHub();
    frames = new DetectionFrames(2, 15);
    frames.restart({ width: 64, height: 64 }, () => nextAt);
    logs = captureLog();
    uploads = new DetectionUploads(frames, hub, 1000, logs.log, clock);
  });

  it('sends nothing while nothing moves, and nothing before the hub has the motion start', async () => {
    picture(500);
    picture(1000);
    assert.equal(hub.sent.length, 0);
    let accept!: () => void;
    uploads.motionStarted(900, new Promise<void>((r) => (accept = r)));
    await flush();
    assert.equal(hub.sent.length, 0, 'the event is not at the hub yet: its picture would be refused');
    accept();
    await flush();
    assert.deepEqual(hub.sent, [{ eventAt: 900, frameAt: 1000, width: 64, height: 64 }]);
  });

  it('sends the first picture taken at or after the start, then one a second while motion lasts, none after it ends', async () => {
    picture(9_600);
    uploads.motionStarted(10_000, Promise.resolve());
    await flush();
    assert.equal(hub.sent.length, 0, 'the newest picture is from before the start');
    clock.t = 10_200;
    picture(10_133);
    assert.deepEqual(hub.sent.map((m) => m.frameAt), [10_133]);
    hub.answer();
    await flush();
    clock.advance(300);
    picture(10_600);
    assert.equal(hub.sent.length, 1, 'one a second, not one a picture');
    clock.advance(700);
    assert.deepEqual(hub.sent.map((m) => m.frameAt), [10_133, 10_600], 'the newest at the interval');
    hub.answer();
    await flush();
    clock.advance(1000);
    assert.equal(hub.sent.length, 2, 'no newer picture yet: the same one is not sent again');
    picture(11_600);
    assert.deepEqual(hub.sent.map((m) => m.frameAt), [10_133, 10_600, 11_600]);
    hub.answer();
    await flush();
    uploads.motionEnded();
    clock.advance(5000);
    picture(16_000);
    await flush();
    assert.equal(hub.sent.length, 3, 'none after motion ended');
    assert.equal(clock.pending, 0, 'and no timer left behind');
    assert.ok(hub.sent.every((m) => m.eventAt === 10_000));
  });

  it('never has two uploads in flight: a slow hub gets the newest picture once it answers', async () => {
    picture(10_000);
    uploads.motionStarted(10_000, Promise.resolve());
    await flush();
    for (let t = 10_500; t <= 13_000; t += 500) {
      clock.advance(500);
      picture(t);
    }
    assert.equal(hub.inFlight, 1);
    assert.equal(hub.sent.length, 1);
    hub.answer();
    await flush();
    assert.deepEqual(hub.sent.map((m) => m.frameAt), [10_000, 13_000], 'the interval is long past: the newest goes at once');
  });

  it('none in privacy mode or with the camera\'s motion off; turning it on mid-event does not resume the event', async () => {
    uploads.setAllowed(false);
    picture(10_000);
    uploads.motionStarted(10_000, Promise.resolve());
    await flush();
    assert.equal(hub.sent.length, 0);
    uploads.setAllowed(true);
    picture(10_500);
    assert.equal(hub.sent.length, 0);
    uploads.motionStarted(20_000, Promise.resolve());
    await flush();
    picture(20_000);
    assert.equal(hub.sent.length, 1, 'the next event is sent');
    uploads.setAllowed(false);
    hub.answer();
    await flush();
    clock.advance(1000);
    picture(21_000);
    assert.equal(hub.sent.length, 1, 'privacy mode stops the event at once');
  });

  it('logs a failure once per event and drops the picture; a hub without a detector stops the event', async () => {
    uploads.motionStarted(10_000, Promise.resolve());
    await flush();
    picture(10_000);
    hub.refuse(new Error('connect ECONNREFUSED'));
    await flush();
    clock.advance(1000);
    picture(11_000);
    hub.refuse(new Error('connect ECONNREFUSED'));
    await flush();
    assert.equal(hub.sent.length, 2, 'a network failure: the next picture is tried');
    assert.equal(logs.messages('warn').length, 1, logs.messages('warn').join('\n'));
    clock.advance(1000);
    picture(12_000);
    hub.refuse(new HubRequestError(503, 'DETECTION_OFF', 'object detection is off on this hub'));
    await flush();
    clock.advance(3000);
    picture(15_000);
    assert.equal(hub.sent.length, 3, 'the hub runs no detector: nothing more this event');
    assert.equal(logs.messages('warn').length, 1);
    uploads.motionStarted(20_000, Promise.resolve());
    await flush();
    picture(20_000);
    assert.equal(hub.sent.length, 4, 'the next event tries again');
    hub.refuse(new Error('socket hang up'));
    await flush();
    assert.equal(logs.messages('warn').length, 2, 'logged once for the new event');
    assert.ok(!logs.lines.some((l) => JSON.stringify(l).includes('"data"')), 'pictures are never logged');
  });

  it('a new event waits for the previous event\'s upload still in flight', async () => {
    uploads.motionStarted(10_000, Promise.resolve());
    await flush();
    picture(10_000);
    uploads.motionEnded();
    uploads.motionStarted(12_000, Promise.resolve());
    await flush();
    picture(12_000);
    assert.equal(hub.sent.length, 1);
    hub.answer();
    await flush();
    assert.deepEqual(hub.sent.map((m) => m.eventAt), [10_000, 12_000]);
  });

  it('an event refused by the hub (not sent) gets no pictures; nor one that ended before the hub took it', async () => {
    uploads.motionStarted(10_000, Promise.reject(new Error('hub down')));
    await flush();
    picture(10_000);
    let accept!: () => void;
    uploads.motionStarted(11_000, new Promise<void>((r) => (accept = r)));
    uploads.motionEnded();
    accept();
    await flush();
    picture(11_500);
    assert.equal(hub.sent.length, 0);
  });

  it('pictures are wanted (ffmpeg makes them) only from motion start to its end, never in privacy mode or after the hub refused', async () => {
    const wanted: boolean[] = [];
    frames.onWantedChange((w) => wanted.push(w));
    assert.equal(frames.wanted, false, 'nothing moves: no pictures are made');
    let accept!: () => void;
    uploads.motionStarted(10_000, new Promise<void>((r) => (accept = r)));
    assert.deepEqual(wanted, [true], 'wanted at once, before the hub has the start, so the first picture is ready');
    accept();
    await flush();
    uploads.motionEnded();
    assert.deepEqual(wanted, [true, false], 'motion ended');
    uploads.motionStarted(11_000, Promise.reject(new Error('hub down')));
    await flush();
    assert.deepEqual(wanted, [true, false, true, false], 'the hub did not take the start: it would refuse the pictures');
    uploads.motionStarted(12_000, Promise.resolve());
    await flush();
    picture(12_000);
    hub.refuse(new HubRequestError(503, 'DETECTION_OFF', 'object detection is off on this hub'));
    await flush();
    assert.deepEqual(wanted, [true, false, true, false, true, false], 'the hub runs no detector');
    uploads.motionStarted(13_000, Promise.resolve());
    uploads.setAllowed(false);
    assert.deepEqual(wanted.slice(-2), [true, false], 'privacy mode');
    uploads.motionStarted(14_000, Promise.resolve());
    await flush();
    assert.equal(frames.wanted, false, 'a start in privacy mode wants none');
  });
});

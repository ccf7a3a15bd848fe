import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { pairWithHub } from '../../camera-agent/hubClient';
import { DETECTION_META_HEADER, yuv420pBytes, type DetectedObject, type DetectionFrame, type ObjectDetector } from '../../common/detection';
import { listNotices } from '../../common/notices';
import type { PairResponse } from '../../common/protocol';
import { alertTime } from '../../hub/alerts';
import { defaultTimeZone } from '../../hub/arming/armingStore';
import { HOLD_MS } from '../../hub/objectAlertHold';
import { openPairingWindow } from '../../hub/pairing';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { FixedAnswerDetectorDouble } from '../helpers/objectDetectorDouble';
import { useTempDir } from '../helpers/tmp';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver';
import { sleep, until } from '../helpers/wait';

const person: DetectedObject = { label: 'person', cocoClass: 'person', score: 0.9, box: [0.4, 0.3, 0.1, 0.4] };
const car: DetectedObject = { label: 'vehicle', cocoClass: 'car', score: 0.8, box: [0.1, 0.5, 0.3, 0.2] };

/** TEST DOUBLE: a detector that fails on every picture (the route answers 500), as a broken model would. */
class FailingDetectorDouble implements ObjectDetector {
  readonly model = 'failing-test-double';
  readonly backend = 'none';
  async detect(_frame: DetectionFrame): Promise<DetectedObject[]> {
    throw new Error('the test double always fails');
  }
  async close(): Promise<void> {}
}

/** TEST DOUBLE: a detector whose model takes `loadMs` to load (as CenterNet does as a hub starts), then answers with `answer`. */
class SlowLoadingDetectorDouble implements ObjectDetector {
  readonly model = 'slow-loading-test-double';
  readonly backend = 'none';
  loading = true;
  private readonly loaded: Promise<void>;
  constructor(loadMs: number, private readonly answer: DetectedObject[]) {
    this.loaded = sleep(loadMs).then(() => {
      this.loading = false;
    });
  }
  async detect(_frame: DetectionFrame): Promise<DetectedObject[]> {
    await this.loaded;
    return this.answer;
  }
  async close(): Promise<void> {}
}

describe('object alerts: what the detector saw decides the motion notice, on a real hub', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub | undefined;
  let cam: PairResponse;
  let owner: SignedIn;
  let receiver: WebhookReceiver;
  const received = () => receiver.received;

  const hub = () => t!;
  const auth = () => ({ authorization: `Bearer ${cam.token}` });
  const motion = (kind: 'start' | 'end', at: number) => call(hub().base, 'POST', '/api/device/events', { body: JSON.stringify({ kind, mediaTime: 1, at }), headers: { ...auth(), 'content-type': 'application/json' } });
  const upload = (eventAt: number, frameAt: number) =>
    call(hub().base, 'POST', '/api/device/detection-frames', {
      body: Buffer.alloc(yuv420pBytes(320, 180), 0x80),
      headers: { ...auth(), 'content-type': 'application/octet-stream', [DETECTION_META_HEADER]: JSON.stringify({ eventAt, frameAt, width: 320, height: 180 }) },
    });
  const motionNotices = () => {
    const { id } = hub().db.prepare("SELECT id FROM users WHERE username = 'owner'").get() as { id: number };
    return listNotices(hub().db, id).filter((n) => n.kind === 'motion');
  };

  async function start(detector: ObjectDetector | null, hubOverrides: Record<string, unknown> = {}): Promise<void> {
    t = await startTestHub(path.join(tmp.dir, `hub-${Date.now()}`), hubOverrides, undefined, {}, detector);
    await addTestUser(hub().db, 'owner');
    owner = await signIn(hub().base, 'owner', PASSWORDS.owner);
    const prefs = await call(hub().base, 'PUT', '/api/me/notifications', { body: JSON.stringify({ motion: 'all' }), headers: { ...owner.headers, ...JSON_HEADERS } });
    assert.equal(prefs.status, 200);
    cam = await pairWithHub(hub().base, (await openPairingWindow(hub().db, 60_000)).code, 'porch');
  }

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    await receiver.close();
  });

  it('a person (and a car): one "Person and vehicle at the porch, HH:MM" notice, and an objects.detected webhook with the labels', async () => {
    const detector = new FixedAnswerDetectorDouble();
    await start(detector);
    const url = receiver.url;
    const added = await call(hub().base, 'POST', '/api/webhooks', { body: JSON.stringify({ url, events: ['motion.started', 'objects.detected'] }), headers: { ...owner.headers, ...JSON_HEADERS } });
    assert.equal(added.status, 201, added.body.toString());

    const eventAt = Date.UTC(2026, 6, 1, 12, 32, 5);
    assert.equal((await motion('start', eventAt)).status, 200);
    await until('motion.started, as before', () => received().some((r) => r.event === 'motion.started'));
    assert.deepEqual(motionNotices(), [], 'the notice waits for the detector');
    detector.answers.push([], [person, car], [person]);
    for (let i = 1; i <= 3; i++) assert.equal((await upload(eventAt, eventAt + i * 1000)).status, 200);
    const words = `Person and vehicle at the porch, ${alertTime(eventAt, defaultTimeZone())}`;
    await until('the object notice', () => motionNotices().length > 0);
    await motion('end', eventAt + 5000);
    await until('objects.detected', () => received().some((r) => r.event === 'objects.detected'));
    await sleep(300);
    assert.deepEqual(motionNotices().map((n) => n.message), [`${words}.`], 'one notice for the event');
    const hooks = received().filter((r) => r.event === 'objects.detected');
    assert.equal(hooks.length, 1);
    const data = JSON.parse(hooks[0]!.body).data;
    assert.deepEqual(data, {
      camera: { id: cam.deviceId, name: 'porch' },
      eventAt: new Date(eventAt).toISOString(),
      labels: [
        { label: 'person', cocoClass: 'person', score: 0.9, box: [0.4, 0.3, 0.1, 0.4], frameAt: new Date(eventAt + 2000).toISOString() },
        { label: 'vehicle', cocoClass: 'car', score: 0.8, box: [0.1, 0.5, 0.3, 0.2], frameAt: new Date(eventAt + 2000).toISOString() },
      ],
      words: 'Person and vehicle at the porch',
    });
    assert.equal(received().filter((r) => r.event === 'motion.started').length, 1);
  });

  it('answers that held nothing: no notice, neither when the hold runs out nor at the end', async () => {
    await start(new FixedAnswerDetectorDouble([]));
    const eventAt = 70_000;
    await motion('start', eventAt);
    assert.equal((await upload(eventAt, eventAt + 500)).status, 200);
    await sleep(HOLD_MS + 500);
    await motion('end', eventAt + 6000);
    await sleep(300);
    assert.deepEqual(motionNotices(), []);
  });

  it('a model still loading as the hub starts: no plain notice for motion it has not looked at yet; once loaded, what it saw decides', async () => {
    // The attacker is the night's first gust of wind: a hub just restarted must not send "Motion" for it.
    const loadMs = HOLD_MS + 3000;
    await start(new SlowLoadingDetectorDouble(loadMs, []));
    const eventAt = 75_000;
    await motion('start', eventAt);
    const answered = upload(eventAt, eventAt + 500);
    await motion('end', eventAt + 1500);
    await sleep(HOLD_MS + 1000);
    assert.deepEqual(motionNotices(), [], 'neither the hold running out nor the end sends the plain notice while the model loads');
    assert.equal((await answered).status, 200, 'the picture is answered once the model is in');
    await sleep(HOLD_MS + 1000);
    assert.deepEqual(motionNotices(), [], 'an empty answer after loading sends nothing');
  });

  it('a model still loading that then finds a person: the person notice, not the plain one', async () => {
    await start(new SlowLoadingDetectorDouble(HOLD_MS + 2000, [person]));
    const eventAt = 76_000;
    await motion('start', eventAt);
    assert.equal((await upload(eventAt, eventAt + 500)).status, 200);
    await until('the person notice', () => motionNotices().length === 1);
    assert.match(motionNotices()[0]!.message, /^Person at the porch/);
    await sleep(HOLD_MS + 500);
    assert.equal(motionNotices().length, 1, 'and no plain notice after it');
  });

  it('a vehicle on a camera that alerts on people only: no notice', async () => {
    await start(new FixedAnswerDetectorDouble([car]), { detection: { alertOn: ['person'] } });
    const eventAt = 80_000;
    await motion('start', eventAt);
    assert.equal((await upload(eventAt, eventAt + 500)).status, 200);
    await motion('end', eventAt + 2000);
    await sleep(300);
    assert.deepEqual(motionNotices(), []);
  });

  it('a detector that never answers (fails on every picture): the plain motion notice once the hold runs out, or at the end', async () => {
    await start(new FailingDetectorDouble());
    const eventAt = 90_000;
    await motion('start', eventAt);
    assert.equal((await upload(eventAt, eventAt + 500)).status, 500);
    await sleep(200);
    assert.deepEqual(motionNotices(), [], 'held until the hold runs out');
    await until('the plain notice', () => motionNotices().length === 1);
    assert.match(motionNotices()[0]!.message, /^Motion on porch at /);
    // The next event ends before the hold runs out: the plain notice at once, after the cooldown.
    hub().clock.advance(10 * 60_000);
    await motion('start', eventAt + 100_000);
    await motion('end', eventAt + 101_000);
    await until('the plain notice at the end', () => motionNotices().length === 2, HOLD_MS - 1000);
  });

  it('a hub without a detector (pictures answered 503), or a camera with detection off: the motion notice at once, as before', async () => {
    await start(null);
    await motion('start', 100_000);
    assert.equal((await upload(100_000, 100_500)).status, 503);
    await until('the plain notice', () => motionNotices().length === 1, HOLD_MS - 1000);
    await t!.stop();
    t = undefined;
    await start(new FixedAnswerDetectorDouble([person]), { detection: { classes: [], alertOn: [] } });
    await motion('start', 110_000);
    await until('the plain notice, detection off', () => motionNotices().length === 1, HOLD_MS - 1000);
    assert.match(motionNotices()[0]!.message, /^Motion on porch at /);
  });
});

import { strict as assert } from 'node:assert';
import { pairWithHub } from '../../camera-agent/hubClient';
import { hubPaths } from '../../common/dataLayout';
import { openDatabase } from '../../common/database';
import { DETECTION_META_HEADER, yuv420pBytes, type DetectedObject, type DetectionFrame, type ObjectDetector } from '../../common/detection';
import { openPairingWindow } from '../../hub/pairing';
import { call } from '../helpers/https';
import { startTestHub } from '../helpers/hub';
import { useTempDir } from '../helpers/tmp';
import { sleep } from '../helpers/wait';

/** TEST DOUBLE: a detector that takes `ms` per picture, finds a person, and notes whether it was closed mid-answer. */
class SlowDetectorDouble implements ObjectDetector {
  readonly model = 'slow-test-double';
  readonly backend = 'none';
  closedWhileBusy = false;
  private busy = 0;
  constructor(private readonly ms: number) {}
  async detect(_frame: DetectionFrame): Promise<DetectedObject[]> {
    this.busy += 1;
    await sleep(this.ms);
    this.busy -= 1;
    return [{ label: 'person', cocoClass: 'person', score: 0.9, box: [0.4, 0.3, 0.1, 0.4] }];
  }
  async close(): Promise<void> {
    if (this.busy > 0) this.closedWhileBusy = true;
  }
}

describe('hub stop: requests still being handled finish before the detector and the database close', function () {
  this.timeout(60_000);
  const tmp = useTempDir();

  it('a picture with the detector when the hub stops is answered and its label stored, not cut off against a closed database', async () => {
    const detector = new SlowDetectorDouble(1500);
    const t = await startTestHub(tmp.dir, {}, undefined, {}, detector);
    const cam = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'porch');
    const auth = { authorization: `Bearer ${cam.token}` };
    const eventAt = 50_000;
    const started = await call(t.base, 'POST', '/api/device/events', { body: JSON.stringify({ kind: 'start', mediaTime: 1, at: eventAt }), headers: { ...auth, 'content-type': 'application/json' } });
    assert.equal(started.status, 200);
    const picture = call(t.base, 'POST', '/api/device/detection-frames', {
      body: Buffer.alloc(yuv420pBytes(320, 180), 0x80),
      headers: { ...auth, 'content-type': 'application/octet-stream', [DETECTION_META_HEADER]: JSON.stringify({ eventAt, frameAt: eventAt + 500, width: 320, height: 180 }) },
    }).catch((err: Error) => err);
    await sleep(400);
    await t.stop();
    await picture; // cut by the stop: the camera would send the next one to the restarted hub
    assert.equal(detector.closedWhileBusy, false, 'the detector was not closed under a picture');
    const db = openDatabase(hubPaths(tmp.dir).db);
    try {
      const labels = db.prepare('SELECT coco_class FROM motion_labels WHERE event_at = ?').all(eventAt) as Array<{ coco_class: string }>;
      assert.deepEqual(labels.map((l) => l.coco_class), ['person'], 'the answer given during the stop is kept');
    } finally {
      db.close();
    }
  });
});

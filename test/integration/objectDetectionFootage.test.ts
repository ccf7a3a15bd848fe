import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { CameraAgent } from '../../camera-agent/agent';
import { pairCamera } from '../../camera-agent/pairCamera';
import { parseConfig } from '../../common/config';
import { MIN_SCORE_BOUND } from '../../common/detectionSettings';
import { openPairingWindow } from '../../hub/pairing';
import type { ObjectsNotice } from '../../hub/motionLabels';
import { WorkerDetector } from '../../hub/objectDetection/workerDetector';
import { OPENCV_SAMPLES_DIR } from '../../bench/labelledFootage';
import { startTestHub, type TestHub } from '../helpers/hub';
import { captureLog } from '../helpers/logCapture';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/*
 * Real footage in, "person" out: a camera agent plays opencv-doc's vtest.avi (a campus CCTV
 * view, people walking) as its camera, sends its pictures while motion lasts, and the hub's
 * real detector (CenterNet in its worker, the model from the npm package) files a person under
 * the motion event. Nothing here is a double.
 */
describe('object detection on real footage: camera → hub → "person"', function () {
  this.timeout(180_000);
  const tmp = useTempDir();
  let t: TestHub | undefined;
  let agent: CameraAgent | undefined;
  afterEach(async () => {
    await agent?.stop();
    await t?.stop();
  });

  it('files a person, with score and box, under the motion event the footage raised', async () => {
    const loaded: Array<{ model: string; backend: string }> = [];
    const detector = new WorkerDetector({ minScore: MIN_SCORE_BOUND.min, onLoaded: (info) => loaded.push(info) });
    t = await startTestHub(path.join(tmp.dir, 'hub'), {}, undefined, {}, detector);
    const hub = t;
    const notices: ObjectsNotice[] = [];
    hub.hub.events.on('objects', (n: ObjectsNotice) => notices.push(n));
    const agentDir = path.join(tmp.dir, 'agent');
    const identity = await pairCamera(agentDir, hub.base, openPairingWindow(hub.db, 60_000).code, 'campus');
    agent = new CameraAgent(parseConfig({ dataDir: agentDir, agent: { name: 'campus', source: path.join(OPENCV_SAMPLES_DIR, 'vtest.avi'), video: { width: 768, height: 576 } } }), captureLog().log);
    await agent.start();

    const person = await until(
      'a person filed under a motion event',
      () =>
        hub.db
          .prepare("SELECT l.event_at AS eventAt, l.frame_at AS frameAt, l.score, l.box_x AS x, l.box_y AS y, l.box_w AS w, l.box_h AS h FROM motion_labels l WHERE l.device_id = ? AND l.label = 'person'")
          .get(identity.deviceId) as { eventAt: number; frameAt: number; score: number; x: number; y: number; w: number; h: number } | undefined,
      150_000,
      250,
    );
    const start = hub.db.prepare("SELECT at FROM motion_events WHERE device_id = ? AND kind = 'start' AND at = ?").get(identity.deviceId, person.eventAt);
    assert.ok(start, 'the label belongs to a motion start the camera reported');
    assert.ok(person.score >= MIN_SCORE_BOUND.min && person.score <= 1, `score ${person.score}`);
    // vtest's people are 45–140 px tall in 576: a box of a standing person, inside the picture.
    assert.ok(person.h > 0.05 && person.h < 0.5 && person.w < person.h, `person box ${JSON.stringify(person)}`);
    assert.ok(person.x >= 0 && person.y >= 0 && person.x + person.w <= 1 + 1e-9 && person.y + person.h <= 1 + 1e-9);
    assert.ok(person.frameAt >= person.eventAt, 'the picture is of the event, not before it');
    assert.deepEqual(loaded.map((l) => l.model), ['centernet'], 'the model loaded once');
    assert.ok(['wasm', 'tensorflow'].includes(loaded[0]!.backend), `backend ${loaded[0]!.backend}`);
    assert.ok(notices.some((n) => n.deviceName === 'campus' && n.objects.some((o) => o.label === 'person')), 'an objects event went out for notifications and MQTT');
  });

  it('loads the model when the hub starts with cameras paired, before any picture arrives', async () => {
    const hubDir = path.join(tmp.dir, 'hub');
    t = await startTestHub(hubDir);
    await pairCamera(path.join(tmp.dir, 'agent'), t.base, openPairingWindow(t.db, 60_000).code, 'campus');
    await t.stop();
    t = undefined;
    const loaded: Array<{ model: string; backend: string }> = [];
    const detector = new WorkerDetector({ onLoaded: (info) => loaded.push(info) });
    t = await startTestHub(hubDir, {}, undefined, {}, detector);
    await until('the model loaded with no picture sent', () => loaded[0], 60_000, 100);
    assert.equal(loaded[0]!.model, 'centernet');
  });

  it('does not load the model for a hub with no camera', async () => {
    const detector = new WorkerDetector();
    t = await startTestHub(path.join(tmp.dir, 'hub'), {}, undefined, {}, detector);
    // The load would start as the hub starts; its worker would be up by now.
    assert.equal(detector.running, false, 'no worker, no model in memory');
  });
});

import { strict as assert } from 'node:assert';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ClipPage } from '../../common/api/clips';
import { OPENCV_SAMPLES_DIR } from '../../common/config';
import { openDatabase } from '../../common/database';
import type { HubRuntime } from '../../hub/hub';
import { runDemo, type DemoCamera, type DemoSummary } from '../../simulator/demo';
import { WALKWAY_CAMERA } from '../../simulator/demoFootage';
import { call } from '../helpers/https';
import { signIn } from '../helpers/hub';
import { skipBecause } from '../helpers/skip';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/*
 * The demo's walkway camera as the demo runs it: its agent plays the campus-walkway scene
 * (real footage) as a separate process, the demo's hub runs the real detector (CenterNet from
 * the npm package), and the owner signed in to the hub's API finds the walk filed as a clip
 * labelled "person" under the timeline's "people only" filter, and a "Person at the walkway"
 * notice; beside it, the porch camera's drawn walker is looked at and labelled nothing.
 * objectDetectionFootage.test.ts covers a camera reading the file directly; this is the
 * simulator's scene, end to end, as `npm run demo` shows it.
 */
const PORCH: DemoCamera = { name: 'porch', scene: 'person-walks', video: { width: 640, height: 360 } };
describe('demo: the walkway camera (real footage) → a clip labelled "person" and an alert', function () {
  this.timeout(240_000);
  const tmp = useTempDir();

  it('labels the first walk "person" in the timeline and tells the owner; the drawn walker gets no label', async function () {
    if (!existsSync(path.join(OPENCV_SAMPLES_DIR, 'vtest.avi'))) skipBecause(this, 'opencv-doc is not installed (scripts/test-setup.sh installs it)');
    const dataDir = path.join(tmp.dir, 'demo');
    const said: string[] = [];
    // The first walk starts 18 s in and lasts 12 s; the rest is for the model to load on a busy machine and the clip to close.
    const demo = runDemo({ dataDir, duration: 50, cameras: [PORCH, WALKWAY_CAMERA], say: (line) => said.push(line) });
    let summary: DemoSummary | undefined;
    demo.then((s) => (summary = s)).catch(() => undefined);

    // While the demo runs: the owner asks the hub's API for clips with people in them.
    const runtime = await until(
      'the demo hub to listen',
      async () => JSON.parse(await fs.readFile(path.join(dataDir, 'hub', 'run', 'hub.json'), 'utf8').catch(() => 'null')) as HubRuntime | null,
      60_000,
      200,
    );
    const base = `https://127.0.0.1:${runtime.httpsPort}/`;
    const login = await until('the demo login', async () => JSON.parse(await fs.readFile(path.join(dataDir, 'demo-login.json'), 'utf8').catch(() => 'null')) as { username: string; password: string } | null, 10_000, 100);
    const owner = await signIn(base, login.username, login.password);
    const clip = await until(
      'a walkway clip under the "people only" filter',
      async () => {
        if (summary) return { done: true } as const;
        const res = await call(base, 'GET', '/api/clips?labels=person', { headers: owner.headers });
        assert.equal(res.status, 200, res.body.toString());
        return (res.json() as ClipPage).clips.find((c) => c.deviceName === 'walkway');
      },
      120_000,
      1000,
    );
    assert.ok(!('done' in clip), 'the demo ended before a clip labelled "person" reached the timeline');
    const person = clip.labels.find((l) => l.label === 'person');
    assert.ok(person && person.score > 0 && person.score <= 1, `labels ${JSON.stringify(clip.labels)}`);
    const notices = await call(base, 'GET', '/api/me/notices', { headers: owner.headers });
    assert.ok(
      (notices.json() as { notices: Array<{ message: string }> }).notices.some((n) => /^Person (and vehicle )?at the walkway, \d\d:\d\d\.$/.test(n.message)),
      `notices: ${notices.body.toString()}`,
    );

    const result = await demo;
    const walkway = result.cameras.find((c) => c.name === 'walkway');
    assert.ok(walkway, JSON.stringify(result));
    assert.ok((walkway.labelledEvents.person ?? 0) >= 1, `summary: ${JSON.stringify(walkway)}`);
    assert.ok(walkway.eventsCovered >= 1, 'the walk is covered by a clip');
    assert.ok(said.some((l) => l.includes('"Person at the walkway" alerts')), said.join('\n'));
    assert.ok(said.some((l) => l.includes('porch shows drawn shapes')), said.join('\n'));
    // The drawn rectangle: the detector answered for its motion, and found no one.
    const porch = result.cameras.find((c) => c.name === 'porch');
    assert.ok(porch && porch.motionEvents >= 1, JSON.stringify(porch));
    assert.deepEqual(porch.labelledEvents, {});
    const db = openDatabase(path.join(dataDir, 'hub', 'hub.db'));
    try {
      const answered = db
        .prepare("SELECT COUNT(*) AS n FROM motion_detection_answers a JOIN devices d ON d.id = a.device_id WHERE d.name = 'porch'")
        .get() as { n: number };
      assert.ok(answered.n >= 1, 'the porch\'s pictures were looked at');
    } finally {
      db.close();
    }
  });
});

import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { findFootageScene } from '../../camera-agent/footageScenes';
import { parseConfig } from '../../common/config';
import { DEFAULT_CAMERAS } from '../../simulator/demo';
import { demoAgentSection, detectionLines, FOOTAGE_CACHE_DIR, FOOTAGE_DIRS, locateFootage, planDemoCameras, WALKWAY_CAMERA } from '../../simulator/demoFootage';
import { useTempDir } from '../helpers/tmp';

/*
 * The demo's real-footage camera, set up from wherever vtest.avi is (no process runs here;
 * test/integration/demoFootage.test.ts runs it).
 */
describe('the demo\'s real-footage camera', () => {
  const tmp = useTempDir();
  const walkway = findFootageScene(WALKWAY_CAMERA.scene)!;
  let installed: string;
  let cache: string;
  beforeEach(async () => {
    installed = path.join(tmp.dir, 'opencv-doc');
    cache = path.join(tmp.dir, 'cache');
    await fs.mkdir(installed);
    await fs.mkdir(cache);
  });
  const put = (dir: string) => fs.writeFile(path.join(dir, 'vtest.avi'), 'footage');

  it('looks in opencv-doc\'s folder first, then in the cache scripts/demo-footage.sh fills', async () => {
    assert.deepEqual(FOOTAGE_DIRS, ['/usr/share/doc/opencv-doc/examples/data', FOOTAGE_CACHE_DIR]);
    assert.ok(FOOTAGE_CACHE_DIR.endsWith(path.join('.cache', 'footage')));
    await put(cache);
    assert.deepEqual(locateFootage(walkway, [installed, cache]), { found: true, dir: cache, file: path.join(cache, 'vtest.avi') });
    await put(installed);
    assert.deepEqual(locateFootage(walkway, [installed, cache]), { found: true, dir: installed, file: path.join(installed, 'vtest.avi') });
  });

  it('runs a walkway camera playing the file it found, at the footage\'s own size, with a config the agent accepts', async () => {
    await put(cache);
    const plan = planDemoCameras(DEFAULT_CAMERAS, true, [installed, cache]);
    assert.equal(plan.missing, null);
    assert.deepEqual(plan.cameras.map((c) => c.name), ['porch', 'driveway', 'walkway']);
    const camera = plan.cameras[2]!;
    assert.equal(camera.footageDir, cache);
    const gpio = { simulate: true };
    const agent = parseConfig({ agent: demoAgentSection(camera, gpio) }).agent;
    assert.equal(agent.source, 'sim:campus-walkway');
    assert.equal(agent.sim.footageDir, cache);
    assert.deepEqual([agent.video.width, agent.video.height, agent.video.fps], [768, 576, 10]);
    // The drawn cameras are as they were: no footage folder, the default video.
    const porch = parseConfig({ agent: demoAgentSection(plan.cameras[0]!, gpio) }).agent;
    assert.equal(porch.source, 'sim:person-walks');
    assert.equal(porch.video.width, 1280);
  });

  it('says the drawn cameras find no person, and the walkway camera alerts "Person at the walkway"', async () => {
    await put(installed);
    const lines = detectionLines(planDemoCameras(DEFAULT_CAMERAS, true, [installed, cache]), 300);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /porch, driveway show drawn shapes, not people or vehicles, so their clips carry no label/);
    assert.match(lines[0]!, /they send no alert/);
    assert.match(lines[1]!, /walkway plays real CCTV video of people walking \(cars in view\), so its clips are labelled "person"/);
    assert.match(lines[1]!, /"Person at the walkway" alerts/);
    assert.match(lines[1]!, /one per camera every 5 min/);
  });

  it('without the footage: the drawn cameras run and the demo says why the walkway camera is missing', () => {
    const plan = planDemoCameras(DEFAULT_CAMERAS, true, [installed, cache]);
    assert.deepEqual(plan.cameras.map((c) => c.name), ['porch', 'driveway']);
    const lines = detectionLines(plan, 300);
    const said = lines.find((l) => l.startsWith('no real-footage camera: '));
    assert.ok(said, lines.join('\n'));
    assert.ok(said.includes(`vtest.avi is in none of ${installed}, ${cache}`), said);
    assert.match(said, /opencv-doc/);
    assert.match(said, /scripts\/demo-footage\.sh/);
  });

  it('scripted runs choose their cameras: no walkway camera unless asked for', async () => {
    await put(installed);
    const plan = planDemoCameras(DEFAULT_CAMERAS, false, [installed, cache]);
    assert.deepEqual(plan.cameras.map((c) => c.name), ['porch', 'driveway']);
    assert.equal(plan.missing, null);
    assert.equal(planDemoCameras([WALKWAY_CAMERA], false, [installed]).cameras[0]!.footageDir, installed);
  });

  it('a walkway camera asked for by name without its footage stops the demo, naming where it looked', () => {
    assert.throws(() => planDemoCameras([WALKWAY_CAMERA], false, [installed, cache]), (err: Error) => {
      assert.match(err.message, /^demo camera walkway: vtest\.avi is in none of /);
      return true;
    });
  });
});

import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { escapeFilterValue, findFootageScene, footageFilterGraph } from '../../camera-agent/footageScenes';
import { getScene, getSimScene, isFootageScene, SceneError, scriptedEvents } from '../../camera-agent/scenes';
import { resolveSource, SourceError } from '../../camera-agent/videoSource';
import { OPENCV_SAMPLES_DIR, parseConfig } from '../../common/config';
import { useTempDir } from '../helpers/tmp';

const agentConfig = (agent: Record<string, unknown>) => parseConfig({ agent }).agent;

describe('simulator scenes made from real footage', () => {
  const tmp = useTempDir();
  const walkway = findFootageScene('campus-walkway')!;

  it('campus-walkway: still for 18 s, then 12 s of people walking, every 30 s', () => {
    assert.ok(walkway, 'the scene exists');
    assert.equal(walkway.file, 'vtest.avi');
    assert.equal(walkway.period, 30);
    assert.deepEqual(scriptedEvents(walkway, 65), [
      { label: 'person', start: 18, end: 30 },
      { label: 'person', start: 48, end: 60 },
    ]);
  });

  it('is a simulator scene by name, and not one of the drawn scenes the scoring renders', () => {
    const scene = getSimScene('campus-walkway');
    assert.equal(isFootageScene(scene), true);
    assert.equal(isFootageScene(getSimScene('person-walks')), false);
    assert.throws(() => getScene('campus-walkway'), (err: Error) => err instanceof SceneError && /plays real footage: a camera can show it \(source sim:campus-walkway\)/.test(err.message));
    assert.throws(() => getSimScene('no-such-scene'), (err: Error) => err instanceof SceneError && /campus-walkway/.test(err.message));
  });

  it('escapes a file name for a filter option inside a filter graph', () => {
    assert.equal(escapeFilterValue('/data/vtest.avi'), '/data/vtest.avi');
    // ":" ends an option and "'" quotes (level 1); "," "[" "]" ";" and the escapes themselves split the graph (level 2).
    assert.equal(escapeFilterValue("/a:b,c'd[e];f"), "/a\\\\:b\\,c\\\\\\'d\\[e\\]\\;f");
  });

  it('plays the footage renumbered (continuous across loops), re-timed to hold still, at the camera size and rate', () => {
    const graph = footageFilterGraph(walkway, '/footage/vtest.avi', 640, 360, 15);
    assert.match(graph, /^movie=filename=\/footage\/vtest\.avi:loop=0,/);
    assert.match(graph, /setpts='\(floor\(N\/FR\/12\)\*30\+18\+mod\(N\/FR,12\)\)\/TB'/);
    assert.match(graph, /fps=15:start_time=0/, 'the gaps and the start are filled with the held frame');
    assert.match(graph, /scale=640:360:force_original_aspect_ratio=decrease,pad=640:360/);
  });

  it('a sim: source of a footage scene reads the file from agent.sim.footageDir', async () => {
    const file = path.join(tmp.dir, 'vtest.avi');
    await fs.writeFile(file, 'not read until ffmpeg runs');
    const config = agentConfig({ source: 'sim:campus-walkway', sim: { footageDir: tmp.dir }, video: { width: 768, height: 576, fps: 10 } });
    const source = await resolveSource(config);
    assert.equal(source.kind, 'sim');
    assert.equal(source.copyH264, false);
    assert.deepEqual(source.analysedSize, { width: 768, height: 576 });
    const input = source.inputArgs.indexOf('-i');
    assert.deepEqual(source.inputArgs.slice(0, input), ['-re', '-f', 'lavfi']);
    assert.equal(source.inputArgs[input + 1], footageFilterGraph(walkway, file, 768, 576, 10));
    assert.match(source.description, /real footage/);
  });

  it('a footage scene whose file is missing is a configuration error naming the folder and where the file comes from', async () => {
    const config = agentConfig({ source: 'sim:campus-walkway', sim: { footageDir: tmp.dir } });
    await assert.rejects(resolveSource(config), (err: Error) => {
      assert.ok(err instanceof SourceError, 'not retried: no retry brings the file');
      assert.match(err.message, /campus-walkway/);
      assert.ok(err.message.includes(`vtest.avi, which is not in ${tmp.dir}`), err.message);
      assert.match(err.message, /agent\.sim\.footageDir/);
      assert.match(err.message, /opencv-doc/);
      return true;
    });
  });

  it('looks in opencv-doc\'s folder unless told otherwise', () => {
    assert.equal(agentConfig({}).sim.footageDir, OPENCV_SAMPLES_DIR);
    assert.equal(OPENCV_SAMPLES_DIR, '/usr/share/doc/opencv-doc/examples/data');
  });
});

import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { findFootageScene, footageFilterGraph } from '../../camera-agent/footageScenes';
import { scriptedEvents } from '../../camera-agent/scenes';
import { OPENCV_SAMPLES_DIR, parseConfig } from '../../common/config';
import { analysisFrames, detectEvents } from '../../simulator/sceneRunner';
import { skipBecause } from '../helpers/skip';

/*
 * The real-footage scene through ffmpeg and the agent's own motion detector, faster than
 * real time: the footage holding still must read as no motion, and each stretch of walking as
 * one motion event that starts when the walking does and ends in the next still part, so the
 * demo's walkway camera gives one clip per walk.
 */
describe('the campus-walkway scene (real footage) through the agent\'s motion detector', function () {
  this.timeout(120_000);

  it('gives one motion event per walk, starting with it and ending while the picture holds still', async function () {
    const file = path.join(OPENCV_SAMPLES_DIR, 'vtest.avi');
    if (!existsSync(file)) skipBecause(this, 'opencv-doc is not installed (scripts/test-setup.sh installs it)');
    const scene = findFootageScene('campus-walkway')!;
    const agent = parseConfig({ agent: { video: { width: 768, height: 576, fps: 10 } } }).agent;
    // Two periods and a little: the second walk plays footage from where the first stopped.
    const seconds = 2 * scene.period + 4;
    const input = ['-f', 'lavfi', '-i', footageFilterGraph(scene, file, agent.video.width, agent.video.height, agent.video.fps), '-t', String(seconds)];
    const { events, frames } = await detectEvents(analysisFrames(input, agent.video), agent.video, agent.motion);
    assert.equal(frames, seconds * agent.video.analysisFps, 'video flows while the picture holds still');

    const truth = scriptedEvents(scene, seconds);
    assert.deepEqual(truth.map((t) => [t.start, t.end]), [[18, 30], [48, 60]]);
    assert.equal(events.length, 2, `one event per walk: ${JSON.stringify(events)}`);
    events.forEach((ev, i) => {
      const walk = truth[i]!;
      // Motion is decided within the detector's minimum duration (and a frame or two) of the onset.
      assert.ok(ev.start >= walk.start - 0.3 && ev.decidedAt <= walk.start + 1.5, `walk ${i + 1} (${walk.start} s): event ${JSON.stringify(ev)}`);
      // It ends after the walking, before the next walk: the held picture is stillness.
      assert.ok(ev.end >= walk.end - 0.5 && ev.end < walk.end + scene.stillSeconds - 2, `walk ${i + 1} ends at ${ev.end} s`);
    });
  });
});

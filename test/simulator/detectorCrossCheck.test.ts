import { strict as assert } from 'node:assert';
import { MotionDetector } from '../../camera-agent/motionDetector';
import { getScene, sceneNames } from '../../camera-agent/scenes';
import { loadTf } from '../../camera-agent/tfBackend';
import { TfMotionDetector } from '../../camera-agent/tfMotionDetector';
import { parseConfig } from '../../common/config';
import { analysisFrames, sceneInput } from '../../simulator/sceneRunner';

/*
 * The agent's typed-array detector against its TensorFlow.js cross-check on the tuning
 * scenes, rendered by ffmpeg as `porchlight sim score` renders them: the same verdict on
 * every frame. (The unit test in test/camera-agent/motionDetector.test.ts does the same on
 * synthetic frames, without ffmpeg.)
 */
describe('motion detector against its TensorFlow.js cross-check on the rendered tuning scenes', function () {
  this.timeout(600_000);

  it('gives the same motion and lighting verdicts on every frame of every scene', async () => {
    const { tf } = await loadTf();
    const agent = parseConfig({}).agent;
    const video = agent.video;
    let frames = 0;
    let moving = 0;
    for (const name of sceneNames('tuning')) {
      const scene = getScene(name);
      const settings = { ...agent.motion, ignoreMasks: [...agent.motion.ignoreMasks, ...scene.ignoreMasks] };
      const typed = new MotionDetector(video.analysisWidth, video.analysisHeight, video.analysisFps, settings);
      const check = new TfMotionDetector(tf, video.analysisWidth, video.analysisHeight, video.analysisFps, settings);
      let n = 0;
      try {
        for await (const frame of analysisFrames(sceneInput(scene, video, 1), video)) {
          const a = typed.process(frame);
          const b = check.process(frame);
          assert.equal(a.motion, b.motion, `${name} frame ${n}: motion`);
          assert.equal(a.lightingChange, b.lightingChange, `${name} frame ${n}: lighting change`);
          assert.equal(a.regions.length, b.regions.length, `${name} frame ${n}: regions`);
          if (a.motion) moving += 1;
          n += 1;
        }
      } finally {
        check.dispose();
        typed.dispose();
      }
      assert.ok(n >= scene.period * video.analysisFps - 1, `${name}: ${n} frames`);
      frames += n;
    }
    assert.ok(moving > 0 && moving < frames, `${moving} of ${frames} frames with motion`);
  });
});

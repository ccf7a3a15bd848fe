import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { DetectionFrame } from '../../common/detection';
import { extractPicture, OPENCV_SAMPLES_DIR, readLabels } from '../../bench/labelledFootage';
import { QueueFullError } from '../../hub/objectDetection/boundedQueue';
import { humanModelsDir } from '../../hub/objectDetection/humanModel';
import { WorkerDetector, type DetectorAnswerInfo } from '../../hub/objectDetection/workerDetector';
import { iou } from '../../hub/objectDetection/boxes';
import { skipBecause } from '../helpers/skip';

const run = promisify(execFile);
const VTEST = path.join(OPENCV_SAMPLES_DIR, 'vtest.avi');

/** vtest.avi frame `n` as yuv420p, what a camera would send (ffmpeg starts: not a unit test). */
async function vtestFrame(n: number): Promise<DetectionFrame> {
  const args = ['-v', 'error', '-nostdin', '-i', VTEST, '-vf', `select=eq(n\\,${n})`, '-fps_mode', 'passthrough', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'];
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: 1 << 22 });
  return { width: 768, height: 576, data: new Uint8Array(stdout) };
}

describe('WorkerDetector: the hub\'s COCO detector with the real CenterNet model', function () {
  this.timeout(60_000);
  let detector: WorkerDetector;
  let frame: DetectionFrame;
  const answers: DetectorAnswerInfo[] = [];

  before(async function () {
    if (!existsSync(VTEST)) skipBecause(this, 'opencv-doc is not installed (scripts/test-setup.sh installs it)');
    frame = await vtestFrame(40);
    detector = new WorkerDetector({ onAnswer: (a) => answers.push(a) });
  });
  after(() => detector?.close());

  it('loads lazily and reports its model and backend', async () => {
    assert.equal(detector.model, 'centernet');
    assert.equal(detector.backend, 'not loaded');
    const loaded = await detector.load();
    assert.equal(loaded.model, 'centernet');
    assert.ok(['wasm', 'tensorflow'].includes(loaded.backend), loaded.backend);
    assert.equal(detector.backend, loaded.backend);
  });

  it('finds a labelled person in a vtest.avi frame sent as yuv420p, boxes as fractions', async () => {
    const objects = await detector.detect(frame);
    const labelled = readLabels().items.find((i) => i.source === 'vtest.avi' && i.frame === 40)!;
    const persons = labelled.objects.filter((o) => o.label === 'person' && !o.ignore).map((o) => [o.box[0] / 768, o.box[1] / 576, o.box[2] / 768, o.box[3] / 576] as [number, number, number, number]);
    const found = objects.filter((o) => o.label === 'person' && persons.some((p) => iou(p, o.box) >= 0.5));
    assert.ok(found.length >= 1, `no labelled person found: ${JSON.stringify(objects)}`);
    for (const o of objects) {
      assert.ok(o.box.every((v) => v >= 0 && v <= 1) && o.box[0] + o.box[2] <= 1 + 1e-9 && o.box[1] + o.box[3] <= 1 + 1e-9, `box ${o.box.join(',')} is not a clamped fraction box`);
      assert.ok(['person', 'vehicle', 'animal'].includes(o.label));
    }
  });

  it('finds no person in a still with none (opencv-doc fruits.jpg)', async () => {
    const still = await extractPicture({ source: 'fruits.jpg', width: 512, height: 480 });
    const { objects } = await detector.detectRgb(still.rgb, still.width, still.height);
    assert.deepEqual(objects.filter((o) => o.label === 'person'), []);
  });

  it('holds no more tensors after repeated detections', async () => {
    await detector.detect(frame);
    const first = await detector.stats();
    for (let i = 0; i < 3; i++) await detector.detect(frame);
    const later = await detector.stats();
    assert.ok(first.numTensors > 0, 'the model\'s weights are tensors');
    assert.equal(later.numTensors, first.numTensors);
    assert.equal(later.numBytes, first.numBytes);
    // Each answer carries the same count, read in the worker right after the picture.
    const last = answers.at(-1);
    assert.ok(last, 'every picture is reported');
    assert.equal(last.numTensors, later.numTensors);
    assert.ok(last.ms > 0 && last.objects >= 0);
  });

  it('refuses a picture while one is detected and the wait is full, then takes the next', async () => {
    const busy = new WorkerDetector({ maxWaiting: 0 });
    try {
      await busy.load();
      const first = busy.detect(frame);
      await assert.rejects(busy.detect(frame), (err: Error) => err instanceof QueueFullError && /busy/.test(err.message));
      await first;
      await busy.detect(frame);
    } finally {
      await busy.close();
    }
  });

  it('refuses a bad picture, an unknown model, and a model that is not installed, naming the problem', async () => {
    await assert.rejects(detector.detect({ width: 768, height: 576, data: new Uint8Array(10) }), /10 bytes; a 768×576 yuv420p picture is 663552/);
    assert.throws(() => new WorkerDetector({ model: 'yolo' as 'centernet' }), /unknown object detection model "yolo"/);
    const missing = new WorkerDetector({ model: 'nanodet', modelsDir: humanModelsDir() });
    try {
      await assert.rejects(missing.load(), /model nanodet is not installed: .*nanodet\.json does not exist/);
    } finally {
      await missing.close();
    }
  });
});

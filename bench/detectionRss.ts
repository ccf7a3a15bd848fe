import { WorkerDetector } from '../hub/objectDetection/workerDetector';
import type { ModelName } from '../hub/objectDetection/humanModel';
import { extractPicture } from './labelledFootage';

/*
 * Run as its own process by detectionBench.ts: the hub-side memory of the object detector —
 * the process's RSS before the detector starts and after its model has loaded and detected
 * (worker threads share the process, so this is what the hub would carry). Prints JSON.
 * Usage: node dist/bench/detectionRss.js MODEL [MODELS_DIR]
 */

async function main(): Promise<void> {
  const [model = 'centernet', modelsDir] = process.argv.slice(2);
  const picture = await extractPicture({ source: 'vtest.avi', frame: 40, width: 768, height: 576 });
  const before = process.memoryUsage().rss;
  const detector = new WorkerDetector({ model: model as ModelName, ...(modelsDir ? { modelsDir } : {}) });
  let peak = 0;
  for (let i = 0; i < 5; i++) {
    await detector.detectRgb(picture.rgb, picture.width, picture.height);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const after = process.memoryUsage().rss;
  const { backend } = await detector.stats();
  await detector.close();
  process.stdout.write(JSON.stringify({ model, backend, before, after, peak }) + '\n');
}

main().catch((err: Error) => {
  process.stderr.write(`detectionRss: ${err.message}\n`);
  process.exit(1);
});

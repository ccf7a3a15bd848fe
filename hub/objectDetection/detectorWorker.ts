import { parentPort, workerData } from 'node:worker_threads';
import { HumanModel, type HumanModelOptions } from './humanModel';
import { detectPicture, type Strategy } from './detectPicture';
import { yuv420pToRgb } from './yuvToRgb';
import type { WorkerReply, WorkerRequest } from './workerMessages';

/*
 * The detector's worker thread: a CenterNet inference takes 0.4–0.8 s of CPU on the WASM
 * backend, which on the main thread would stall the hub's HTTP server and SQLite for as
 * long. The model loads on the first request (the hub pays its memory only once a camera
 * sends a picture) and stays loaded.
 */

const options = workerData as HumanModelOptions & { strategy: Strategy };
let model: Promise<HumanModel> | undefined;

function loaded(): Promise<HumanModel> {
  model ??= HumanModel.load(options);
  // A failed load is not cached: the next request tries again (and reports the same error if it persists).
  model.catch(() => (model = undefined));
  return model;
}

async function answer(request: WorkerRequest): Promise<WorkerReply> {
  const m = await loaded();
  if (request.type === 'load') return { id: request.id, ok: true, model: m.model, backend: m.backend };
  if (request.type === 'stats') return { id: request.id, ok: true, model: m.model, backend: m.backend, memory: m.memory() };
  const rgb = request.format === 'yuv420p' ? yuv420pToRgb({ width: request.width, height: request.height, data: request.data }) : request.data;
  const started = performance.now();
  const objects = await detectPicture((p, w, h) => m.detect(p, w, h), rgb, request.width, request.height, request.strategy ?? options.strategy, request.minScore ?? options.minScore);
  // The worker's tensor count rides on every answer (tf.memory() is a counter read, no work), so
  // the hub can watch for a leak without a request of its own waiting behind pictures.
  return { id: request.id, ok: true, model: m.model, backend: m.backend, objects, ms: performance.now() - started, memory: m.memory() };
}

parentPort?.on('message', (request: WorkerRequest) => {
  answer(request).then(
    (reply) => parentPort?.postMessage(reply),
    (err: unknown) => parentPort?.postMessage({ id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
  );
});

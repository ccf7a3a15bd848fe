import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DetectedObject, DetectionFrame, ObjectDetector } from '../../common/detection';
import { BoundedQueue } from './boundedQueue';
import { STRATEGIES, type Strategy } from './detectPicture';
import { MODELS, type ModelName } from './humanModel';
import type { DetectRequestBody, WorkerReply, WorkerRequestBody } from './workerMessages';
import { checkFrame } from './yuvToRgb';

/*
 * The hub's object detector: Human + a COCO model in a worker thread (detectorWorker.ts), one
 * picture at a time through a bounded queue (boundedQueue.ts). The worker starts on the first
 * request, so a hub whose cameras never send a picture never loads the model.
 */

export interface WorkerDetectorOptions {
  model?: ModelName;
  modelsDir?: string;
  backend?: string;
  /** Objects scored below this are dropped (docs/detection.md: chosen on the tuning split). */
  minScore?: number;
  strategy?: Strategy;
  /** Pictures that may wait while one is being detected; more are refused. */
  maxWaiting?: number;
  /** Told once the worker has loaded the model (again after a worker restart): the hub logs the backend in use. */
  onLoaded?: (info: { model: string; backend: string }) => void;
  /** Told after every picture: the hub logs it at debug level (the hour-long benchmark reads numTensors there). */
  onAnswer?: (info: DetectorAnswerInfo) => void;
}

/** One picture's answer, as the worker reported it: its cost and the worker's TensorFlow.js memory after it. */
export interface DetectorAnswerInfo {
  objects: number;
  ms: number;
  numTensors: number;
  numBytes: number;
}

/** The person score threshold with the best F1 on the labelled sample's tuning split, CenterNet whole frame (BENCHMARKS.md, object detection). */
export const DEFAULT_MIN_SCORE = 0.37;
export const DEFAULT_STRATEGY: Strategy = 'whole';

export interface DetectionResult {
  objects: DetectedObject[];
  /** Time spent in the worker on this picture, conversion and inference. */
  ms: number;
}

export class WorkerDetector implements ObjectDetector {
  readonly model: ModelName;
  private loadedBackend: string | undefined;
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: WorkerReply & { ok: true }) => void; reject: (e: Error) => void }>();
  private readonly queue: BoundedQueue;
  private readonly options: Required<Omit<WorkerDetectorOptions, 'modelsDir' | 'backend' | 'onLoaded' | 'onAnswer'>> &
    Pick<WorkerDetectorOptions, 'modelsDir' | 'backend' | 'onLoaded' | 'onAnswer'>;

  constructor(options: WorkerDetectorOptions = {}) {
    const model = options.model ?? 'centernet';
    if (!MODELS.includes(model)) throw new Error(`unknown object detection model "${String(model)}" (known: ${MODELS.join(', ')})`);
    const strategy = options.strategy ?? DEFAULT_STRATEGY;
    if (!STRATEGIES.includes(strategy)) throw new Error(`unknown detection strategy "${String(strategy)}" (known: ${STRATEGIES.join(', ')})`);
    const minScore = options.minScore ?? DEFAULT_MIN_SCORE;
    if (!(minScore >= 0 && minScore <= 1)) throw new Error(`minScore must be between 0 and 1, got ${minScore}`);
    this.model = model;
    this.options = { model, strategy, minScore, maxWaiting: options.maxWaiting ?? 2, modelsDir: options.modelsDir, backend: options.backend ?? process.env.PORCHLIGHT_TF_BACKEND, onLoaded: options.onLoaded, onAnswer: options.onAnswer };
    this.queue = new BoundedQueue(this.options.maxWaiting);
  }

  /** The TensorFlow.js backend in use ("tensorflow" or "wasm"), or "not loaded" before the first request. */
  get backend(): string {
    return this.loadedBackend ?? 'not loaded';
  }

  /** The worker is up but has not answered yet: the model is still loading. */
  get loading(): boolean {
    return this.worker !== undefined && this.loadedBackend === undefined;
  }

  /** Whether the worker (and so the model's memory) is up. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Loads the model now rather than on the first picture. */
  async load(): Promise<{ model: string; backend: string }> {
    const r = await this.request({ type: 'load' });
    return { model: r.model, backend: r.backend };
  }

  async detect(frame: DetectionFrame): Promise<DetectedObject[]> {
    return (await this.detectTimed(frame)).objects;
  }

  /** A yuv420p picture's objects and the time the worker spent on it. */
  async detectTimed(frame: DetectionFrame, overrides: { strategy?: Strategy; minScore?: number } = {}): Promise<DetectionResult> {
    checkFrame(frame);
    // A copy goes to the worker (transferred, not cloned again): the caller keeps its buffer.
    const data = frame.data.slice();
    return this.queue.run(() => this.detectIn({ type: 'detect', format: 'yuv420p', width: frame.width, height: frame.height, data, ...overrides }));
  }

  /** A packed RGB picture's objects (the benchmark's pictures are decoded to RGB). */
  async detectRgb(rgb: Uint8Array, width: number, height: number, overrides: { strategy?: Strategy; minScore?: number } = {}): Promise<DetectionResult> {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`picture size ${width}×${height} is not a positive whole size`);
    if (rgb.length !== width * height * 3) throw new Error(`RGB picture is ${rgb.length} bytes; ${width}×${height} RGB is ${width * height * 3}`);
    return this.queue.run(() => this.detectIn({ type: 'detect', format: 'rgb24', width, height, data: rgb.slice(), ...overrides }));
  }

  /** The worker's TensorFlow.js memory: numTensors must not grow from one picture to the next. */
  async stats(): Promise<{ model: string; backend: string; numTensors: number; numBytes: number }> {
    const r = await this.request({ type: 'stats' });
    return { model: r.model, backend: r.backend, numTensors: r.memory?.numTensors ?? 0, numBytes: r.memory?.numBytes ?? 0 };
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private async detectIn(request: DetectRequestBody): Promise<DetectionResult> {
    const r = await this.request(request, [request.data.buffer as ArrayBuffer]);
    const result = { objects: r.objects ?? [], ms: r.ms ?? 0 };
    if (r.memory) this.options.onAnswer?.({ objects: result.objects.length, ms: result.ms, numTensors: r.memory.numTensors, numBytes: r.memory.numBytes });
    return result;
  }

  private request(body: WorkerRequestBody, transfer: ArrayBuffer[] = []): Promise<WorkerReply & { ok: true }> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...body, id }, transfer);
    }).then((r) => {
      const reply = r as WorkerReply & { ok: true };
      if (this.loadedBackend === undefined) this.options.onLoaded?.({ model: reply.model, backend: reply.backend });
      this.loadedBackend = reply.backend;
      return reply;
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const { model, modelsDir, backend, minScore, strategy } = this.options;
    const worker = new Worker(path.join(__dirname, 'detectorWorker.js'), { workerData: { model, modelsDir, backend, minScore, strategy, maxDetected: 50 } });
    worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) p.resolve(reply);
      else p.reject(new Error(reply.error));
    });
    const fail = (err: Error) => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.loadedBackend = undefined;
      }
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', (err) => fail(new Error(`the object detector's worker failed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`the object detector's worker stopped (exit code ${code})`)));
    // An idle worker must not keep the process alive on its own; one with a request in flight does.
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

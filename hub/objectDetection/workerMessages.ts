import type { DetectedObject } from '../../common/detection';
import type { Strategy } from './detectPicture';

/** What the hub's thread asks the detector's worker (workerDetector.ts ↔ detectorWorker.ts). */
export type WorkerRequest =
  | { id: number; type: 'load' }
  | { id: number; type: 'stats' }
  | { id: number; type: 'detect'; format: 'yuv420p' | 'rgb24'; width: number; height: number; data: Uint8Array; strategy?: Strategy; minScore?: number };

export type WorkerReply =
  | { id: number; ok: false; error: string }
  | { id: number; ok: true; model: string; backend: string; objects?: DetectedObject[]; ms?: number; memory?: { numTensors: number; numBytes: number } };

/** A request before the detector numbers it. */
export type WorkerRequestBody = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
export type DetectRequestBody = Omit<Extract<WorkerRequest, { type: 'detect' }>, 'id'>;

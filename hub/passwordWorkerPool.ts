import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PAIRING_KEY_STRETCHING } from '../common/pairingBinding';
import { HttpError } from './httpError';
import { BoundedQueue, QueueFullError } from './objectDetection/boundedQueue';

/*
 * One worker thread does the hub's password work, one job at a time. Argon2id takes about
 * 150 ms of CPU on a fast machine and far more on a Pi; on the event loop, eight sign-ins at
 * once stalled every other request (the health check, live view, clip uploads) for over a
 * second. In the worker they wait for each other instead of for nothing. The wait is bounded:
 * past MAX_WAITING jobs a new one is refused at once (PasswordWorkBusy → 503), so a flood of
 * sign-ins cannot queue up memory or make every honest answer arbitrarily late.
 */

export type PasswordJob =
  | { op: 'hash'; password: string }
  | { op: 'verify'; hash: string; password: string }
  /** keyStretching: OPAQUE's default when absent (accounts); pairing codes name theirs. */
  | { op: 'opaqueRegister'; serverSetup: string; userIdentifier: string; password: string; keyStretching?: typeof PAIRING_KEY_STRETCHING };

export const MAX_WAITING = 32;

/** Too many password jobs already wait: answered 503 with Retry-After, nothing checked or stored. */
export class PasswordWorkBusy extends HttpError {
  constructor() {
    super(503, 'BUSY', 'the hub is checking many passwords at once: try again in a few seconds', { retryAfterSeconds: 5 }, { 'retry-after': '5' });
  }
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
const queue = new BoundedQueue(MAX_WAITING);

function failAll(err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
  worker = undefined;
}

function theWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(path.join(__dirname, 'passwordWorker.js'));
  // An idle worker must not keep the hub (or a CLI command) running.
  w.unref();
  w.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error !== undefined) p.reject(new Error(msg.error));
    else p.resolve(msg.result);
  });
  w.on('error', (err) => failAll(err));
  w.on('exit', (code) => failAll(new Error(`the password worker stopped (exit code ${code})`)));
  worker = w;
  return w;
}

function send(job: PasswordJob): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    const w = theWorker();
    w.ref();
    w.postMessage({ id, job });
  }).finally(() => {
    if (pending.size === 0) worker?.unref();
  });
}

/** Runs one password job in the worker thread; rejects with PasswordWorkBusy when too many wait. */
export async function runPasswordJob(job: PasswordJob): Promise<unknown> {
  try {
    return await queue.run(() => send(job));
  } catch (err) {
    if (err instanceof QueueFullError) throw new PasswordWorkBusy();
    throw err;
  }
}

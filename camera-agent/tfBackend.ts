import * as path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs-core';

/*
 * TensorFlow.js backend selection. tfjs-node (native libtensorflow) is an optional
 * dependency whose installer needs to download libtensorflow; where it did not install,
 * the WASM backend (shipped inside its npm package) runs instead, and cpu is the last resort.
 * Without tfjs-node it loads TensorFlow.js's core and those two backends only, not the
 * `@tensorflow/tfjs` bundle (layers, converter, data, WebGL): the motion detector's TF.js
 * cross-check uses none of them, and they more than doubled the JavaScript heap every
 * garbage collection walks (17.8 MB against 7.5 MB). The agent itself loads none of this
 * while it only detects motion (motionDetector.ts runs in typed arrays); the object
 * detector (issue 18) is what TensorFlow.js is for.
 */

export type Tf = typeof tfTypes;

let loaded: Promise<{ tf: Tf; backend: string }> | undefined;

async function load(preferred?: string): Promise<{ tf: Tf; backend: string }> {
  if (!preferred || preferred === 'tensorflow') {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional dependency: loaded only if it installed
      const tfNode = require('@tensorflow/tfjs-node') as Tf;
      await tfNode.ready();
      return { tf: tfNode, backend: tfNode.getBackend() };
    } catch {
      if (preferred === 'tensorflow') throw new Error('the tensorflow backend (@tensorflow/tfjs-node) is not installed');
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only where tfjs-node is not, so one TensorFlow.js is in memory
  const tf = require('@tensorflow/tfjs-core') as Tf;
  // Registers the cpu backend with tfjs-core: the fallback, and the benchmark's comparison.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded for its side effect, after tfjs-core
  require('@tensorflow/tfjs-backend-cpu');
  if (!preferred || preferred === 'wasm') {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the WASM backend is wanted
      const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(wasmDir + path.sep);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return { tf, backend: 'wasm' };
      }
    } catch (err) {
      if (preferred === 'wasm') throw err;
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: 'cpu' };
}

/** Loads TensorFlow.js once per process with the best backend available (or the one named). */
export function loadTf(preferred = process.env.PORCHLIGHT_TF_BACKEND): Promise<{ tf: Tf; backend: string }> {
  loaded ??= load(preferred || undefined);
  return loaded;
}

import sodiumModule from 'libsodium-wrappers-sumo';

export type Sodium = typeof sodiumModule;

let ready: Promise<Sodium> | undefined;

/**
 * libsodium compiles its WASM module asynchronously; every user awaits this once.
 * The sumo build is required because the standard build lacks crypto_pwhash (Argon2id).
 */
export function getSodium(): Promise<Sodium> {
  ready ??= sodiumModule.ready.then(() => sodiumModule);
  return ready;
}

import { parentPort } from 'node:worker_threads';
import * as opaque from '@serenity-kit/opaque';
import { getSodium } from '../common/sodium';
import type { PasswordJob } from './passwordWorkerPool';

/*
 * The body of the password worker thread: the slow, memory-hard work on passwords (Argon2id,
 * and OPAQUE registration when the hub plays the client for a password or pairing code it was given) runs
 * here, so the hub's only event-loop thread keeps answering while someone signs in.
 */

async function run(job: PasswordJob): Promise<string | boolean> {
  if (job.op === 'opaqueRegister') {
    await opaque.ready;
    const start = opaque.client.startRegistration({ password: job.password });
    const { registrationResponse } = opaque.server.createRegistrationResponse({
      serverSetup: job.serverSetup,
      userIdentifier: job.userIdentifier,
      registrationRequest: start.registrationRequest,
    });
    return opaque.client.finishRegistration({
      clientRegistrationState: start.clientRegistrationState,
      registrationResponse,
      password: job.password,
      ...(job.keyStretching ? { keyStretching: job.keyStretching } : {}),
    }).registrationRecord;
  }
  const sodium = await getSodium();
  if (job.op === 'hash') {
    return sodium.crypto_pwhash_str(job.password, sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE, sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE);
  }
  try {
    return sodium.crypto_pwhash_str_verify(job.hash, job.password);
  } catch {
    return false;
  }
}

parentPort?.on('message', (msg: { id: number; job: PasswordJob }) => {
  run(msg.job).then(
    (result) => parentPort?.postMessage({ id: msg.id, result }),
    (err: unknown) => parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});

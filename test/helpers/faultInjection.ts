/*
 * TEST ONLY: preloaded into a real Porchlight process with `node --require` by
 * test/common/processFaults.test.ts, never by the product (nothing in it imports this file).
 * On SIGUSR2 it makes the fault that no code catches: a rejected promise nobody awaits, or,
 * with PORCHLIGHT_TEST_FAULT=exception, an exception thrown from a timer. The signal lets the
 * test wait until the service is up (its logger made) before the fault happens.
 */

async function injectedRejection(): Promise<void> {
  throw new Error('injected rejection');
}

function injectedException(): void {
  throw new Error('injected exception');
}

process.on('SIGUSR2', () => {
  if (process.env.PORCHLIGHT_TEST_FAULT === 'exception') setImmediate(injectedException);
  // Not awaited on purpose: the rejection is the fault under test.
  else void injectedRejection();
});

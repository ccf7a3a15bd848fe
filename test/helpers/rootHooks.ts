/*
 * Root hooks for every run (`require` in .mocharc.js and .mocharc.unit.json): at the end,
 * the tests skipped on this machine, counted by reason (see skipBecause in ./skip). With
 * PORCHLIGHT_NO_SKIPS=1 (.ci/run sets it: CI runs as root, with systemd) a skipped test is
 * a failure of the run, reported as mocha's own "after all" hook failure.
 */
import { skippedByReason } from './skip';

/** Named, as mocha titles a failing hook by its function's name. */
function reportSkippedTests(this: Mocha.Context): void {
  let root = this.test?.parent;
  while (root?.parent) root = root.parent;
  if (!root) return;
  const skipped = skippedByReason(root);
  if (skipped.size === 0) return;
  const lines = [...skipped].map(([reason, n]) => `    ${n} skipped: ${reason}`).join('\n');
  console.log(`\n  Not run on this machine:\n${lines}`);
  if (process.env.PORCHLIGHT_NO_SKIPS === '1') {
    throw new Error(`PORCHLIGHT_NO_SKIPS=1 (CI): every test must run here, but\n${lines}`);
  }
}

export const mochaHooks = { afterAll: reportSkippedTests };

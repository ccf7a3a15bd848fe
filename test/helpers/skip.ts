/*
 * Skipping a test because this machine cannot run it (not root, no systemd), saying why.
 * Call skipBecause(this, reason) in place of this.skip(): the reason is printed beside the
 * test, and the run ends with a count per reason (test/helpers/rootHooks.ts). Where every
 * test must run (CI sets PORCHLIGHT_NO_SKIPS=1), a skipped test fails the run.
 */

/** Why each skipped test or suite (skipped in its `before` hook) was skipped. */
const reasons = new Map<Mocha.Test | Mocha.Suite, string>();

/** Skips the test — or, in a `before` hook, its whole suite — because `reason`. */
export function skipBecause(ctx: Mocha.Context, reason: string): never {
  const runnable = ctx.test as Mocha.Test | Mocha.Hook | undefined;
  if (runnable?.type === 'test') reasons.set(runnable, reason);
  else if (runnable?.title.startsWith('"before all" hook') && runnable.parent) reasons.set(runnable.parent, reason);
  else if (ctx.currentTest) reasons.set(ctx.currentTest, reason);
  console.log(`      skipped: ${reason}`);
  // eslint-disable-next-line no-restricted-syntax -- the one place a test is skipped, with its reason recorded
  ctx.skip();
}

/** The run's skipped tests, counted by reason; a test skipped without skipBecause has no reason. */
export function skippedByReason(root: Mocha.Suite): Map<string, number> {
  const counts = new Map<string, number>();
  const walk = (suite: Mocha.Suite): void => {
    for (const test of suite.tests) {
      if (test.state !== 'pending') continue;
      let reason = reasons.get(test);
      for (let s: Mocha.Suite | undefined = suite; reason === undefined && s; s = s.parent) reason = reasons.get(s);
      reason ??= 'no reason given (it.skip, or this.skip() where skipBecause belongs)';
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
    for (const child of suite.suites) walk(child);
  };
  walk(root);
  return counts;
}

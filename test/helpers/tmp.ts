import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** A fresh temp dir per test, removed afterwards unless PORCHLIGHT_KEEP_TMP is set. */
export function useTempDir(prefix = 'porchlight-test-'): { readonly dir: string } {
  return tempDirAround(beforeEach, afterEach, prefix);
}

/** One temp dir for all the tests of the enclosing describe (a run they share, started in `before`). */
export function useSharedTempDir(prefix = 'porchlight-test-'): { readonly dir: string } {
  return tempDirAround(before, after, prefix);
}

function tempDirAround(setUp: Mocha.HookFunction, tearDown: Mocha.HookFunction, prefix: string): { readonly dir: string } {
  const holder = { dir: '' };
  setUp(() => {
    holder.dir = mkdtempSync(path.join(tmpdir(), prefix));
  });
  tearDown(() => {
    if (!process.env.PORCHLIGHT_KEEP_TMP && holder.dir) rmSync(holder.dir, { recursive: true, force: true });
  });
  return holder;
}

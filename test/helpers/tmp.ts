import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** A fresh temp dir per test, removed afterwards unless PORCHLIGHT_KEEP_TMP is set. */
export function useTempDir(prefix = 'porchlight-test-'): { readonly dir: string } {
  const holder = { dir: '' };
  beforeEach(() => {
    holder.dir = mkdtempSync(path.join(tmpdir(), prefix));
  });
  afterEach(() => {
    if (!process.env.PORCHLIGHT_KEEP_TMP && holder.dir) rmSync(holder.dir, { recursive: true, force: true });
  });
  return holder;
}

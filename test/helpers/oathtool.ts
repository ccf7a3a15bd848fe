import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';

/** The TOTP code an independent implementation (Debian's oathtool) gives for `seed` at `ms`. */
export function oathtool(seed: string, ms: number): string {
  const run = spawnSync('oathtool', ['--totp', '-b', seed, '--now', `@${Math.floor(ms / 1000)}`], { encoding: 'utf8' });
  assert.equal(run.status, 0, `oathtool failed: ${run.stderr}`);
  const code = run.stdout.trim();
  assert.match(code, /^\d{6}$/);
  return code;
}

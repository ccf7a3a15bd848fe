import { execFileSync } from 'node:child_process';
import { skipBecause } from './skip';

/** Skips the suite (call in `before`) where Debian's wireguard-tools are not installed. */
export function needWg(ctx: Mocha.Context): void {
  try {
    execFileSync('wg', ['--version'], { stdio: 'ignore' });
  } catch {
    skipBecause(ctx, "wg is not installed (Debian's wireguard-tools; scripts/setup.sh installs it)");
  }
}

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Porchlight's version, from the package.json of the checkout or install it runs from. Found
 * by walking up from the compiled file, so it does not depend on how deep the build put it
 * (dist/hub/routes, dist/bench, a test's private outDir).
 */
export const PORCHLIGHT_VERSION: string = versionAbove(__dirname);

function versionAbove(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'porchlight' && typeof pkg.version === 'string') return pkg.version;
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

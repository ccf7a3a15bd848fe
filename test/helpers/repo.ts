import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The checkout the tests read non-compiled files from (systemd/, docs/): beside dist/ in a
 * normal build, else the directory mocha runs in (a private build with tsc --outDir).
 */
export const REPO_DIR =
  [path.join(__dirname, '..', '..', '..'), process.cwd()].find((d) => existsSync(path.join(d, 'systemd', 'install.sh')) && existsSync(path.join(d, 'package.json'))) ??
  path.join(__dirname, '..', '..', '..');

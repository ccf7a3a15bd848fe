import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { REPO_DIR } from '../helpers/repo';

/*
 * The dependency picture of docs/architecture.md, enforced: each folder names the folders it
 * may import from. The three processes share code only through common/, so a change to one
 * cannot break another, and the relay or an agent never loads the hub's web server.
 */

/** Folder → folders it may import (itself is always allowed). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  common: [],
  hub: ['common', 'hub/arming'],
  // Arming is pure policy over the database: the web page draws the week with the same code.
  'hub/arming': ['common'],
  'hub/ui': ['common', 'hub/arming'],
  'camera-agent': ['common'],
  'cloud-relay': ['common'],
  simulator: ['common', 'hub', 'hub/arming', 'camera-agent', 'cloud-relay'],
  cli: ['common', 'hub', 'hub/arming', 'camera-agent', 'cloud-relay', 'simulator'],
  bench: ['common', 'hub', 'hub/arming', 'camera-agent', 'cloud-relay', 'simulator'],
  test: ['common', 'hub', 'hub/arming', 'hub/ui', 'camera-agent', 'cloud-relay', 'simulator', 'cli', 'bench'],
};
const FOLDERS = Object.keys(MAY_IMPORT);

/** The most specific folder of the picture a repo-relative path lies in ('hub/ui' before 'hub'). */
function folderOf(relPath: string): string | null {
  const posix = relPath.split(path.sep).join('/');
  let best: string | null = null;
  for (const f of FOLDERS) if ((posix === f || posix.startsWith(`${f}/`)) && (!best || f.length > best.length)) best = f;
  return best;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

interface Violation {
  file: string;
  imports: string;
  from: string;
  to: string;
}

/** Every relative import (static, dynamic, require, type-only) that crosses the picture's lines. */
function importViolations(root: string): Violation[] {
  const violations: Violation[] = [];
  for (const top of ['common', 'hub', 'camera-agent', 'cloud-relay', 'simulator', 'cli', 'bench', 'test']) {
    if (!existsSync(path.join(root, top))) continue;
    for (const file of sourceFiles(path.join(root, top))) {
      const rel = path.relative(root, file);
      const from = folderOf(rel);
      if (!from) continue;
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      for (const { fileName } of importedFiles) {
        if (!fileName.startsWith('.')) continue;
        const to = folderOf(path.relative(root, path.resolve(path.dirname(file), fileName)));
        if (!to || to === from || MAY_IMPORT[from]!.includes(to)) continue;
        violations.push({ file: rel, imports: fileName, from, to });
      }
    }
  }
  return violations;
}

describe('import rules (docs/architecture.md)', () => {
  it('hub/, camera-agent/ and cloud-relay/ import common/ and never each other; nothing imports upwards', () => {
    const found = importViolations(REPO_DIR).map((v) => `${v.file} imports ${v.imports} (${v.from} may not import ${v.to})`);
    assert.deepEqual(found, []);
  });

  it('the rule catches a process that imports another, by a type-only, dynamic or re-exporting import too', () => {
    // The move to catch is a well-meaning shortcut across the lines: a throwaway tree that takes one.
    const root = mkdtempSync(path.join(os.tmpdir(), 'porchlight-imports-'));
    try {
      const write = (rel: string, text: string) => {
        mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        writeFileSync(path.join(root, rel), text);
      };
      write('common/clock.ts', 'export const now = () => 0;\n');
      write('hub/hub.ts', "import { now } from '../common/clock';\nexport const hub = now;\n");
      write('hub/arming/schedule.ts', "import type { hub } from '../hub';\nexport const week = 7;\n");
      write('hub/ui/src/page.ts', "import { week } from '../../arming/schedule';\nimport { hub } from '../../hub';\nexport const w = week;\n");
      write('cloud-relay/relay.ts', "export { hub } from '../hub/hub';\n");
      write('camera-agent/agent.ts', "import type { hub } from '../hub/hub';\nexport const load = () => import('../simulator/demo');\n");
      write('simulator/demo.ts', "import '../camera-agent/agent';\n");
      const found = importViolations(root).map((v) => `${v.file}: ${v.from} -> ${v.to}`).sort();
      assert.deepEqual(found, [
        'camera-agent/agent.ts: camera-agent -> hub',
        'camera-agent/agent.ts: camera-agent -> simulator',
        'cloud-relay/relay.ts: cloud-relay -> hub',
        'hub/arming/schedule.ts: hub/arming -> hub',
        'hub/ui/src/page.ts: hub/ui -> hub',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

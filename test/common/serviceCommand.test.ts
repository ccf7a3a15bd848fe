import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { useTempDir } from '../helpers/tmp';

/*
 * Each process's main.ts runs on its own, with the command line the `porchlight` CLI mounts
 * under hub, agent run and relay: the same options, and exit 2 for a config that restarting
 * cannot fix (RestartPreventExitStatus=2 in the units).
 */

/** The compiled mains beside this compiled test (works for dist/ and any --outDir). */
const MAINS = {
  'porchlight-hub': path.join(__dirname, '..', '..', 'hub', 'main.js'),
  'porchlight-agent': path.join(__dirname, '..', '..', 'camera-agent', 'main.js'),
  'porchlight-relay': path.join(__dirname, '..', '..', 'cloud-relay', 'main.js'),
};

function run(main: string, args: string[]) {
  return spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PORCHLIGHT_CONFIG: '' } });
}

describe('the processes\' own mains', () => {
  const tmp = useTempDir();

  for (const [name, main] of Object.entries(MAINS)) {
    it(`${name}: --help names --config and --data; a bad config exits 2 naming the setting`, () => {
      const help = run(main, ['--help']);
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^Usage: ${name} \\[options\\]`));
      assert.match(help.stdout, /-c, --config <file>/);
      assert.match(help.stdout, /-d, --data <dir>/);

      const file = path.join(tmp.dir, 'bad.yaml');
      writeFileSync(file, 'bogus: 1\n');
      const bad = run(main, ['--config', file]);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /setting "bogus" is invalid/);
    });
  }
});

import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { directoryGpioBank, type PinLevel } from '../../common/gpio';
import { useTempDir } from '../helpers/tmp';

const CLI = path.join(__dirname, '..', '..', '..', 'bin', 'porchlight.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function porchlight(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'sim', 'gpio', ...args], (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('porchlight sim gpio', function () {
  this.timeout(30_000);
  const tmp = useTempDir('porchlight-simgpio-');

  it('sets a line and reads it back, as files a hub or camera shares', async () => {
    const set = await porchlight('set', '17', '1', '--dir', tmp.dir);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(readFileSync(path.join(tmp.dir, 'gpio17'), 'utf8'), '1\n');
    const get = await porchlight('get', '17', '--dir', tmp.dir);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, '1\n');
  });

  it('presses a button: flips the line from its resting level and back, which the process that opened it sees', async () => {
    const bank = directoryGpioBank(tmp.dir);
    const button = bank.provider().input({ line: 22, activeLow: true, debounceMs: 50, label: 'sync button' });
    const seen: PinLevel[] = [];
    button.watch((v) => seen.push(v));
    const press = await porchlight('press', '22', '--ms', '300', '--dir', tmp.dir);
    assert.equal(press.code, 0, press.stderr);
    assert.match(press.stdout, /GPIO22 held at 0 for 300 ms, back at 1/);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(seen, [1, 0], 'pressed, then released');
    button.close();
  });

  const refused: Array<[string, () => string[], RegExp]> = [
    ['a line past 1023', () => ['set', '1024', '1', '--dir', tmp.dir], /argument 'line'.*from 0 to 1023/],
    ['a negative line', () => ['get', '-1', '--dir', tmp.dir], /argument 'line'.*from 0 to 1023/],
    ['a fractional line', () => ['set', '17.5', '0', '--dir', tmp.dir], /from 0 to 1023/],
    ['a line that is not a number', () => ['press', 'GPIO17', '--dir', tmp.dir], /from 0 to 1023/],
    ['a level other than 0 or 1', () => ['set', '17', 'high', '--dir', tmp.dir], /argument 'level'.*must be 0 or 1/],
    ['a directory that does not exist', () => ['set', '17', '1', '--dir', path.join(tmp.dir, 'nope')], /--dir.*must be an existing directory/],
    ['a missing --dir', () => ['get', '17'], /required option '--dir <dir>' not specified/],
    ['a press of no time', () => ['press', '17', '--ms', '0', '--dir', tmp.dir], /--ms.*from 1 to 60000/],
  ];
  for (const [what, args, message] of refused) {
    it(`refuses ${what} with a message and a non-zero exit`, async () => {
      const run = await porchlight(...args());
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, message);
      assert.deepEqual(readdirSync(tmp.dir), [], 'nothing written');
    });
  }

  it('says how to get a level for a line nobody has opened or set', async () => {
    for (const args of [['get', '18'], ['press', '22']]) {
      const run = await porchlight(...args, '--dir', tmp.dir);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /has no level in .* yet .*start the hub or camera that uses the line first/);
    }
  });
});

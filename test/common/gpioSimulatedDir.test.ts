import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createGpio, directoryGpioBank, DirectoryPinStorage, GpioError, simulatedLineFile, type PinLevel } from '../../common/gpio';
import { captureLog } from '../helpers/logCapture';
import { useTempDir } from '../helpers/tmp';
import { sleep, until } from '../helpers/wait';



/*
 * Two banks on one directory: `here` opens the pins as a hub or camera would, `there`
 * stands in for another process (the simulator, `porchlight sim gpio`) and never opens them.
 */
describe('simulated GPIO in a directory', () => {
  const tmp = useTempDir('porchlight-gpiodir-');
  const fileOf = (line: number) => readFileSync(simulatedLineFile(tmp.dir, line), 'utf8');

  it('writes an output to its file, where another process reads it', () => {
    const here = directoryGpioBank(tmp.dir);
    const there = directoryGpioBank(tmp.dir);
    const led = here.provider().output({ line: 18, label: 'recording LED' });
    assert.equal(fileOf(18), '0\n', 'opened switched off');
    led.write(1);
    assert.equal(there.level(18), 1);
    led.close();
    assert.equal(there.level(18), 0, 'switched off on close');
  });

  it('gives an input without a level its resting level, so another process can flip it', () => {
    const here = directoryGpioBank(tmp.dir);
    const button = here.provider().input({ line: 22, activeLow: true });
    assert.equal(fileOf(22), '1\n', 'a button to ground rests high');
    assert.equal(button.read(), 0);
    button.close();
  });

  it('reports an input another process drives, debounced and once per change', async () => {
    const here = directoryGpioBank(tmp.dir);
    const there = directoryGpioBank(tmp.dir);
    const pir = here.provider().input({ line: 17, debounceMs: 40, label: 'PIR sensor' });
    const seen: PinLevel[] = [];
    pir.watch((v) => seen.push(v));
    there.setLevel(17, 1);
    there.setLevel(17, 0); // bounce
    there.setLevel(17, 1);
    await sleep(20);
    assert.deepEqual(seen, [], 'nothing before the line has settled');
    await until('the change to be reported', () => seen.length > 0);
    assert.deepEqual(seen, [1]);
    assert.equal(pir.read(), 1);
    there.setLevel(17, 0);
    await until('the release to be reported', () => seen.length > 1);
    await sleep(150);
    assert.deepEqual(seen, [1, 0], 'each change once, nothing from the poll in between');
    pir.close();
  });

  it('ignores a pulse from another process shorter than the debounce time', async () => {
    const here = directoryGpioBank(tmp.dir);
    const there = directoryGpioBank(tmp.dir);
    const pin = here.provider().input({ line: 4, debounceMs: 80 });
    const seen: PinLevel[] = [];
    pin.watch((v) => seen.push(v));
    there.setLevel(4, 1);
    await sleep(10);
    there.setLevel(4, 0);
    await sleep(250);
    assert.deepEqual(seen, []);
    pin.close();
  });

  it('reads a file written in place (echo 1 > gpio5), and one holding anything but 0 or 1 as resting', async () => {
    const bank = directoryGpioBank(tmp.dir);
    const pin = bank.provider().input({ line: 5 });
    const seen: PinLevel[] = [];
    pin.watch((v) => seen.push(v));
    writeFileSync(simulatedLineFile(tmp.dir, 5), '1');
    await until('the write to be seen', () => seen.length > 0);
    writeFileSync(simulatedLineFile(tmp.dir, 5), 'on\n');
    await until('garbage to read as resting', () => seen.length > 1);
    assert.deepEqual(seen, [1, 0]);
    pin.close();
  });

  it('polls where the directory cannot be watched, and stops when the last watcher goes', async () => {
    const storage = new DirectoryPinStorage(path.join(tmp.dir, 'not-there'), 10); // fs.watch fails: ENOENT
    let polls = 0;
    const stop = storage.watch(5, () => (polls += 1));
    await until('a few polls', () => polls >= 3);
    stop();
    const after = polls;
    await sleep(50);
    assert.equal(polls, after);
  });

  it('refuses a pin whose file cannot be written, and leaves the line free', () => {
    const gone = path.join(tmp.dir, 'missing');
    const gpio = directoryGpioBank(gone).provider();
    assert.throws(() => gpio.output({ line: 18 }), (err: Error) => err instanceof GpioError && /cannot write simulated GPIO18 to .*missing\/gpio18/.test(err.message));
    assert.throws(() => gpio.output({ line: 18 }), /cannot write/, 'not "already used": the failed open released the line');
  });

  it('createGpio keeps simulated pins in gpio.simulatedDir, creating it, and says where', () => {
    const dir = path.join(tmp.dir, 'gpio', 'porch');
    const { log, messages } = captureLog();
    const led = createGpio({ simulate: true, simulatedDir: dir }, log).output({ line: 18 });
    led.write(1);
    assert.equal(readFileSync(path.join(dir, 'gpio18'), 'utf8'), '1\n');
    assert.match(messages('info').join('\n'), /simulated pins \(gpio\.simulate is true\), one file per line in .*gpio\/porch/);
    led.close();
  });
});

import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, parseConfig } from '../../common/config';
import { createGpio, GpioError, resolveHeaderLine, SimulatedGpioBank, type PinLevel } from '../../common/gpio';
import type { OnoffModule } from '../../common/gpio/onoff';
import { captureLog } from '../helpers/logCapture';
import { useTempDir } from '../helpers/tmp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GPIO', () => {
  describe('config', () => {
    it('leaves GPIO off by default and fills in the defaults of a configured pin', () => {
      const c = parseConfig({ agent: { gpio: { pir: { line: 17 }, recordingLed: { line: 27 } } }, hub: { gpio: { syncButton: { line: 22 } } } });
      assert.deepEqual(c.agent.gpio.pir, { line: 17, activeLow: false, debounceMs: 50, mode: 'trigger', confirmWindowSeconds: 5 });
      assert.deepEqual(c.agent.gpio.recordingLed, { line: 27, activeLow: false });
      assert.deepEqual(c.hub.gpio.syncButton, { line: 22, activeLow: true, debounceMs: 50 });
      assert.deepEqual(parseConfig({}).agent.gpio, {});
      assert.deepEqual(parseConfig({}).hub.gpio, {});
    });

    const bad: Array<[string, unknown, RegExp]> = [
      ['a line number past 1023', { agent: { gpio: { pir: { line: 5000 } } } }, /setting "agent\.gpio\.pir\.line" is invalid: Expected integer to be less or equal to 1023 \(found 5000\)/],
      ['a fractional line number', { agent: { gpio: { recordingLed: { line: 17.5 } } } }, /"agent\.gpio\.recordingLed\.line" is invalid: Expected integer/],
      ['a negative debounce', { hub: { gpio: { syncButton: { line: 22, debounceMs: -5 } } } }, /"hub\.gpio\.syncButton\.debounceMs" is invalid: Expected integer to be greater or equal to 10 \(found -5\)/],
      ['a PIR debounce over 2 s', { agent: { gpio: { pir: { line: 17, debounceMs: 60_000 } } } }, /"agent\.gpio\.pir\.debounceMs" is invalid/],
      ['an unknown PIR mode', { agent: { gpio: { pir: { line: 17, mode: 'both' } } } }, /"agent\.gpio\.pir\.mode" is invalid/],
      ['a pin without a line', { agent: { gpio: { recordingLed: { activeLow: true } } } }, /"agent\.gpio\.recordingLed\.line" is invalid: .*\(found missing\)/],
      ['a typo in a pin', { agent: { gpio: { pir: { line: 17, debounce: 10 } } } }, /agent\.gpio\.pir/],
    ];
    for (const [what, input, names] of bad) {
      it(`refuses ${what}, naming the setting`, () => {
        assert.throws(() => parseConfig(input, 'test.yaml'), (err: Error) => err instanceof ConfigError && names.test(err.message));
      });
    }
  });

  describe('simulated pins', () => {
    it('reports a changed input to its watcher once the level has settled, dated at the edge', async () => {
      let t = 1_000;
      const bank = new SimulatedGpioBank(() => t);
      const pin = bank.provider().input({ line: 17, debounceMs: 30 });
      const seen: Array<[PinLevel, number]> = [];
      pin.watch((v, at) => seen.push([v, at]));
      bank.drive(17, true);
      t = 1_005;
      bank.drive(17, false); // contact bounce
      t = 1_010;
      bank.drive(17, true);
      assert.deepEqual(seen, [], 'nothing is reported while the line bounces');
      await sleep(80);
      assert.deepEqual(seen, [[1, 1_010]], 'one change, dated when the line last moved');
      assert.equal(pin.read(), 1);
      pin.close();
    });

    it('ignores a pulse shorter than the debounce time', async () => {
      const bank = new SimulatedGpioBank();
      const pin = bank.provider().input({ line: 4, debounceMs: 40 });
      const seen: PinLevel[] = [];
      pin.watch((v) => seen.push(v));
      bank.drive(4, true);
      await sleep(5);
      bank.drive(4, false);
      await sleep(90);
      assert.deepEqual(seen, []);
      pin.close();
    });

    it('reports at once without debounce, and applies active-low wiring', () => {
      const bank = new SimulatedGpioBank();
      const pin = bank.provider().input({ line: 5, activeLow: true });
      assert.equal(bank.level(5), 1, 'an idle active-low line rests high (pull-up)');
      assert.equal(pin.read(), 0);
      const seen: PinLevel[] = [];
      pin.watch((v) => seen.push(v));
      bank.setLevel(5, 0); // shorted to ground: active
      assert.deepEqual(seen, [1]);
      bank.drive(5, false);
      assert.equal(bank.level(5), 1);
      assert.deepEqual(seen, [1, 0]);
      pin.close();
    });

    it('drives an output, reports its changes and switches it off on close', () => {
      const bank = new SimulatedGpioBank();
      const changes: Array<[number, boolean]> = [];
      bank.onOutput((line, on) => changes.push([line, on]));
      const led = bank.provider().output({ line: 22, activeLow: true, label: 'recording LED' });
      assert.equal(bank.isOn(22), false);
      led.write(1);
      assert.equal(bank.isOn(22), true);
      assert.equal(bank.level(22), 0, 'an active-low LED is lit by driving the line to 0 V');
      led.write(1);
      led.close();
      assert.equal(bank.isOn(22), false);
      assert.equal(bank.isOpen(22), false);
      assert.deepEqual(changes, [
        [22, true],
        [22, false],
      ]);
      assert.throws(() => led.write(1), /closed/);
    });

    it('refuses to give one line to two features, naming the first', () => {
      const gpio = new SimulatedGpioBank().provider();
      const pir = gpio.input({ line: 17, label: 'PIR sensor' });
      assert.throws(
        () => gpio.output({ line: 17, label: 'recording LED' }),
        (err: Error) => err instanceof GpioError && /GPIO17 is already used by the PIR sensor/.test(err.message),
      );
      pir.close();
      gpio.output({ line: 17 }).close();
    });
  });

  describe('choosing real or simulated pins', () => {
    const fakeOnoff = (accessible: boolean) => ({ Gpio: { accessible } }) as unknown as OnoffModule;

    it('simulates when the machine has no accessible GPIO, and says so in the log', () => {
      const { log, lines } = captureLog();
      const bank = new SimulatedGpioBank();
      const gpio = createGpio({}, log, { bank, loadOnoff: () => fakeOnoff(false) });
      assert.equal(gpio.kind, 'simulated');
      gpio.output({ line: 3 }).write(1);
      assert.equal(bank.isOn(3), true, 'pins live in the bank passed in');
      assert.ok(lines.some((l) => l.level === 40 && /using simulated pins/.test(l.msg)), JSON.stringify(lines));
    });

    it('simulates on this machine with the real onoff, whose Gpio.accessible is false here', () => {
      // This machine is not a Pi: /sys/class/gpio does not exist, so onoff reports
      // Gpio.accessible = false. Its native epoll addon did build and loads
      // (node_modules/epoll/build/Release/epoll.node), which this require proves.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the test is that require() loads onoff's native addon, as common/gpio does
      const onoff = require('onoff') as OnoffModule;
      assert.equal(onoff.Gpio.accessible, false);
      const { log } = captureLog();
      assert.equal(createGpio({}, log, { bank: new SimulatedGpioBank() }).kind, 'simulated');
    });

    it('simulates when told to, even where real GPIO exists', () => {
      const { log, messages } = captureLog();
      assert.equal(createGpio({ simulate: true }, log, { loadOnoff: () => fakeOnoff(true) }).kind, 'simulated');
      assert.match(messages('info').join('\n'), /simulated pins \(gpio\.simulate is true\)/);
    });

    it('uses onoff where GPIO is accessible', () => {
      const { log, messages } = captureLog();
      assert.equal(createGpio({}, log, { loadOnoff: () => fakeOnoff(true) }).kind, 'onoff');
      assert.match(messages('info').join('\n'), /real pins through onoff/);
    });

    it('fails at start with a fix when real GPIO is required but missing', () => {
      const { log } = captureLog();
      assert.throws(() => createGpio({ simulate: false }, log, { loadOnoff: () => fakeOnoff(false) }), /real GPIO is required .*"gpio" group/);
    });

    it('falls back to simulation when onoff cannot load (its native addon did not build)', () => {
      const { log, lines } = captureLog();
      const gpio = createGpio({}, log, {
        bank: new SimulatedGpioBank(),
        loadOnoff: () => {
          throw new Error('Cannot find module ./build/Release/epoll.node');
        },
      });
      assert.equal(gpio.kind, 'simulated');
      assert.ok(lines.some((l) => /onoff module did not load/.test(String(l.reason))));
    });
  });

  /*
   * The onoff provider itself, against a stand-in for onoff's Gpio class. Real sysfs GPIO
   * cannot be exercised on this machine (no /sys/class/gpio, Gpio.accessible is false); on a
   * Pi the same code paths run against the kernel.
   */
  describe('onoff pins (stand-in Gpio)', () => {
    const tmp = useTempDir('porchlight-gpio-');

    function fakeSysfs(chips: Array<{ name: string; label: string; base: number; ngpio: number }>): string {
      for (const c of chips) {
        const dir = path.join(tmp.dir, c.name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, 'label'), `${c.label}\n`);
        writeFileSync(path.join(dir, 'base'), `${c.base}\n`);
        writeFileSync(path.join(dir, 'ngpio'), `${c.ngpio}\n`);
      }
      return tmp.dir;
    }

    it('maps BCM numbers to sysfs numbers on a Pi 5 (RP1, base 571)', () => {
      const pi5 = fakeSysfs([
        { name: 'gpiochip512', label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 },
        { name: 'gpiochip571', label: 'pinctrl-rp1', base: 571, ngpio: 54 },
      ]);
      assert.equal(resolveHeaderLine(17, pi5).sysfs, 588);
    });
    it('maps on a Pi 4 with kernel 6.6 (base 512)', () => {
      const pi4 = fakeSysfs([
        { name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
        { name: 'gpiochip570', label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
      ]);
      assert.equal(resolveHeaderLine(17, pi4).sysfs, 529);
      assert.throws(() => resolveHeaderLine(60, pi4), /GPIO60 does not exist on this board: pinctrl-bcm2711 has lines 0–57/);
    });
    it('maps on an older kernel (base 0)', () => {
      assert.equal(resolveHeaderLine(17, fakeSysfs([{ name: 'gpiochip0', label: 'pinctrl-bcm2835', base: 0, ngpio: 54 }])).sysfs, 17);
    });
    it('names the chips it found on a board it does not know', () => {
      const other = fakeSysfs([{ name: 'gpiochip0', label: 'sunxi-pinctrl', base: 0, ngpio: 224 }]);
      assert.throws(() => resolveHeaderLine(17, other), /no Raspberry Pi GPIO header controller .*gpiochip0 "sunxi-pinctrl" \(base 0\).*gpio\.simulate: true/);
    });

    interface Made {
      gpio: number;
      direction: string;
      edge: unknown;
      options: unknown;
      writes: number[];
      unexported: boolean;
      fire: (value: PinLevel) => void;
      level: PinLevel;
    }

    function standIn(): { onoff: OnoffModule; made: Made[] } {
      const made: Made[] = [];
      class Gpio {
        static accessible = true;
        private readonly m: Made;
        constructor(gpio: number, direction: string, edge?: unknown, options?: unknown) {
          this.m = { gpio, direction, edge, options, writes: [], unexported: false, fire: () => undefined, level: 0 };
          made.push(this.m);
        }
        readSync() {
          return this.m.level;
        }
        writeSync(v: number) {
          this.m.writes.push(v);
        }
        watch(cb: (err: Error | null, v: PinLevel) => void) {
          this.m.fire = (v) => {
            this.m.level = v;
            cb(null, v);
          };
        }
        unwatch() {
          this.m.fire = () => undefined;
        }
        unexport() {
          this.m.unexported = true;
        }
      }
      return { onoff: { Gpio } as unknown as OnoffModule, made };
    }

    it('opens inputs on the offset line with onoff debounce and active-low, reporting changes only', () => {
      const root = fakeSysfs([{ name: 'gpiochip571', label: 'pinctrl-rp1', base: 571, ngpio: 54 }]);
      const { onoff, made } = standIn();
      const { log } = captureLog();
      const gpio = createGpio({}, log, { loadOnoff: () => onoff, sysfsRoot: root });
      const pin = gpio.input({ line: 17, activeLow: true, debounceMs: 25, label: 'PIR sensor' });
      const m = made[0]!;
      assert.deepEqual([m.gpio, m.direction, m.edge, m.options], [588, 'in', 'both', { debounceTimeout: 25, activeLow: true }]);
      const seen: PinLevel[] = [];
      pin.watch((v) => seen.push(v));
      m.fire(1);
      m.fire(1); // onoff's trailing debounce can report the same value again after a bounce
      m.fire(0);
      assert.deepEqual(seen, [1, 0]);
      pin.close();
      assert.equal(m.unexported, true);
    });

    it('opens outputs already off and leaves them off when closed', () => {
      const root = fakeSysfs([{ name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]);
      const { onoff, made } = standIn();
      const { log } = captureLog();
      const led = createGpio({}, log, { loadOnoff: () => onoff, sysfsRoot: root }).output({ line: 27, activeLow: true });
      const m = made[0]!;
      assert.equal(m.gpio, 539);
      assert.equal(m.direction, 'high', 'an active-low LED starts with its line high: off');
      led.write(1);
      led.close();
      assert.deepEqual(m.writes, [1, 0]);
      assert.equal(m.unexported, true);
    });
  });
});

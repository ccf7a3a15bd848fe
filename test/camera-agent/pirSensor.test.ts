import { strict as assert } from 'node:assert';
import { PirSensor, type PirEvent } from '../../camera-agent/pirSensor';
import { SimulatedGpioBank } from '../../common/gpio';
import { captureLog } from '../helpers/logCapture';

describe('PIR sensor', () => {
  describe('sensor on a GPIO line', () => {
    it('turns the line into motion start and end, dated at the edges', () => {
      let t = 50_000;
      const bank = new SimulatedGpioBank(() => t);
      const pir = new PirSensor(bank.provider(), { line: 17, activeLow: false, debounceMs: 0 }, captureLog().log, () => t);
      const events: PirEvent[] = [];
      pir.on('motion', (e) => events.push(e));
      pir.start();
      bank.drive(17, true);
      t = 53_000;
      bank.drive(17, false);
      assert.deepEqual(events, [
        { kind: 'start', at: 50_000 },
        { kind: 'end', at: 53_000 },
      ]);
      pir.stop();
      assert.equal(bank.isOpen(17), false, 'stop releases the line');
    });

    it('reports a sensor that is already high at start as motion, and ends it on stop', () => {
      let t = 1_000;
      const bank = new SimulatedGpioBank(() => t);
      bank.setLevel(6, 0); // active-low sensor holding the line low: motion
      const pir = new PirSensor(bank.provider(), { line: 6, activeLow: true, debounceMs: 0 }, captureLog().log, () => t);
      const events: PirEvent[] = [];
      pir.on('motion', (e) => events.push(e));
      pir.start();
      assert.equal(pir.active, true);
      t = 2_000;
      pir.stop();
      assert.deepEqual(events, [
        { kind: 'start', at: 1_000 },
        { kind: 'end', at: 2_000 },
      ]);
    });
  });
});

import { strict as assert } from 'node:assert';
import { RecordingLed } from '../../camera-agent/recordingLed';
import { SimulatedGpioBank } from '../../common/gpio';
import { captureLog } from '../helpers/logCapture';

describe('recording LED', () => {
  const LINE = 27;
  function setup(activeLow = false) {
    const bank = new SimulatedGpioBank();
    const logged = captureLog();
    const led = new RecordingLed(bank.provider(), { line: LINE, activeLow }, logged.log);
    return { bank, led, ...logged };
  }

  it('is lit while the camera records or streams live, and goes off only when both stopped', async () => {
    const { bank, led } = setup();
    led.start();
    assert.equal(bank.isOn(LINE), false);
    const stopRecording = led.hold('recording');
    assert.equal(bank.isOn(LINE), true);
    const stopLive = led.hold('live');
    stopRecording();
    assert.equal(bank.isOn(LINE), true, 'still streaming live');
    assert.deepEqual(led.reasons, ['live']);
    stopRecording(); // a second release of the same hold changes nothing
    assert.equal(bank.isOn(LINE), true);
    stopLive();
    assert.equal(bank.isOn(LINE), false);
    await led.close();
  });

  it('lights for capture that began before the pin was opened, on an active-low LED', async () => {
    const { bank, led } = setup(true);
    const release = led.hold('recording');
    led.start();
    assert.equal(bank.isOn(LINE), true);
    assert.equal(bank.level(LINE), 0, 'active-low: lit with the line at 0 V');
    release();
    await led.close();
  });

  it('on stop, stays on until recording has stopped, then switches off and stays off', async () => {
    const { bank, led, messages } = setup();
    led.start();
    const release = led.hold('recording');
    let closed = false;
    const closing = led.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(closed, false, 'close waits for the clip being written');
    assert.equal(bank.isOn(LINE), true, 'and the LED stays lit meanwhile');
    release();
    await closing;
    assert.equal(bank.isOn(LINE), false);
    assert.equal(bank.isOpen(LINE), false, 'the line is released');
    led.hold('recording');
    assert.equal(bank.isOn(LINE), false, 'a hold after close cannot light it');
    assert.match(messages('warn').join('\n'), /after the recording LED was closed/);
  });

  it('logs a pin that cannot be written and never throws into the recorder', async () => {
    const { bank, led, lines } = setup();
    led.start();
    bank.setFault(LINE, 'EIO: i/o error, write');
    let release1 = () => undefined as void;
    assert.doesNotThrow(() => (release1 = led.hold('recording')));
    assert.doesNotThrow(() => release1());
    const release2 = led.hold('recording');
    const errors = lines.filter((l) => l.level === 50);
    assert.equal(errors.length, 1, 'one error for a run of failures, not one per clip');
    assert.match(errors[0]!.msg, /recording LED could not be switched; capture goes on/);
    assert.match(String(errors[0]!.err), /EIO/);
    bank.setFault(LINE, null);
    release2();
    const release3 = led.hold('recording');
    assert.equal(bank.isOn(LINE), true, 'works again once the pin can be written');
    release3();
    await led.close();
    assert.equal(bank.isOn(LINE), false);
  });

  it('switches off when the process exits without stopping', () => {
    const { bank, led } = setup();
    const before = process.listeners('exit');
    led.start();
    const hooks = process.listeners('exit').filter((l) => !before.includes(l));
    assert.equal(hooks.length, 1, 'the LED hooks process exit');
    led.hold('recording');
    // Only the LED's hook is called: emitting 'exit' would run every other module's hooks too.
    (hooks[0] as (code: number) => void)(1);
    assert.equal(bank.isOn(LINE), false);
    assert.equal(process.listeners('exit').includes(hooks[0]!), false, 'the exit hook removes itself');
  });
});

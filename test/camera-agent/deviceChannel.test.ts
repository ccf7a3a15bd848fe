import { strict as assert } from 'node:assert';
import { DeviceChannel, type ChannelOpener } from '../../camera-agent/deviceChannel';
import { captureLog } from '../helpers/logCapture';
import { RecordingClock } from '../helpers/recordingClock';
import { until } from '../helpers/wait';

/** One connection the fake hub opened: the test pushes events on it, ends it or fails it. */
interface FakeConnection {
  push(event: string, data: string): void;
  end(): void;
  fail(message: string): void;
}

/** A hub client whose channel the test drives by hand. */
function fakeHub(): ChannelOpener & { opened: FakeConnection[] } {
  const opened: FakeConnection[] = [];
  return {
    opened,
    channel: (onEvent, signal) =>
      new Promise<void>((resolve, reject) => {
        const onAbort = () => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        const settle = (done: () => void) => {
          signal.removeEventListener('abort', onAbort);
          done();
        };
        opened.push({ push: onEvent, end: () => settle(resolve), fail: (message) => settle(() => reject(new Error(message))) });
      }),
  };
}

describe('device channel: one connection per camera, each pushed event to its consumer, reconnects with the shared backoff', () => {
  const pinned = () => 0.5;

  it('hands each event to every handler of its name, keeps a failing handler to itself, and ignores events nobody wants', async () => {
    const hub = fakeHub();
    const capture = captureLog();
    const got: string[] = [];
    const channel = new DeviceChannel(hub, capture.log, { clock: new RecordingClock(), random: pinned })
      .on('arming', (d) => got.push(`arming ${d}`))
      .on('settings', () => {
        throw new Error('cannot apply');
      })
      .on('settings', (d) => got.push(`settings ${d}`))
      .on('snapshot', (d) => got.push(`snapshot ${d}`))
      .on('live', (d) => got.push(`live ${d}`));
    channel.start();
    const connection = await until('the channel open', () => hub.opened[0]);
    connection.push('hello', '{}');
    connection.push('arming', 'A');
    connection.push('settings', 'S');
    connection.push('snapshot', 'P');
    connection.push('live', 'L');
    connection.push('something-newer', 'X');
    assert.deepEqual(got, ['arming A', 'settings S', 'snapshot P', 'live L']);
    assert.ok(capture.messages('warn').includes('a channel event could not be handled'));
    assert.equal(hub.opened.length, 1, 'one connection for everything the hub pushes');
    await channel.stop();
  });

  it('waits 1 s, 2 s, 4 s … up to 30 s between failed tries, and from 1 s again once the hub answered', async () => {
    const hub = fakeHub();
    const clock = new RecordingClock();
    const channel = new DeviceChannel(hub, captureLog().log, { clock, random: pinned });
    channel.start();
    for (let n = 1; n <= 7; n++) {
      (await until(`try ${n}`, () => hub.opened[n - 1])).fail('connect ECONNREFUSED');
      await until(`wait ${n}`, () => clock.waits.length === n);
      clock.advance(clock.waits[n - 1]!);
    }
    assert.deepEqual(clock.waits, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    // The hub answers, then restarts: the channel drops and is tried again after the first delay.
    const answered = await until('try 8', () => hub.opened[7]);
    answered.push('hello', '{}');
    answered.end();
    await until('wait 8', () => clock.waits.length === 8);
    assert.equal(clock.waits[7], 1000);
    clock.advance(1000);
    await until('reconnected', () => hub.opened[8]);
    await channel.stop();
  });

  it('jitters its waits, so cameras that lost the hub together do not come back in lockstep', async () => {
    const waitsWith = async (random: () => number) => {
      const hub = fakeHub();
      const clock = new RecordingClock();
      const channel = new DeviceChannel(hub, captureLog().log, { clock, random });
      channel.start();
      (await until('try', () => hub.opened[0])).fail('connect ECONNREFUSED');
      await until('wait', () => clock.waits.length === 1);
      await channel.stop();
      return clock.waits[0];
    };
    assert.equal(await waitsWith(() => 0), 800);
    assert.equal(await waitsWith(() => 0.9999), 1200);
  });

  it('stops at once, even while waiting to reconnect, and opens nothing more', async () => {
    const hub = fakeHub();
    const clock = new RecordingClock();
    const channel = new DeviceChannel(hub, captureLog().log, { clock, random: pinned });
    channel.start();
    (await until('try', () => hub.opened[0])).fail('connect ECONNREFUSED');
    await until('waiting', () => clock.waits.length === 1);
    await channel.stop();
    clock.advance(60_000);
    await new Promise((r) => setImmediate(r));
    assert.equal(hub.opened.length, 1);
  });
});

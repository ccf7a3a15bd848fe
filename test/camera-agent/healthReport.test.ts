import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import type { CameraHealthReport } from '../../common/api/cameraHealth';
import type { HealthSnapshot } from '../../camera-agent/cameraHealth';
import type { CaptureEvents } from '../../camera-agent/capture';
import { healthReport, MAX_HEALTH_DETAIL, reportHealth } from '../../camera-agent/healthReport';
import { captureLog } from '../helpers/logCapture';

const snapshot = (state: HealthSnapshot['state'], since: number, detail: string | null = null): HealthSnapshot => ({ state, since, lastVideoAt: null, failures: state === 'unreachable' ? 2 : 0, detail });

function setup(send: (r: CameraHealthReport) => Promise<void>) {
  let now = snapshot('connecting', 1000);
  const feed = Object.assign(new EventEmitter<CaptureEvents>(), { healthNow: () => now });
  const channel = new EventEmitter<{ hello: [string] }>();
  const { log, messages } = captureLog();
  reportHealth(feed, channel, { sendHealth: send }, log);
  return {
    feed,
    channel,
    messages,
    setNow: (h: HealthSnapshot) => {
      now = h;
    },
  };
}

describe('health reports to the hub (no processes)', () => {
  it('sends the health on every change, and the state now each time the channel says hello', () => {
    const sent: CameraHealthReport[] = [];
    const { feed, channel, setNow } = setup((r) => (sent.push(r), Promise.resolve()));
    channel.emit('hello', '');
    const down = snapshot('unreachable', 2000, 'Connection refused');
    setNow(down);
    feed.emit('health', down);
    channel.emit('hello', '');
    assert.deepEqual(sent, [
      { state: 'connecting', since: 1000, failures: 0, detail: null },
      { state: 'unreachable', since: 2000, failures: 2, detail: 'Connection refused' },
      { state: 'unreachable', since: 2000, failures: 2, detail: 'Connection refused' },
    ]);
  });

  it('a hub that cannot be reached is noted, not thrown', async () => {
    const { feed, messages } = setup(() => Promise.reject(new Error('offline')));
    feed.emit('health', snapshot('streaming', 5));
    await new Promise((r) => setImmediate(r));
    assert.ok(messages('debug').includes('health not sent'));
  });

  it('cuts a long failure detail to what the hub accepts, and leaves out what the hub does not take', () => {
    const report = healthReport({ ...snapshot('unsupported', 7, 'x'.repeat(2000)), lastVideoAt: 3 });
    assert.equal(report.detail?.length, MAX_HEALTH_DETAIL);
    assert.deepEqual(Object.keys(report).sort(), ['detail', 'failures', 'since', 'state']);
  });
});

import { strict as assert } from 'node:assert';
import { parseConfig } from '../../common/config';
import { createLogger } from '../../common/logger';
import { Capture } from '../../camera-agent/capture';
import type { CameraState } from '../../camera-agent/cameraHealth';
import { SourceError, SourceUnavailableError } from '../../camera-agent/sourceErrors';
import type { VideoSource } from '../../camera-agent/videoSource';
import { RecordingClock } from '../helpers/recordingClock';
import { until } from '../helpers/wait';

// The capture's connect loop and its health, without a camera: the resolver stands in for
// the probe, and a camera that never answers it is never given to ffmpeg.
describe('capture health (no camera)', () => {
  const config = parseConfig({ agent: { source: 'rtsp://127.0.0.1:9/cam', health: { stallSeconds: 10, connectSeconds: 20 } } }).agent;
  let capture: Capture | undefined;
  afterEach(async () => {
    await capture?.stop();
    capture = undefined;
  });

  function start(resolve: () => Promise<VideoSource>) {
    const clock = new RecordingClock(1_000_000);
    let attempts = 0;
    const c = new Capture(
      () => {
        attempts += 1;
        return resolve();
      },
      config,
      createLogger('capture-health-test', 'silent'),
      'ffmpeg-never-started',
      { clock, random: () => 0.5 },
    );
    const states: CameraState[] = [];
    c.on('health', (h) => states.push(h.state));
    capture = c;
    c.start();
    return { c, clock, states, attempts: () => attempts };
  }

  it('retries an unreachable camera quickly (1 s, 2 s, …) and shows it unreachable', async () => {
    const t = start(() => Promise.reject(new SourceUnavailableError('unreachable', 'Connection refused')));
    await until('first failure', () => t.clock.waits.length === 1);
    t.clock.advance(t.clock.waits[0]!);
    await until('second failure', () => t.clock.waits.length === 2);
    assert.deepEqual(t.clock.waits, [1000, 2000]);
    assert.deepEqual(t.states, ['unreachable']);
    assert.equal(t.c.healthNow().failures, 2);
    assert.equal(t.c.healthNow().detail, 'Connection refused');
  });

  it('asks a camera that refused the password again only after 30 s, then 60 s', async () => {
    const t = start(() => Promise.reject(new SourceUnavailableError('unauthorized', 'rtsp://admin:hunter2@cam/x: 401 Unauthorized')));
    await until('first refusal', () => t.clock.waits.length === 1);
    t.clock.advance(t.clock.waits[0]!);
    await until('second refusal', () => t.clock.waits.length === 2);
    assert.deepEqual(t.clock.waits, [30_000, 60_000]);
    assert.equal(t.attempts(), 2);
    assert.equal(t.c.healthNow().state, 'unauthorized');
    assert.ok(!t.c.healthNow().detail?.includes('hunter2'), 'the password is kept out of the state');
  });

  it('shows a source the config gets wrong as unsupported, with its words', async () => {
    const t = start(() => Promise.reject(new SourceError('video file "/x.mp4" does not exist')));
    await until('failure', () => t.clock.waits.length === 1);
    assert.equal(t.c.healthNow().state, 'unsupported');
    assert.equal(t.c.healthNow().detail, 'video file "/x.mp4" does not exist');
  });

  it('feeds the watchdog through a backoff wait, and stops when a connect hangs past its bounds', async () => {
    let hang = false;
    const t = start(() => (hang ? new Promise<VideoSource>(() => undefined) : Promise.reject(new SourceUnavailableError('unreachable', 'down'))));
    await until('first failure', () => t.clock.waits.length === 1);
    hang = true;
    t.clock.advance(1000 + 4_000);
    assert.ok(t.c.progressing(), 'within the wait and its grace');
    await until('the hanging attempt', () => t.attempts() === 2);
    // connectSeconds 20 + 5 s of grace from the attempt's start.
    t.clock.advance(25_000);
    assert.ok(t.c.progressing());
    t.clock.advance(1);
    assert.ok(!t.c.progressing(), 'a probe that never returns is a wedged pipeline');
  });
});

import { strict as assert } from 'node:assert';
import { CameraHealth } from '../../camera-agent/cameraHealth';

const limits = { stallMs: 10_000, connectMs: 20_000, graceMs: 5_000 };

describe('camera health', () => {
  it('starts connecting, streams on the first video, and stalls only after the limit', () => {
    const h = new CameraHealth(limits, 0);
    assert.equal(h.state, 'connecting');
    assert.equal(h.attempt(0), false);
    assert.equal(h.video(1_000), true);
    assert.equal(h.state, 'streaming');
    assert.equal(h.video(2_000), false, 'more video changes nothing');
    assert.equal(h.stalled(12_000), false, 'exactly the limit is not yet a stall');
    assert.equal(h.stalled(12_001), true);
    assert.equal(h.state, 'stalled');
    assert.equal(h.snapshot().since, 12_001);
  });

  it('goes stalled → reconnecting → unreachable → streaming through an outage', () => {
    const h = new CameraHealth(limits, 0);
    h.attempt(0);
    h.video(500);
    assert.ok(h.stalled(11_000));
    // ffmpeg, killed for the stall, exits: the run that had streamed is being reconnected.
    h.failed(11_100, 'unreachable', 'no video for 10 s');
    assert.equal(h.state, 'reconnecting');
    h.attempt(12_000);
    h.failed(12_100, 'unreachable', 'Connection refused');
    assert.equal(h.state, 'unreachable');
    assert.equal(h.snapshot().failures, 2);
    assert.equal(h.snapshot().detail, 'Connection refused');
    h.attempt(14_000);
    assert.equal(h.state, 'unreachable', 'an attempt alone proves nothing');
    h.video(15_000);
    assert.deepEqual(h.snapshot(), { state: 'streaming', since: 15_000, lastVideoAt: 15_000, failures: 0, detail: null });
  });

  it('names a refused password and an unreadable stream, even right after streaming', () => {
    const h = new CameraHealth(limits, 0);
    h.attempt(0);
    h.failed(100, 'unauthorized', '401 Unauthorized');
    assert.equal(h.state, 'unauthorized');
    h.attempt(60_000);
    h.video(60_500);
    h.failed(70_000, 'unsupported');
    assert.equal(h.state, 'unsupported');
  });

  it('counts an attempt that gives no video within the connect limit as stalled, once per attempt', () => {
    const h = new CameraHealth(limits, 0);
    h.attempt(1_000);
    assert.equal(h.stalled(21_000), false);
    assert.equal(h.stalled(21_001), true);
    assert.equal(h.state, 'connecting', 'never streamed: not "stalled"');
    assert.equal(h.stalled(22_000), false, 'the restart it asked for is given its time');
  });

  it('feeds the watchdog only while the pipeline shows progress within its bounds', () => {
    const h = new CameraHealth(limits, 0);
    assert.ok(h.progressing(25_000), 'the first connect has connectMs + grace');
    assert.ok(!h.progressing(25_001));
    h.attempt(30_000);
    h.video(31_000);
    assert.ok(h.progressing(46_000));
    assert.ok(!h.progressing(46_001), 'video stopped and nobody noticed the stall: wedged');
    h.stalled(42_000);
    assert.ok(h.progressing(60_000), 'a stall noticed gives the restart its connect limit');
    h.failed(43_000, 'unreachable');
    h.waiting(43_000, 30_000);
    assert.ok(h.progressing(78_000), 'a backoff wait is progress for its length');
    assert.ok(!h.progressing(78_001));
  });

  it('refuses limits that are not positive', () => {
    assert.throws(() => new CameraHealth({ ...limits, stallMs: 0 }, 0), /stallMs must be a positive/);
    assert.throws(() => new CameraHealth({ ...limits, graceMs: Number.NaN }, 0), /graceMs/);
  });
});

import { strict as assert } from 'node:assert';
import { nextUpload, type ScheduleState } from '../../camera-agent/detectionSchedule';

const base: ScheduleState = { eventAt: 10_000, newestFrameAt: null, inFlight: false, last: null, intervalMs: 1000 };

describe('detection upload schedule', () => {
  it('sends nothing without motion, whatever pictures there are', () => {
    assert.deepEqual(nextUpload({ ...base, eventAt: null, newestFrameAt: 20_000 }, 20_000), { action: 'idle' });
  });

  it('sends the first picture at motion start only if it was taken at or after the start', () => {
    assert.deepEqual(nextUpload({ ...base, newestFrameAt: 9_600 }, 10_400), { action: 'waitPicture' }, 'a picture of the scene before motion waits for the next');
    assert.deepEqual(nextUpload({ ...base, newestFrameAt: null }, 10_400), { action: 'waitPicture' });
    assert.deepEqual(nextUpload({ ...base, newestFrameAt: 10_000 }, 10_400), { action: 'send' });
    assert.deepEqual(nextUpload({ ...base, newestFrameAt: 10_133 }, 10_400), { action: 'send' });
  });

  it('then one picture per interval, counted from the start of the last upload', () => {
    const last = { sentAt: 10_400, frameAt: 10_133 };
    assert.deepEqual(nextUpload({ ...base, last, newestFrameAt: 10_666 }, 10_700), { action: 'waitUntil', at: 11_400 });
    assert.deepEqual(nextUpload({ ...base, last, newestFrameAt: 11_200 }, 11_400), { action: 'send' });
    assert.deepEqual(nextUpload({ ...base, last, intervalMs: 3000, newestFrameAt: 11_200 }, 11_400), { action: 'waitUntil', at: 13_400 });
  });

  it('never sends the same picture twice: when the interval is up without a newer one, it waits for the next', () => {
    const last = { sentAt: 10_400, frameAt: 10_133 };
    assert.deepEqual(nextUpload({ ...base, last, newestFrameAt: 10_133 }, 12_000), { action: 'waitPicture' });
  });

  it('never has two uploads in flight: a slow hub gets fewer pictures, not a queue', () => {
    assert.deepEqual(nextUpload({ ...base, inFlight: true, newestFrameAt: 10_500 }, 10_500), { action: 'waitUpload' });
    const last = { sentAt: 10_400, frameAt: 10_133 };
    assert.deepEqual(nextUpload({ ...base, inFlight: true, last, newestFrameAt: 14_000 }, 14_000), { action: 'waitUpload' });
  });

  it('refuses an interval that is not a positive number', () => {
    for (const intervalMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => nextUpload({ ...base, intervalMs }, 0), /upload interval/);
  });
});

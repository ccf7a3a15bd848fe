import { strict as assert } from 'node:assert';
import { clipFileName } from '../../hub/clipFileName';
import { isRecording, RECORDING_BOUND_MS } from '../../hub/dashboard';
import { thumbnailSeek } from '../../hub/clipThumbnails';
import { cursorAfter, dayWindow, localDay, MAX_PAGE, parseTimelineQuery, TimelineQueryError } from '../../hub/timelineQuery';

const HOUR = 3600_000;
const CAMERA = '0b6f3c1e-2f0a-4a8e-9d4b-5c6d7e8f9a0b';

describe('timeline query (pure)', () => {
  it('makes a day the home’s local calendar day, 23 or 25 hours long across DST', () => {
    const ny = 'America/New_York';
    const spring = dayWindow('2026-03-08', ny);
    assert.equal(spring.from, Date.parse('2026-03-08T05:00:00Z'), 'midnight EST');
    assert.equal(spring.to, Date.parse('2026-03-09T04:00:00Z'), 'midnight EDT');
    assert.equal(spring.to - spring.from, 23 * HOUR);
    const autumn = dayWindow('2026-10-25', 'Europe/Berlin');
    assert.equal(autumn.to - autumn.from, 25 * HOUR);
    const plain = dayWindow('2026-11-22', 'UTC');
    assert.deepEqual(plain, { from: Date.parse('2026-11-22T00:00:00Z'), to: Date.parse('2026-11-23T00:00:00Z') });
    assert.equal(localDay(Date.parse('2026-03-08T04:59:59Z'), ny), '2026-03-07');
    assert.equal(localDay(Date.parse('2026-03-08T05:00:00Z'), ny), '2026-03-08');
  });

  it('turns parameters into a window, a camera, a cursor and a page size', () => {
    const q = parseTimelineQuery({ camera: CAMERA, day: '2026-11-22', before: `1700000000000_${CAMERA}`, limit: '50' }, 'UTC');
    assert.equal(q.camera, CAMERA);
    assert.equal(q.from, Date.parse('2026-11-22T00:00:00Z'));
    assert.equal(q.day, '2026-11-22');
    assert.deepEqual(q.before, { startedAt: 1700000000000, id: CAMERA });
    assert.equal(q.limit, 50);
    assert.deepEqual(parseTimelineQuery({ before: '1700000000000' }, 'UTC').before, { startedAt: 1700000000000, id: null }, 'a bare time still pages');
    const window = parseTimelineQuery({ from: '1000', to: '2000' }, 'UTC');
    assert.deepEqual([window.from, window.to, window.limit, window.day], [1000, 2000, MAX_PAGE, null]);
    assert.equal(cursorAfter({ startedAt: 5, id: CAMERA }), `5_${CAMERA}`);
  });

  it('refuses each malformed parameter with a clause naming it', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ day: '22.11.2026' }, /^day must be a date written YYYY-MM-DD/],
      [{ day: '2026-02-30' }, /^2026-02-30 is not a date in the calendar/],
      [{ day: '2026-11-22', from: '1' }, /^ask for a day or for from\/to, not both/],
      [{ from: 'yesterday' }, /^from must be a time in milliseconds/],
      [{ from: '2000', to: '1000' }, /^to must be later than from/],
      [{ camera: 'porch' }, /^camera must be the id of a camera/],
      [{ before: 'page-2' }, /^before must be the next cursor/],
      [{ limit: '0' }, /^limit must be a whole number from 1 to 200/],
      [{ limit: '201' }, /^limit must be a whole number from 1 to 200/],
      [{ limit: '2.5' }, /^limit must be a whole number/],
    ];
    for (const [raw, message] of cases) {
      assert.throws(() => parseTimelineQuery(raw, 'UTC'), (err: Error) => err instanceof TimelineQueryError && message.test(err.message), JSON.stringify(raw));
    }
  });

  it('names downloads by camera and the home’s local start time', () => {
    const t = Date.parse('2026-11-22T13:03:05.250Z');
    assert.equal(clipFileName('porch', t, 'Europe/Berlin'), 'porch-2026-11-22_14-03-05.mp4');
    assert.equal(clipFileName('front door/../"x"', t, 'UTC'), 'front_door_.._x_-2026-11-22_13-03-05.mp4', 'nothing that breaks a path or the header');
    assert.equal(clipFileName('porch', Date.parse('2026-11-22T23:00:00Z'), 'Europe/Berlin'), 'porch-2026-11-23_00-00-00.mp4', 'midnight is 00, not 24');
  });

  it('counts a camera as recording only while armed, online and within the clip bound after a start', () => {
    const start = { kind: 'start' as const, at: 1000, receivedAt: 1000 };
    assert.equal(isRecording(start, true, true, 1000 + RECORDING_BOUND_MS - 1), true);
    assert.equal(isRecording(start, true, true, 1000 + RECORDING_BOUND_MS), false, 'a camera silent since is not shown recording forever');
    assert.equal(isRecording(start, false, true, 2000), false, 'disarmed cameras do not record');
    assert.equal(isRecording(start, true, false, 2000), false);
    assert.equal(isRecording({ ...start, kind: 'end' }, true, true, 2000), false);
    assert.equal(isRecording(undefined, true, true, 2000), false);
  });

  it('takes the thumbnail a second in, or halfway into a shorter clip', () => {
    assert.equal(thumbnailSeek({ mediaStart: 10, mediaEnd: 40 }), 1);
    assert.equal(thumbnailSeek({ mediaStart: 10, mediaEnd: 11 }), 0.5);
    assert.equal(thumbnailSeek({ mediaStart: 3, mediaEnd: 3 }), 0);
  });
});

import { strict as assert } from 'node:assert';
import { clipAt, dayIn, hashOf, parseDeepLink } from '../../hub/ui/src/deepLink';

describe('what a link to the page opens (a tapped notification)', () => {
  const camera = '3f2b9c1e-7a4d-4e2a-9b1c-0d5e6f7a8b9c';
  const at = Date.UTC(2026, 11, 6, 9, 2);

  it('reads the live view of a camera and the timeline at a moment, as the hub links them', () => {
    assert.deepEqual(parseDeepLink(`#/live?camera=${camera}`), { view: 'live', camera, at: null });
    assert.deepEqual(parseDeepLink(`#/timeline?camera=${camera}&at=${at}`), { view: 'clips', camera, at }, '"timeline" is the page whose view is clips');
    assert.deepEqual(parseDeepLink('#/dashboard'), { view: 'dashboard', camera: null, at: null });
    assert.deepEqual(parseDeepLink(''), { view: '', camera: null, at: null });
  });

  it('ignores what a link may not carry rather than passing it on', () => {
    assert.equal(parseDeepLink('#/live?camera=<img src=x>').camera, null);
    assert.equal(parseDeepLink('#/live?camera=').camera, null);
    assert.equal(parseDeepLink(`#/timeline?at=${Math.floor(at / 1000)}`).at, null, 'seconds are not read as a day in 1970');
    assert.equal(parseDeepLink('#/timeline?at=1e15').at, null);
    assert.equal(parseDeepLink('#/timeline?at=-5').at, null);
    assert.deepEqual(parseDeepLink('#invite=abc'), { view: '', camera: null, at: null }, 'an invitation code is not a page');
  });

  it('finds the clip a moment falls in, else the nearest that began within a minute, else none', () => {
    const clips = [
      { id: 'a', startedAt: at - 600_000, endedAt: at - 590_000 },
      { id: 'b', startedAt: at - 5_000, endedAt: at + 10_000 },
      { id: 'c', startedAt: at + 30_000, endedAt: at + 40_000 },
    ];
    assert.equal(clipAt(clips, at)?.id, 'b');
    assert.equal(clipAt(clips, at + 20_000)?.id, 'c', 'the event came just before its clip began');
    assert.equal(clipAt(clips, at - 300_000), null);
  });

  it("puts a moment on the home's calendar day, not the phone's", () => {
    const lateUtc = Date.UTC(2026, 11, 6, 20, 0); // 01:30 the next day in Kolkata
    assert.equal(dayIn(lateUtc, 'UTC'), '2026-12-06');
    assert.equal(dayIn(lateUtc, 'Asia/Kolkata'), '2026-12-07');
    assert.equal(dayIn(lateUtc, 'America/Los_Angeles'), '2026-12-06');
  });

  it('takes the address part of a link the service worker hands the page', () => {
    assert.equal(hashOf(`/#/live?camera=${camera}`), `#/live?camera=${camera}`);
    assert.equal(hashOf('/'), '#/');
  });
});

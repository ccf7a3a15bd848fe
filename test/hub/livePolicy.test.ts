import { strict as assert } from 'node:assert';
import { LIVE_TIMING, liveUpkeep, type LiveState } from '../../hub/livePolicy';

const T0 = 1_000_000;
const base: LiveState = {
  viewers: 0,
  streaming: false,
  online: true,
  allowed: true,
  waitingSince: null,
  askedAt: null,
  lastDataAt: null,
  idleSince: null,
  stopSent: false,
};
const at = (s: Partial<LiveState>, now = T0) => liveUpkeep({ ...base, ...s }, now);

describe('live view policy: a camera streams only while someone watches', () => {
  it('asks the camera when a viewer arrives, again every few seconds until video comes, and gives up after a while', () => {
    assert.deepEqual(at({ viewers: 1, waitingSince: T0 }), ['ask']);
    assert.deepEqual(at({ viewers: 1, waitingSince: T0, askedAt: T0 }, T0 + 500), [], 'not on every tick');
    assert.deepEqual(at({ viewers: 1, waitingSince: T0, askedAt: T0 }, T0 + LIVE_TIMING.askEveryMs), ['ask'], 'asked again: the request may have been lost');
    assert.deepEqual(at({ viewers: 1, waitingSince: T0, askedAt: T0 + 14_000 }, T0 + LIVE_TIMING.startTimeoutMs), ['refuse-timeout']);
    assert.deepEqual(at({ viewers: 2, online: false, waitingSince: T0 }), ['refuse-offline']);
  });

  it('leaves a watched stream alone, and cuts one that went silent', () => {
    assert.deepEqual(at({ viewers: 1, streaming: true, lastDataAt: T0 - 1000 }), []);
    assert.deepEqual(at({ viewers: 1, streaming: true, lastDataAt: T0 - LIVE_TIMING.stallMs }), ['cut']);
  });

  it('tells the camera to stop a moment after the last viewer left, once, and cuts the stream if it goes on anyway', () => {
    const idle = { streaming: true, lastDataAt: T0, idleSince: T0 };
    assert.deepEqual(at(idle, T0 + 1000), [], 'a reload or a quick switch back reuses the running stream');
    assert.deepEqual(at(idle, T0 + LIVE_TIMING.stopGraceMs), ['tell-stop']);
    assert.deepEqual(at({ ...idle, stopSent: true }, T0 + 5000), [], 'told once');
    assert.deepEqual(at({ ...idle, stopSent: true }, T0 + LIVE_TIMING.idleCutMs), ['tell-stop', 'cut']);
    assert.deepEqual(at({}), ['forget']);
  });

  it('in privacy mode refuses viewers and stops the camera at once', () => {
    assert.deepEqual(at({ allowed: false, viewers: 2, streaming: true, lastDataAt: T0 }), ['refuse-privacy', 'tell-stop', 'cut']);
    assert.deepEqual(at({ allowed: false, viewers: 1, waitingSince: T0 }), ['refuse-privacy']);
    assert.deepEqual(at({ allowed: false }), ['forget']);
  });
});

import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { AccessChanges } from '../../hub/accessChanges';
import { createLogger } from '../../common/logger';
import { LiveStreams, type LiveChannels, type LiveRefusal, type Watcher } from '../../hub/liveStreams';

/*
 * Which open live views an access change re-checks, without sockets: the change names a user,
 * a camera or everyone, and only the viewers it may concern are asked again (and closed when
 * their answer is now a refusal). The end-to-end behaviour is test/hub/liveAccess.test.ts.
 */

const GONE: LiveRefusal = { code: 'NO_SUCH_DEVICE', message: 'no such camera' };

class FakeWatcher implements Watcher {
  refusal: LiveRefusal | null = null;
  refused: LiveRefusal[] = [];
  asked = 0;
  leave: () => void = () => undefined;
  constructor(readonly userId: number) {}
  sendJson(): void {}
  sendBinary(): void {}
  backlog(): number {
    return 0;
  }
  refuse(refusal: LiveRefusal): void {
    this.refused.push(refusal);
    this.leave();
  }
  recheck(): LiveRefusal | null {
    this.asked += 1;
    return this.refusal;
  }
}

describe('live view re-checks the viewers an access change concerns', () => {
  const channels = Object.assign(new EventEmitter(), { isOnline: () => true, push: () => 1 }) as unknown as LiveChannels;
  const arming = Object.assign(new EventEmitter(), { forCamera: () => ({ live: true }) });
  let access: AccessChanges;
  let live: LiveStreams;

  beforeEach(() => {
    access = new AccessChanges();
    live = new LiveStreams(channels, arming, access, createLogger('live-test', 'error'));
    live.start();
  });
  afterEach(() => live.stop());

  const watching = (cameraId: string, userId: number) => {
    const w = new FakeWatcher(userId);
    w.leave = live.watch(cameraId, w);
    return w;
  };

  it("closes the named user's views on every camera at once and asks nobody else", () => {
    const aliceFront = watching('front', 1);
    const aliceBack = watching('back', 1);
    const bob = watching('front', 2);
    aliceFront.refusal = GONE;
    aliceBack.refusal = GONE;
    bob.refusal = GONE; // bob's rights changed too, but the change names only alice
    access.changed({ userId: 1 });
    assert.deepEqual(aliceFront.refused, [GONE]);
    assert.deepEqual(aliceBack.refused, [GONE]);
    assert.deepEqual(bob.refused, []);
    assert.equal(bob.asked, 0);
  });

  it("re-checks one camera's viewers for a camera change, and everyone's for a household rule", () => {
    const front = watching('front', 1);
    const back = watching('back', 2);
    front.refusal = GONE;
    back.refusal = GONE;
    access.changed({ deviceId: 'back' });
    assert.deepEqual([front.refused, back.refused], [[], [GONE]]);
    const still = watching('back', 3);
    access.changed({ everyone: true });
    assert.deepEqual(front.refused, [GONE]);
    assert.equal(still.asked, 1);
    assert.deepEqual(still.refused, [], 'a viewer who may still watch stays');
  });

  it('stops listening when it stops', () => {
    assert.equal(access.listenerCount('change'), 1);
    live.stop();
    assert.equal(access.listenerCount('change'), 0);
  });
});

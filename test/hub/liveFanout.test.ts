import { strict as assert } from 'node:assert';
import { LiveFanout, type LiveMessage, type LiveViewer } from '../../hub/liveFanout';

class Viewer implements LiveViewer {
  readonly got: Array<LiveMessage | string> = [];
  queued = 0;
  sendJson(message: LiveMessage): void {
    this.got.push(message);
  }
  sendBinary(data: Buffer): void {
    this.got.push(data.toString());
  }
  backlog(): number {
    return this.queued;
  }
}

const MIME = 'video/mp4; codecs="avc1.64001f"';
const b = (s: string) => Buffer.from(s);

describe('live fan-out to viewers', () => {
  it('gives a late joiner the init segment and the newest fragment at once, then every fragment after it', () => {
    const fanout = new LiveFanout();
    const first = new Viewer();
    fanout.add(first);
    assert.deepEqual(first.got, [], 'nothing to show before the camera sends');
    assert.equal(fanout.waiting, 1);
    fanout.stream(b('init'), MIME);
    fanout.fragment(b('f1'));
    fanout.fragment(b('f2'));
    const late = new Viewer();
    fanout.add(late);
    fanout.fragment(b('f3'));
    assert.deepEqual(first.got, [{ type: 'stream', mime: MIME }, 'init', 'f1', 'f2', 'f3']);
    assert.deepEqual(late.got, [{ type: 'stream', mime: MIME }, 'init', 'f2', 'f3'], 'starts at a fragment boundary (a keyframe), not mid-fragment');
    assert.equal(fanout.waiting, 0);
  });

  it('starts everyone again from the new init segment when the camera restarts its stream', () => {
    const fanout = new LiveFanout();
    const v = new Viewer();
    fanout.add(v);
    fanout.stream(b('init-a'), MIME);
    fanout.fragment(b('a1'));
    fanout.end();
    fanout.fragment(b('stray'));
    const other = 'video/mp4; codecs="avc1.42c01e"';
    fanout.stream(b('init-b'), other);
    fanout.fragment(b('b1'));
    assert.deepEqual(v.got, [{ type: 'stream', mime: MIME }, 'init-a', 'a1', { type: 'stream', mime: other }, 'init-b', 'b1'], 'nothing between streams');
  });

  it('lets a viewer that fell behind skip whole fragments instead of queueing them', () => {
    const fanout = new LiveFanout(1000);
    const slow = new Viewer();
    const fast = new Viewer();
    fanout.stream(b('init'), MIME);
    fanout.add(slow);
    fanout.add(fast);
    fanout.fragment(b('f1'));
    slow.queued = 5000;
    fanout.fragment(b('f2'));
    slow.queued = 0;
    fanout.fragment(b('f3'));
    assert.deepEqual(slow.got, [{ type: 'stream', mime: MIME }, 'init', 'f1', 'f3']);
    assert.deepEqual(fast.got, [{ type: 'stream', mime: MIME }, 'init', 'f1', 'f2', 'f3']);
    fanout.remove(slow);
    fanout.fragment(b('f4'));
    assert.equal(slow.got.length, 4, 'a viewer who left gets nothing more');
    assert.equal(fanout.size, 1);
  });
});

import { strict as assert } from 'node:assert';
import type { CameraHealthReport } from '../../common/api/cameraHealth';
import { CameraHealthBoard, type CameraDownNotice } from '../../hub/cameraHealthBoard';

const report = (state: CameraHealthReport['state'], detail: string | null = null): CameraHealthReport => ({ state, since: 0, failures: 0, detail });

describe('camera health board', () => {
  function board() {
    let now = 1_000_000;
    const notices: CameraDownNotice[] = [];
    const b = new CameraHealthBoard(5 * 60_000, () => now, (n) => notices.push(n));
    return { b, notices, advance: (ms: number) => (now += ms) };
  }

  it('tells the owners once when a camera has been down longer than the limit, and when it recovers', () => {
    const { b, notices, advance } = board();
    b.report('cam1', report('streaming'));
    b.report('cam1', report('unreachable', 'Connection refused'));
    advance(5 * 60_000 - 1);
    b.check();
    assert.equal(notices.length, 0, 'not before the limit');
    b.report('cam1', report('reconnecting'));
    advance(1);
    b.check();
    b.check();
    assert.deepEqual(notices, [{ kind: 'down', deviceId: 'cam1', downSince: 1_000_000, report: report('reconnecting') }]);
    b.report('cam1', report('streaming'));
    assert.deepEqual(notices[1], { kind: 'recovered', deviceId: 'cam1', downSince: 1_000_000 });
  });

  it('says nothing of a short outage, and counts a closed channel as down', () => {
    const { b, notices, advance } = board();
    b.report('cam1', report('stalled'));
    advance(60_000);
    b.report('cam1', report('streaming'));
    advance(10 * 60_000);
    b.check();
    assert.equal(notices.length, 0);
    b.offline('cam1');
    assert.equal(b.get('cam1'), null);
    advance(5 * 60_000);
    b.check();
    assert.equal(notices[0]?.kind, 'down');
  });

  it('counts only streaming (or no report yet) as streaming', () => {
    const { b } = board();
    assert.ok(b.streaming('cam1'));
    b.report('cam1', report('unauthorized'));
    assert.ok(!b.streaming('cam1'));
    b.report('cam1', report('streaming'));
    assert.ok(b.streaming('cam1'));
  });

  it('refuses a delay that is not positive', () => {
    assert.throws(() => new CameraHealthBoard(0, () => 0, () => undefined), /positive/);
  });
});

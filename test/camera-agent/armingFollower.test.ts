import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ArmingFollower } from '../../camera-agent/armingFollower';
import type { CameraArming } from '../../common/protocol';
import { captureLog } from '../helpers/logCapture';
import { useTempDir } from '../helpers/tmp';

const arming = (mode: 'disarmed' | 'armed_away' | 'privacy', record: boolean): CameraArming => ({ record, live: mode !== 'privacy', motion: true, privacy: mode === 'privacy' });

describe('arming follower: the camera obeys the arming the hub pushes, and keeps the last one across restarts', () => {
  const tmp = useTempDir();
  const file = () => path.join(tmp.dir, 'arming.json');

  it('applies a pushed arming once, keeps it on disk, and a restart without the hub obeys it again', async () => {
    const seen: CameraArming[] = [];
    const follower = new ArmingFollower(file(), (a) => seen.push(a), captureLog().log);
    await follower.start();
    assert.equal(seen.length, 0, 'nothing kept yet');
    follower.receive(JSON.stringify(arming('armed_away', true)));
    // The same arming again (the hub resends it on every reconnect) changes nothing.
    follower.receive(JSON.stringify(arming('armed_away', true)));
    await follower.stop();
    assert.deepEqual(seen, [arming('armed_away', true)]);
    assert.deepEqual(JSON.parse(readFileSync(file(), 'utf8')), arming('armed_away', true));
    assert.deepEqual(readdirSync(tmp.dir), ['arming.json'], 'written atomically: no temporary file left behind');

    const again: CameraArming[] = [];
    const restarted = new ArmingFollower(file(), (a) => again.push(a), captureLog().log);
    await restarted.start();
    assert.deepEqual(again, [arming('armed_away', true)]);
    assert.deepEqual(restarted.current, arming('armed_away', true));
  });

  it('reads the arming an older hub sent (the mode, no privacy flag) from its disk', async () => {
    writeFileSync(file(), JSON.stringify({ mode: 'privacy', since: 1, record: false, live: false }));
    const seen: CameraArming[] = [];
    const follower = new ArmingFollower(file(), (a) => seen.push(a), captureLog().log);
    await follower.start();
    await follower.stop();
    assert.deepEqual(seen, [{ record: false, live: false, motion: true, privacy: true }], 'privacy kept across the upgrade: the camera still looks at nothing');
  });

  it('ignores what it does not understand, on the channel and on disk', async () => {
    writeFileSync(file(), 'not json');
    const capture = captureLog();
    const seen: CameraArming[] = [];
    const follower = new ArmingFollower(file(), (a) => seen.push(a), capture.log);
    await follower.start();
    follower.receive(JSON.stringify({ mode: 'armed_night', record: true, live: true, since: 1 }));
    follower.receive('{');
    await follower.stop();
    assert.deepEqual(seen, []);
    assert.equal(follower.current, null);
    assert.equal(capture.messages('warn').filter((m) => m === 'the hub sent an arming message this camera does not understand; ignored').length, 2);
  });
});

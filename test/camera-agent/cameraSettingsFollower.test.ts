import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CameraSettingsFollower } from '../../camera-agent/cameraSettingsFollower';
import { defaultCameraSettings, type CameraSettingsMessage } from '../../common/cameraSettings';
import { captureLog } from '../helpers/logCapture';
import { useTempDir } from '../helpers/tmp';

const message = (version: number, change: Partial<CameraSettingsMessage['settings']> = {}): CameraSettingsMessage => ({
  version,
  updatedAt: 1_700_000_000_000 + version,
  settings: { ...defaultCameraSettings(), ...change },
});

describe('settings follower: the camera applies what the hub pushes, live, and keeps it across restarts', () => {
  const tmp = useTempDir();
  const file = () => path.join(tmp.dir, 'camera-settings.json');

  it('applies pushed settings at once and keeps them on disk; a restart without the hub applies them again', async () => {
    const applied: CameraSettingsMessage[] = [];
    const follower = new CameraSettingsFollower(file(), (m) => applied.push(m), captureLog().log);
    await follower.start();
    assert.equal(applied.length, 0, 'nothing saved yet: the config file rules');
    const mask: Array<[number, number]> = [[0.1, 0.1], [0.3, 0.1], [0.3, 0.3]];
    follower.receive(JSON.stringify(message(2, { sensitivity: 9, ignoreMasks: [mask] })));
    assert.equal(applied.length, 1);
    assert.equal(applied[0]!.settings.sensitivity, 9);
    // The same settings again (the hub resends them on every reconnect) change nothing.
    follower.receive(JSON.stringify(message(2, { sensitivity: 9, ignoreMasks: [mask] })));
    assert.equal(applied.length, 1);
    await follower.stop();
    assert.deepEqual(JSON.parse(readFileSync(file(), 'utf8')), applied[0]);

    const again: CameraSettingsMessage[] = [];
    const restarted = new CameraSettingsFollower(file(), (m) => again.push(m), captureLog().log);
    await restarted.start();
    assert.deepEqual(again, applied);
    assert.deepEqual(restarted.current, applied[0]);
  });

  it('ignores a payload it cannot use, with a log line, and keeps the settings it had', async () => {
    const applied: CameraSettingsMessage[] = [];
    const capture = captureLog();
    const follower = new CameraSettingsFollower(file(), (m) => applied.push(m), capture.log);
    follower.receive(JSON.stringify(message(1, { clipSeconds: 12 })));
    for (const bad of ['{not json', JSON.stringify({ version: 2 }), JSON.stringify(message(3, { sensitivity: 42 })), JSON.stringify({ ...message(4), settings: { ...message(4).settings, zones: [[[0, 0], [1, 1]]] } })]) {
      follower.receive(bad);
    }
    await follower.stop();
    assert.equal(applied.length, 1);
    assert.equal(follower.current?.version, 1);
    assert.equal(JSON.parse(readFileSync(file(), 'utf8')).settings.clipSeconds, 12, 'the file still holds the last good settings');
    assert.equal(capture.messages('warn').filter((m) => /does not understand/.test(m)).length, 4);
  });

  it('keeps the previous settings when the camera cannot apply new ones', async () => {
    const capture = captureLog();
    let fail = false;
    const follower = new CameraSettingsFollower(file(), () => {
      if (fail) throw new RangeError('the zones and ignore masks leave nothing of the frame to watch');
    }, capture.log);
    follower.receive(JSON.stringify(message(1)));
    fail = true;
    follower.receive(JSON.stringify(message(2, { sensitivity: 2 })));
    await follower.stop();
    assert.equal(follower.current?.version, 1);
    assert.equal(JSON.parse(readFileSync(file(), 'utf8')).version, 1);
    assert.ok(capture.messages('warn').some((m) => /could not be applied/.test(m)));
  });

  it('starts on the config file when the kept settings are damaged', async () => {
    writeFileSync(file(), '{"version": 1, "settings": {');
    const capture = captureLog();
    const applied: unknown[] = [];
    const follower = new CameraSettingsFollower(file(), (m) => applied.push(m), capture.log);
    await follower.start();
    assert.equal(applied.length, 0);
    assert.ok(capture.messages('warn').some((m) => /unreadable/.test(m)));
    assert.ok(existsSync(file()));
  });
});

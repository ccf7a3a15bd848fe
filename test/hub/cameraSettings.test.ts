import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { DeviceChannel } from '../../camera-agent/deviceChannel';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { defaultCameraSettings, parseSettingsMessage, type CameraSettingsMessage } from '../../common/cameraSettings';
import type { DetectionSettings } from '../../common/detectionSettings';
import { detectionSettingsOf } from '../../hub/cameraSettingsStore';
import { openPairingWindow } from '../../hub/pairing';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { captureLog } from '../helpers/logCapture';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

const mask: Array<[number, number]> = [
  [0.6, 0.1],
  [0.9, 0.1],
  [0.9, 0.4],
  [0.6, 0.4],
];

describe('camera settings: saved on the hub, checked, audited and pushed to the camera', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;
  let owner: SignedIn;
  let installer: SignedIn;
  let member: SignedIn;
  let deviceId: string;
  let client: HubClient;
  let listener: DeviceChannel | null;
  const pushed: CameraSettingsMessage[] = [];

  const settingsUrl = () => `/api/cameras/${deviceId}/settings`;
  const put = (who: SignedIn, body: unknown) => call(t.base, 'PUT', settingsUrl(), { body: JSON.stringify(body), headers: { ...who.headers, ...JSON_HEADERS } });
  const get = (who: SignedIn) => call(t.base, 'GET', settingsUrl(), { headers: who.headers });
  const listen = () => {
    const l = new DeviceChannel(client, captureLog().log, { maxDelayMs: 200 });
    l.on('settings', (data) => {
      const m = parseSettingsMessage(data);
      if (m) pushed.push(m);
    });
    l.start();
    return l;
  };

  beforeEach(async () => {
    pushed.length = 0;
    t = await startTestHub(path.join(tmp.dir, 'hub'));
    for (const role of ['owner', 'member', 'installer'] as const) await addTestUser(t.db, role);
    [owner, member, installer] = await Promise.all([
      signIn(t.base, 'owner', PASSWORDS.owner),
      signIn(t.base, 'member', PASSWORDS.member),
      signIn(t.base, 'installer', PASSWORDS.installer),
    ]);
    const pair = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'porch');
    deviceId = pair.deviceId;
    client = new HubClient({ ...pair, name: 'porch', hubUrl: t.base });
    listener = null;
  });
  afterEach(async () => {
    await listener?.stop();
    client.close();
    await t.stop();
  });

  it('starts from the defaults; a save by the owner is stored, versioned, audited and reaches the connected camera at once', async () => {
    listener = listen();
    await until('camera online', async () => (await get(owner)).json().online === true);
    const first = (await get(owner)).json();
    assert.equal(first.saved, false);
    assert.equal(first.version, 0);
    assert.deepEqual(first.settings, defaultCameraSettings());
    assert.deepEqual(first.limits.bounds.sensitivity, { min: 1, max: 10, integer: true });
    assert.equal(pushed.length, 0, 'nothing is pushed before anyone saved: the camera keeps its config file');

    const res = await put(owner, { version: 0, sensitivity: 8, clipSeconds: 20, retriggerSeconds: 15, endEarly: false, ignoreMasks: [mask] });
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.json().version, 1);
    assert.equal(res.json().delivered, true);
    const got = await until('settings on the camera', () => pushed[pushed.length - 1]);
    assert.equal(got.version, 1);
    assert.equal(got.settings.sensitivity, 8);
    assert.equal(got.settings.endEarly, false);
    assert.deepEqual(got.settings.ignoreMasks, [mask]);
    assert.equal(got.settings.minObjectSize, defaultCameraSettings().minObjectSize, 'settings left out keep their value');

    const after = (await get(installer)).json();
    assert.equal(after.saved, true);
    assert.equal(after.updatedBy, 'user:owner');
    assert.deepEqual(after.settings, got.settings);
    const audit = t.db.prepare("SELECT actor, target, detail FROM audit_log WHERE action = 'camera.settings_changed'").all() as Array<{ actor: string; target: string; detail: string }>;
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor, 'user:owner');
    assert.equal(audit[0]!.target, `device:${deviceId}`);
    assert.deepEqual(JSON.parse(audit[0]!.detail).changed.sort(), ['clipSeconds', 'endEarly', 'ignoreMasks', 'retriggerSeconds', 'sensitivity']);
  });

  it('sends the saved settings again whenever the camera reconnects', async () => {
    assert.equal((await put(installer, { sensitivity: 3 })).json().delivered, false, 'saved while the camera was offline');
    listener = listen();
    const got = await until('settings on connect', () => pushed[0]);
    assert.equal(got.settings.sensitivity, 3);
    await listener.stop();
    pushed.length = 0;
    listener = listen();
    assert.equal((await until('settings on reconnect', () => pushed[0])).settings.sensitivity, 3);
  });

  it('refuses bad settings with a message naming the setting, and stores nothing', async () => {
    assert.equal((await put(owner, { sensitivity: 4 })).status, 200);
    const before = (await get(owner)).json();
    const bad: Array<[unknown, number, string, RegExp]> = [
      [{ sensitivity: 0 }, 400, 'BAD_SETTING', /sensitivity \(sensitivity\) must be a whole number from 1 to 10/],
      [{ clipSeconds: 90 }, 400, 'BAD_SETTING', /clip length \(clipSeconds\) must be from 5 to 60 seconds/],
      [{ retriggerSeconds: 5 }, 400, 'BAD_SETTING', /retrigger time/],
      [{ zones: [[[0.1, 0.1], [0.2, 0.2]]] }, 400, 'BAD_SETTING', /zone 1 has 2 corners/],
      [{ ignoreMasks: [[[0.1, 0.1], [0.5, 0.5], [0.5, 0.1], [0.1, 0.5]]] }, 400, 'BAD_SETTING', /edges of ignore mask 1 cross/],
      [{ zones: Array.from({ length: 9 }, () => mask) }, 400, 'BAD_SETTING', /at most 8 zones/],
      [{ ignoreMasks: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }, 400, 'BAD_SETTING', /nothing of the picture to watch/],
      [{ sensitivity: '5' }, 400, 'BAD_REQUEST', /^the sensitivity must be a number$/],
      [{ colour: 'red' }, 400, 'BAD_REQUEST', /^the hub does not take "colour" here/],
      [{ version: 0, sensitivity: 6 }, 409, 'SETTINGS_CHANGED', /changed meanwhile/],
    ];
    for (const [body, status, code, message] of bad) {
      const res = await put(owner, body);
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.body.toString()}`);
      assert.equal(res.json().error.code, code, JSON.stringify(body));
      assert.match(res.json().error.message, message);
      assert.match(res.json().error.message, /^[a-z"]/, 'a lower-case clause');
    }
    assert.deepEqual((await get(owner)).json(), before);
    assert.equal((t.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'camera.settings_changed'").get() as { n: number }).n, 1);
    const unknown = await call(t.base, 'GET', '/api/cameras/00000000-0000-4000-8000-000000000000/settings', { headers: owner.headers });
    assert.equal(unknown.status, 404);
  });

  it('changes object detection field by field: scores merge per class, the camera gets them, the audit names what changed', async () => {
    listener = listen();
    const first = (await get(owner)).json();
    assert.deepEqual(first.settings.detection, { classes: ['person', 'vehicle', 'animal'], minScore: { person: 0.37, vehicle: 0.5, animal: 0.5 }, alertOn: ['person', 'vehicle'], recordWithoutObject: true });
    assert.deepEqual(first.limits.minScore, { min: 0.3, max: 0.95, integer: false });

    const res = await put(owner, { version: 0, detection: { alertOn: ['person'], minScore: { person: 0.65 } } });
    assert.equal(res.status, 200, res.body.toString());
    const saved = res.json().settings.detection;
    assert.deepEqual(saved, { classes: ['person', 'vehicle', 'animal'], minScore: { person: 0.65, vehicle: 0.5, animal: 0.5 }, alertOn: ['person'], recordWithoutObject: true });
    const got = await until('detection settings on the camera', () => pushed[pushed.length - 1]);
    assert.deepEqual(got.settings.detection, saved);
    const audit = t.db.prepare("SELECT detail FROM audit_log WHERE action = 'camera.settings_changed'").get() as { detail: string };
    assert.deepEqual(JSON.parse(audit.detail).changed.sort(), ['detection.alertOn', 'detection.minScore']);

    // Stop detecting vehicles: the alert list must say so too, in the same save.
    const narrowed = await put(installer, { detection: { classes: ['person', 'animal'], recordWithoutObject: false } });
    assert.equal(narrowed.status, 200, narrowed.body.toString());
    assert.deepEqual((await get(owner)).json().settings.detection, { classes: ['person', 'animal'], minScore: { person: 0.65, vehicle: 0.5, animal: 0.5 }, alertOn: ['person'], recordWithoutObject: false });

    const before = (await get(owner)).json();
    const bad: Array<[unknown, number, string, string | undefined, RegExp]> = [
      [{ detection: { alertOn: ['vehicle'] } }, 400, 'BAD_SETTING', 'detection.alertOn', /the classes that alert \(detection.alertOn\) include vehicle, which this camera does not detect/],
      [{ detection: { minScore: { person: 0.2 } } }, 400, 'BAD_SETTING', 'detection.minScore.person', /the minimum person score \(detection.minScore.person\) must be from 0.3 to 0.95/],
      [{ detection: { classes: ['cat'] } }, 400, 'BAD_SETTING', 'detection.classes', /"cat" is not a class the detector reports; use person, vehicle or animal/],
      [{ detection: { minScore: { person: 'high' } } }, 400, 'BAD_REQUEST', undefined, /^the minimum person score of the minimum scores of the detection settings must be a number$/],
      [{ detection: { recordWithoutObject: 'no' } }, 400, 'BAD_REQUEST', undefined, /"record motion with no object" choice of the detection settings must be on or off/],
      [{ detection: { colour: 'red' } }, 400, 'BAD_REQUEST', undefined, /"colour"/],
      [{ detection: { minScore: { cat: 0.5 } } }, 400, 'BAD_REQUEST', undefined, /"cat"/],
    ];
    for (const [body, status, code, field, message] of bad) {
      const r = await put(owner, body);
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.body.toString()}`);
      assert.equal(r.json().error.code, code, JSON.stringify(body));
      assert.match(r.json().error.message, message);
      if (field) assert.equal(r.json().error.field, field);
    }
    assert.deepEqual((await get(owner)).json(), before);
  });

  it("shows a camera never saved on the page the hub config's detection defaults (hub.detection), and saves from them", async () => {
    await t.stop();
    t = await startTestHub(path.join(tmp.dir, 'hub'), { detection: { classes: ['person'], alertOn: ['person'], minScore: { person: 0.8 } } });
    const view = (await get(owner)).json();
    assert.equal(view.saved, false);
    const hubDefault: DetectionSettings = { classes: ['person'], minScore: { person: 0.8, vehicle: 0.5, animal: 0.5 }, alertOn: ['person'], recordWithoutObject: true };
    assert.deepEqual(view.settings.detection, hubDefault);
    // What the hub's alerts follow: the hub's config until the camera is saved, then its own.
    assert.deepEqual(detectionSettingsOf(t.db, deviceId, hubDefault), hubDefault);
    const res = await put(owner, { sensitivity: 7 });
    assert.equal(res.status, 200, res.body.toString());
    assert.deepEqual(res.json().settings.detection, view.settings.detection);
    assert.equal((await put(owner, { detection: { minScore: { person: 0.9 } } })).status, 200);
    assert.equal(detectionSettingsOf(t.db, deviceId, hubDefault).minScore.person, 0.9);
    // A row saved before detection settings existed follows the hub's config.
    const row = t.db.prepare('SELECT settings FROM camera_settings WHERE device_id = ?').get(deviceId) as { settings: string };
    const { detection: _detection, ...older } = JSON.parse(row.settings) as Record<string, unknown>;
    t.db.prepare('UPDATE camera_settings SET settings = ? WHERE device_id = ?').run(JSON.stringify(older), deviceId);
    assert.deepEqual(detectionSettingsOf(t.db, deviceId, hubDefault), hubDefault);
    assert.deepEqual((await get(owner)).json().settings.detection, hubDefault);
  });

  it('is for the people who manage devices: a member may neither read nor change them', async () => {
    assert.equal((await get(member)).status, 403);
    assert.equal((await put(member, { sensitivity: 2 })).status, 403);
    assert.equal((await get(installer)).status, 200);
    assert.equal((await put(installer, { sensitivity: 2 })).status, 200);
  });
});

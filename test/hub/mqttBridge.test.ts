import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openPairingWindow } from '../../hub/pairing';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { ArmingFollower } from '../../camera-agent/armingFollower';
import { DeviceChannel } from '../../camera-agent/deviceChannel';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { captureLog } from '../helpers/logCapture';
import { startBroker, subscribe, type Broker, type Subscriber } from '../helpers/mosquitto';
import { useTempDir } from '../helpers/tmp';
import { sleep, until } from '../helpers/wait';
import { FixedAnswerDetectorDouble } from '../helpers/objectDetectorDouble';
import { DETECTION_META_HEADER, yuv420pBytes, type DetectedObject } from '../../common/detection';

describe('Home Assistant over MQTT (Debian mosquitto on loopback, a real subscriber)', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let broker: Broker;
  let t: TestHub;
  let sub: Subscriber;

  beforeEach(async () => {
    broker = await startBroker(tmp.dir);
    const codeFile = path.join(tmp.dir, 'alarm-code');
    writeFileSync(codeFile, '4711\n', { mode: 0o600 });
    t = await startTestHub(path.join(tmp.dir, 'hub'), { mqtt: { ...broker.hubConfig, codeFile } });
    sub = await subscribe(broker);
  });
  afterEach(async () => {
    await sub?.client.endAsync();
    await t?.stop();
    await broker?.close();
  });

  it('announces an alarm panel that follows the arming, and arms and disarms from Home Assistant only with the code', async () => {
    const config = JSON.parse(await sub.until('homeassistant/alarm_control_panel/porchlight/home/config', () => true));
    assert.equal(config.command_topic, 'porchlight/alarm/set');
    assert.equal(config.code, 'REMOTE_CODE');
    assert.equal(config.code_arm_required, true);
    await sub.until('porchlight/availability', (v) => v === 'online');
    await sub.until('porchlight/alarm/state', (v) => v === 'disarmed');

    // From the web UI: Home Assistant sees it.
    await addTestUser(t.db, 'owner');
    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    await call(t.base, 'PUT', '/api/arming/mode', { body: JSON.stringify({ mode: 'armed_home' }), headers: { ...owner.headers, ...JSON_HEADERS } });
    await sub.until('porchlight/alarm/state', (v) => v === 'armed_home');

    // From Home Assistant with a wrong code: refused, audited, state unchanged.
    await sub.client.publishAsync('porchlight/alarm/set', JSON.stringify({ action: 'ARM_AWAY', code: '0000' }));
    await sleep(500);
    assert.equal(sub.seen.get('porchlight/alarm/state'), 'armed_home');
    assert.ok(t.db.prepare("SELECT 1 FROM audit_log WHERE action = 'arming.mqtt_refused'").get());

    // With the right code.
    await sub.client.publishAsync('porchlight/alarm/set', JSON.stringify({ action: 'ARM_AWAY', code: '4711' }));
    await sub.until('porchlight/alarm/state', (v) => v === 'armed_away');
    const state = (await call(t.base, 'GET', '/api/arming', { headers: owner.headers })).json();
    assert.deepEqual(state.cause, { source: 'manual', by: 'home-assistant' });
    const attrs = JSON.parse(sub.seen.get('porchlight/alarm/attributes')!);
    assert.equal(attrs.mode, 'armed_away');
  });

  it("announces each camera's motion sensor and last event, with its availability", async () => {
    const pair = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'porch');
    const client = new HubClient({ ...pair, name: 'porch', hubUrl: t.base });
    const follower = new ArmingFollower(path.join(tmp.dir, 'arming.json'), () => undefined, captureLog().log);
    const channel = new DeviceChannel(client, captureLog().log).on('arming', (data) => follower.receive(data));
    await follower.start();
    channel.start();
    try {
      const motion = JSON.parse(await sub.until(`homeassistant/binary_sensor/porchlight_${pair.deviceId}/motion/config`, () => true));
      assert.equal(motion.device_class, 'motion');
      assert.equal(motion.device.name, 'porch');
      await sub.until(`porchlight/camera/${pair.deviceId}/availability`, (v) => v === 'online');
      const at = Date.now();
      await client.sendEvent({ kind: 'start', mediaTime: 1, at });
      await sub.until(`porchlight/camera/${pair.deviceId}/motion`, (v) => v === 'ON');
      assert.equal(sub.seen.get(`porchlight/camera/${pair.deviceId}/last_event`), new Date(at).toISOString());
      await client.sendEvent({ kind: 'end', mediaTime: 3, at: at + 2000 });
      await sub.until(`porchlight/camera/${pair.deviceId}/motion`, (v) => v === 'OFF');
    } finally {
      await channel.stop();
      await follower.stop();
      client.close();
    }
    await sub.until(`porchlight/camera/${pair.deviceId}/availability`, (v) => v === 'offline');
  });

  it('counts a camera that is connected but not streaming as unavailable, and shows its state to the household', async () => {
    await addTestUser(t.db, 'owner');
    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const pair = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'gate');
    const client = new HubClient({ ...pair, name: 'gate', hubUrl: t.base });
    const channel = new DeviceChannel(client, captureLog().log);
    channel.start();
    try {
      await sub.until(`porchlight/camera/${pair.deviceId}/availability`, (v) => v === 'online');
      await client.sendHealth({ state: 'unauthorized', since: Date.now(), failures: 1, detail: '401 Unauthorized' });
      await sub.until(`porchlight/camera/${pair.deviceId}/availability`, (v) => v === 'offline');
      const list = (await call(t.base, 'GET', '/api/devices', { headers: owner.headers })).json();
      const gate = list.devices.find((d: { id: string }) => d.id === pair.deviceId);
      assert.equal(gate.online, true);
      assert.equal(gate.health.state, 'unauthorized');
      await assert.rejects(client.sendHealth({ state: 'asleep', since: 0, failures: 0, detail: null } as never), /state/);
      await client.sendHealth({ state: 'streaming', since: Date.now(), failures: 0, detail: null });
      await sub.until(`porchlight/camera/${pair.deviceId}/availability`, (v) => v === 'online');
    } finally {
      await channel.stop();
      client.close();
    }
  });
});

describe('Home Assistant over MQTT: the objects a camera counted (mosquitto, the real detection route, a test-double detector)', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let broker: Broker;
  let t: TestHub | undefined;
  let sub: Subscriber;
  let detector: FixedAnswerDetectorDouble;

  const person = (score: number): DetectedObject => ({ label: 'person', cocoClass: 'person', score, box: [0.1, 0.2, 0.1, 0.4] });
  const dog = (score: number): DetectedObject => ({ label: 'animal', cocoClass: 'dog', score, box: [0.5, 0.5, 0.2, 0.2] });
  const startHub = async () => {
    t = await startTestHub(path.join(tmp.dir, 'hub'), { mqtt: broker.hubConfig }, undefined, {}, detector);
  };
  /** One picture of the event through POST /api/device/detection-frames; the detector double answers `objects`. */
  async function picture(token: string, eventAt: number, frameAt: number, objects: DetectedObject[]): Promise<void> {
    detector.answers.push(objects);
    const res = await call(t!.base, 'POST', '/api/device/detection-frames', {
      body: Buffer.alloc(yuv420pBytes(640, 360), 0x80),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', [DETECTION_META_HEADER]: JSON.stringify({ eventAt, frameAt, width: 640, height: 360 }) },
    });
    assert.equal(res.status, 200, res.body.toString());
  }

  beforeEach(async () => {
    broker = await startBroker(tmp.dir);
    detector = new FixedAnswerDetectorDouble();
    await startHub();
    sub = await subscribe(broker);
  });
  afterEach(async () => {
    await sub?.client.endAsync();
    await t?.stop();
    await broker?.close();
  });

  it('turns person on for the event that counted one (not for one below its minimum score), off when it ends, and keeps the last labels', async () => {
    const pair = await pairWithHub(t!.base, (await openPairingWindow(t!.db, 60_000)).code, 'porch');
    const client = new HubClient({ ...pair, name: 'porch', hubUrl: t!.base });
    const channel = new DeviceChannel(client, captureLog().log);
    channel.start();
    const cam = `porchlight/camera/${pair.deviceId}`;
    try {
      for (const label of ['person', 'vehicle', 'animal']) {
        const config = JSON.parse(await sub.until(`homeassistant/binary_sensor/porchlight_${pair.deviceId}/${label}/config`, () => true));
        assert.equal(config.unique_id, `porchlight_${pair.deviceId}_${label}`);
        assert.equal(config.device_class, 'occupancy');
        assert.equal(config.state_topic, `${cam}/${label}`);
        assert.deepEqual(config.availability.map((a: { topic: string }) => a.topic), ['porchlight/availability', `${cam}/availability`]);
        assert.equal(config.device.name, 'porch');
        await sub.until(`${cam}/${label}`, (v) => v === 'OFF');
      }
      const labelsConfig = JSON.parse(await sub.until(`homeassistant/sensor/porchlight_${pair.deviceId}/last_labels/config`, () => true));
      assert.equal(labelsConfig.state_topic, `${cam}/last_labels`);
      assert.equal(labelsConfig.json_attributes_topic, `${cam}/last_labels/attributes`);
      await sub.until(`${cam}/availability`, (v) => v === 'online');

      const at = Date.now();
      await client.sendEvent({ kind: 'start', mediaTime: 1, at });
      await sub.until(`${cam}/motion`, (v) => v === 'ON');
      // A person below the default minimum (0.5) beside a dog above it: the dog's ON is the sign the answer was handled.
      await picture(pair.token, at, at + 100, [person(0.3), dog(0.8)]);
      await sub.until(`${cam}/animal`, (v) => v === 'ON');
      assert.equal(sub.seen.get(`${cam}/person`), 'OFF');
      assert.equal(sub.seen.get(`${cam}/last_labels`), 'animal');
      await picture(pair.token, at, at + 1100, []);
      await picture(pair.token, at, at + 2100, [person(0.9)]);
      await sub.until(`${cam}/person`, (v) => v === 'ON');
      await sub.until(`${cam}/last_labels`, (v) => v === 'person, animal');
      assert.equal(sub.seen.get(`${cam}/vehicle`), 'OFF');
      const attrs = JSON.parse(sub.seen.get(`${cam}/last_labels/attributes`)!);
      assert.equal(attrs.event_at, new Date(at).toISOString());
      assert.deepEqual(attrs.objects, [
        { label: 'person', class: 'person', score: 0.9, box: [0.1, 0.2, 0.1, 0.4], time: new Date(at + 2100).toISOString() },
        { label: 'animal', class: 'dog', score: 0.8, box: [0.5, 0.5, 0.2, 0.2], time: new Date(at + 100).toISOString() },
      ]);

      await client.sendEvent({ kind: 'end', mediaTime: 3, at: at + 3000 });
      await sub.until(`${cam}/person`, (v) => v === 'OFF');
      await sub.until(`${cam}/animal`, (v) => v === 'OFF');
      assert.equal(sub.seen.get(`${cam}/last_labels`), 'person, animal', 'the last labels outlive the event');

      // The next event: a person below the minimum only; it ends with nothing counted.
      await client.sendEvent({ kind: 'start', mediaTime: 5, at: at + 5000 });
      await picture(pair.token, at + 5000, at + 5100, [person(0.35)]);
      await client.sendEvent({ kind: 'end', mediaTime: 7, at: at + 7000 });
      await sub.until(`${cam}/last_labels`, (v) => v === 'none');
      assert.equal(sub.seen.get(`${cam}/person`), 'OFF');
      assert.deepEqual(JSON.parse(sub.seen.get(`${cam}/last_labels/attributes`)!), { event_at: new Date(at + 5000).toISOString(), objects: [] });
    } finally {
      await channel.stop();
      client.close();
    }
  });

  it('does not leave a retained ON behind when the hub restarts mid-event', async () => {
    const pair = await pairWithHub(t!.base, (await openPairingWindow(t!.db, 60_000)).code, 'drive');
    const client = new HubClient({ ...pair, name: 'drive', hubUrl: t!.base });
    const cam = `porchlight/camera/${pair.deviceId}`;
    const at = Date.now();
    await client.sendEvent({ kind: 'start', mediaTime: 1, at });
    await picture(pair.token, at, at + 100, [person(0.9)]);
    await sub.until(`${cam}/person`, (v) => v === 'ON');
    client.close();
    await t!.stop();
    t = undefined;
    // A fresh subscriber sees only what is retained: ON until the new hub says otherwise.
    await sub.client.endAsync();
    sub = await subscribe(broker);
    await sub.until(`${cam}/person`, (v) => v === 'ON');
    await startHub();
    await sub.until(`${cam}/person`, (v) => v === 'OFF');
    await sub.until('porchlight/availability', (v) => v === 'online');
  });
});

describe("Home Assistant over MQTT: each camera's \"Record when home\" and \"Record when away\" switches (mosquitto)", function () {
  this.timeout(60_000);
  // Removed after the hub stops (useTempDir's hook would run first, racing the hub's last writes).
  const tmp = { dir: '' };
  let broker: Broker;
  let t: TestHub | undefined;
  let sub: Subscriber;
  let logs: ReturnType<typeof captureLog>;
  let client: HubClient | undefined;
  let channel: DeviceChannel | undefined;
  let owner: SignedIn;
  let deviceId: string;

  /** A hub (with the alarm code when given), one owner, and a camera online, so it is announced. */
  async function start(code?: string): Promise<void> {
    tmp.dir = mkdtempSync(path.join(tmpdir(), 'porchlight-test-'));
    broker = await startBroker(tmp.dir);
    logs = captureLog();
    let mqttConfig: Record<string, unknown> = broker.hubConfig;
    if (code) {
      const codeFile = path.join(tmp.dir, 'alarm-code');
      writeFileSync(codeFile, `${code}\n`, { mode: 0o600 });
      mqttConfig = { ...mqttConfig, codeFile };
    }
    t = await startTestHub(path.join(tmp.dir, 'hub'), { mqtt: mqttConfig }, undefined, {}, null, logs.log);
    sub = await subscribe(broker);
    await addTestUser(t.db, 'owner');
    owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const pair = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'hallway');
    deviceId = pair.deviceId;
    client = new HubClient({ ...pair, name: 'hallway', hubUrl: t.base });
    channel = new DeviceChannel(client, captureLog().log);
    channel.start();
  }
  afterEach(async () => {
    await channel?.stop();
    client?.close();
    await sub?.client.endAsync();
    await t?.stop();
    await broker?.close();
    if (tmp.dir) rmSync(tmp.dir, { recursive: true, force: true });
    [t, client, channel, tmp.dir] = [undefined, undefined, undefined, ''];
  });

  const armedIn = async () => (await call(t!.base, 'GET', '/api/arming', { headers: owner.headers })).json().cameras[deviceId].armedIn as string[];
  const stored = () => (t!.db.prepare('SELECT armed_in FROM camera_arming WHERE device_id = ?').get(deviceId) as { armed_in: string } | undefined)?.armed_in ?? null;
  const topic = (mode: string) => `porchlight/camera/${deviceId}/${mode}`;

  it('announces both switches, shows changes made in the web UI, and sets the camera from Home Assistant; a bad payload is refused and logged', async () => {
    await start();
    for (const [mode, name] of [['armed_home', 'Record when home'], ['armed_away', 'Record when away']] as const) {
      const config = JSON.parse(await sub.until(`homeassistant/switch/porchlight_${deviceId}/${mode}/config`, () => true));
      assert.equal(config.name, name);
      assert.equal(config.unique_id, `porchlight_${deviceId}_${mode}`);
      assert.equal(config.state_topic, topic(mode));
      assert.equal(config.command_topic, `${topic(mode)}/set`);
      assert.deepEqual([config.payload_on, config.payload_off], ['ON', 'OFF']);
      assert.equal(config.device.name, 'hallway');
      await sub.until(topic(mode), (v) => v === 'ON');
    }

    // From the web UI: Home Assistant sees it.
    assert.equal((await call(t!.base, 'PUT', `/api/cameras/${deviceId}/armed-in`, { body: JSON.stringify({ modes: ['armed_away'] }), headers: { ...owner.headers, ...JSON_HEADERS } })).status, 200);
    await sub.until(topic('armed_home'), (v) => v === 'OFF');
    assert.equal(sub.seen.get(topic('armed_away')), 'ON');

    // From Home Assistant: on for home, off for away.
    await sub.client.publishAsync(`${topic('armed_home')}/set`, 'ON');
    await sub.until(topic('armed_home'), (v) => v === 'ON');
    assert.deepEqual(await armedIn(), ['armed_home', 'armed_away']);
    await sub.client.publishAsync(`${topic('armed_away')}/set`, 'OFF');
    await sub.until(topic('armed_away'), (v) => v === 'OFF');
    assert.deepEqual(await armedIn(), ['armed_home']);
    assert.equal(stored(), '["armed_home"]');
    const audit = t!.db.prepare("SELECT actor FROM audit_log WHERE action = 'arming.camera_armed_in' ORDER BY seq DESC LIMIT 1").get() as { actor: string };
    assert.equal(audit.actor, 'home-assistant');

    // A payload that is neither ON nor OFF: refused with a log line, nothing stored, the state said again.
    const statesBefore = sub.history.filter((m) => m.topic === topic('armed_away')).length;
    await sub.client.publishAsync(`${topic('armed_away')}/set`, 'on please');
    await until('the state said again', () => sub.history.filter((m) => m.topic === topic('armed_away')).length > statesBefore);
    assert.equal(sub.seen.get(topic('armed_away')), 'OFF');
    assert.ok(logs.lines.some((l) => l.msg === 'switch command from MQTT refused: the payload must be ON or OFF' && l.payload === 'on please'), JSON.stringify(logs.messages('warn')));
    // A camera that is not one of this hub's: ignored, with a log line.
    await sub.client.publishAsync('porchlight/camera/no-such-camera/armed_away/set', 'ON');
    await until('the log line', () => logs.messages('warn').includes('switch command from MQTT for no active camera ignored'));
    assert.equal(stored(), '["armed_home"]');
    assert.deepEqual(await armedIn(), ['armed_home']);
  });

  it('with an alarm code set, turns a switch on but refuses to turn one off (that needs the code the switch cannot send)', async () => {
    await start('4711');
    await sub.until(topic('armed_home'), (v) => v === 'ON');
    await sub.client.publishAsync(`${topic('armed_home')}/set`, 'OFF');
    await until('the refusal audited', () => t!.db.prepare("SELECT detail FROM audit_log WHERE action = 'arming.mqtt_refused'").get());
    await sub.until(topic('armed_home'), (v) => v === 'ON');
    assert.deepEqual(await armedIn(), ['armed_home', 'armed_away']);
    assert.equal(stored(), null, 'nothing stored');
    assert.ok(logs.messages('warn').some((m) => /switch command from MQTT refused: with an alarm code set/.test(m)));

    // Turned off from the web UI, then back on from Home Assistant: more recording needs no code.
    assert.equal((await call(t!.base, 'PUT', `/api/cameras/${deviceId}/armed-in`, { body: JSON.stringify({ modes: ['armed_away'] }), headers: { ...owner.headers, ...JSON_HEADERS } })).status, 200);
    await sub.until(topic('armed_home'), (v) => v === 'OFF');
    await sub.client.publishAsync(`${topic('armed_home')}/set`, 'ON');
    await sub.until(topic('armed_home'), (v) => v === 'ON');
    assert.deepEqual(await armedIn(), ['armed_home', 'armed_away']);
  });
});

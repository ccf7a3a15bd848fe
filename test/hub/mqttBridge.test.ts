import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { openPairingWindow } from '../../hub/pairing';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { ArmingFollower } from '../../camera-agent/armingFollower';
import { DeviceChannel } from '../../camera-agent/deviceChannel';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { captureLog } from '../helpers/logCapture';
import { startBroker, type Broker } from '../helpers/mosquitto';
import { useTempDir } from '../helpers/tmp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real subscriber: everything under the two prefixes, last payload per topic. */
async function subscriber(broker: Broker): Promise<{ client: MqttClient; seen: Map<string, string>; until(topic: string, want: (v: string) => boolean): Promise<string> }> {
  const client = await mqtt.connectAsync(broker.url, { username: broker.username, password: broker.password, clientId: `test-${process.pid}-${Date.now()}` });
  const seen = new Map<string, string>();
  client.on('message', (topic, payload) => seen.set(topic, payload.toString('utf8')));
  await client.subscribeAsync(['homeassistant/#', 'porchlight/#']);
  return {
    client,
    seen,
    async until(topic, want) {
      const end = Date.now() + 10_000;
      for (;;) {
        const v = seen.get(topic);
        if (v !== undefined && want(v)) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${topic} (last: ${v})`);
        await sleep(25);
      }
    },
  };
}

describe('Home Assistant over MQTT (Debian mosquitto on loopback, a real subscriber)', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let broker: Broker;
  let t: TestHub;
  let sub: Awaited<ReturnType<typeof subscriber>>;

  beforeEach(async () => {
    broker = await startBroker(tmp.dir);
    const passwordFile = path.join(tmp.dir, 'mqtt-password');
    writeFileSync(passwordFile, broker.password + '\n', { mode: 0o600 });
    const codeFile = path.join(tmp.dir, 'alarm-code');
    writeFileSync(codeFile, '4711\n', { mode: 0o600 });
    t = await startTestHub(path.join(tmp.dir, 'hub'), { mqtt: { url: broker.url, username: broker.username, passwordFile, codeFile } });
    sub = await subscriber(broker);
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
    const pair = await pairWithHub(t.base, openPairingWindow(t.db, 60_000).code, 'porch');
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
    const pair = await pairWithHub(t.base, openPairingWindow(t.db, 60_000).code, 'gate');
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

import type { CameraHealthBoard } from './cameraHealthBoard';
import type { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import type { MqttConfig } from '../common/config';
import { ConfigError } from '../common/config';
import type { Logger } from '../common/logger';
import { readSettingFile } from '../common/settingFile';
import { safeEqual } from '../common/tokens';
import type { AuditLog } from '../common/auditLog';
import type { ArmingDecision } from './arming/armingDecision';
import type { ArmingService } from './arming/armingService';
import type { Mode } from '../common/protocol';
import type { DeviceChannels } from './deviceChannels';
import { OBJECT_LABELS } from '../common/detection';
import { EventObjects, labelsSensor, type EventObjectsSummary } from './eventObjects';
import type { ObjectRules } from './objectAlertPolicy';
import type { ObjectsNotice } from './motionLabels';
import { ARMABLE_MODES, withArmedIn, type ArmableMode } from '../common/armedIn';

/*
 * Home Assistant over MQTT, by its discovery convention: one alarm control panel for the home
 * (arm and disarm from Home Assistant, with a code when the owner sets one), and per camera a
 * motion binary sensor and a last-event timestamp sensor, each with availability. Discovery
 * configs and states are retained, so Home Assistant restarting finds everything; the broker
 * publishes "offline" for the hub (its last will) if the hub vanishes.
 *
 * With object detection, per camera also a binary sensor per class (person, vehicle, animal),
 * on while the motion event that counted one lasts, and a sensor with the last event's labels.
 * The class sensors are published from what this hub knows on every (re)connect, so a retained
 * ON cannot outlive a hub restart mid-event.
 *
 * Per camera also two switches, "Record when home" and "Record when away": the camera's armed-in
 * modes (common/armedIn.ts), ON or OFF. Their states come from the arming decision, so a change
 * made in the web UI or the CLI shows in Home Assistant too. With an alarm code set, a switch may
 * be turned on but not off from MQTT: a switch takes no code, and turning every camera's
 * recording off would otherwise disarm the home without the code the alarm panel asks for.
 */

export interface MotionNotice {
  deviceId: string;
  deviceName: string;
  kind: 'start' | 'end';
  at: number;
  retrigger: boolean;
}

interface Camera {
  id: string;
  name: string;
}

/** Home Assistant's alarm states: privacy shows as disarmed, with mode "privacy" in the attributes. */
function haState(mode: Mode): string {
  return mode === 'privacy' ? 'disarmed' : mode;
}

const COMMANDS: Record<string, Mode> = { DISARM: 'disarmed', ARM_HOME: 'armed_home', ARM_AWAY: 'armed_away' };

/** The switches' names in Home Assistant, by the mode they arm the camera in. */
const SWITCH_NAMES: Record<ArmableMode, string> = { armed_home: 'Record when home', armed_away: 'Record when away' };

/** `<base>/camera/<id>/armed_home/set` → the camera and the mode. */
const SWITCH_COMMAND = /^camera\/([^/]+)\/(armed_home|armed_away)\/set$/;

export class MqttBridge {
  private client: MqttClient | null = null;
  private code: string | null = null;
  private readonly base: string;
  private readonly listeners: Array<() => void> = [];
  private readonly announced = new Set<string>();
  private readonly eventObjects = new EventObjects();

  constructor(
    private readonly config: MqttConfig,
    private readonly arming: ArmingService,
    private readonly channels: DeviceChannels,
    private readonly events: EventEmitter,
    private readonly cameras: () => Camera[],
    private readonly audit: AuditLog,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly health?: CameraHealthBoard,
    /** The camera's detection settings and zones; none: 'objects' events are not published. */
    private readonly objectRules?: (deviceId: string) => ObjectRules,
  ) {
    this.base = config.baseTopic.replace(/\/+$/, '');
  }

  async start(): Promise<void> {
    const c = this.config;
    if (c.passwordFile && !c.username) throw new ConfigError('setting "hub.mqtt.passwordFile" needs "hub.mqtt.username" as well');
    const password = c.passwordFile ? (await readSettingFile(c.passwordFile, 'hub.mqtt.passwordFile', 'the MQTT password file')).trim() : undefined;
    const ca = c.caFile ? await readSettingFile(c.caFile, 'hub.mqtt.caFile', 'the MQTT broker CA file') : undefined;
    if (c.codeFile) {
      this.code = (await readSettingFile(c.codeFile, 'hub.mqtt.codeFile', 'the alarm code file')).trim();
      if (!this.code) throw new ConfigError(`the alarm code file ${c.codeFile} (setting "hub.mqtt.codeFile") is empty`);
    }
    const client = mqtt.connect(c.url, {
      username: c.username,
      password,
      ca,
      clientId: `porchlight-hub-${process.pid}`,
      reconnectPeriod: 5000,
      will: { topic: `${this.base}/availability`, payload: Buffer.from('offline'), retain: true, qos: 1 },
    });
    this.client = client;
    let offline = false;
    client.on('connect', () => {
      if (offline) this.log.info({ broker: c.url }, 'MQTT broker reachable again');
      offline = false;
      this.announce();
    });
    client.on('error', (err) => {
      if (!offline) this.log.warn({ broker: c.url, err: err.message }, 'MQTT broker unreachable; retrying every 5 s');
      offline = true;
    });
    client.on('message', (topic, payload) => {
      if (topic === `${this.base}/alarm/set`) this.command(payload.toString('utf8'));
      else if (topic.startsWith(`${this.base}/`)) {
        const m = SWITCH_COMMAND.exec(topic.slice(this.base.length + 1));
        if (m) this.switchCommand(m[1]!, m[2] as ArmableMode, payload.toString('utf8'));
      }
    });

    const onChange = (d: ArmingDecision) => this.publishArming(d);
    const onMotion = (m: MotionNotice) => this.publishMotion(m);
    const onObjects = (n: ObjectsNotice) => this.publishObjects(n);
    // A camera paired since the last announcement is announced when it first comes online.
    const onOnline = (id: string) => (this.announced.has(id) ? this.publishAvailability(id) : this.announce());
    const onOffline = (id: string) => this.publishAvailability(id);
    const onHealth = (id: string) => {
      if (this.announced.has(id)) this.publishAvailability(id);
    };
    this.health?.on('change', onHealth);
    this.listeners.push(() => this.health?.off('change', onHealth));
    this.arming.on('change', onChange);
    this.events.on('motion', onMotion);
    if (this.objectRules) this.events.on('objects', onObjects);
    this.channels.on('online', onOnline);
    this.channels.on('offline', onOffline);
    this.listeners.push(
      () => this.arming.off('change', onChange),
      () => this.events.off('motion', onMotion),
      () => this.events.off('objects', onObjects),
      () => this.channels.off('online', onOnline),
      () => this.channels.off('offline', onOffline),
    );
  }

  /** A camera is 'online' only while connected and its video arrives: connected but stalled or locked out is not. */
  private publishAvailability(id: string): void {
    const online = this.channels.isOnline(id) && (this.health?.streaming(id) ?? true);
    this.publish(`${this.base}/camera/${id}/availability`, online ? 'online' : 'offline');
  }

  private publish(topic: string, payload: string, retain = true): void {
    this.client?.publish(topic, payload, { retain, qos: 1 });
  }

  private device() {
    return { identifiers: ['porchlight-hub'], name: 'Porchlight', manufacturer: 'Porchlight', model: 'hub' };
  }

  /** Discovery configs, availability and current states; again on every (re)connect. */
  private announce(): void {
    const p = this.config.discoveryPrefix;
    const availability = [{ topic: `${this.base}/availability` }];
    this.publish(`${this.base}/availability`, 'online');
    this.publish(
      `${p}/alarm_control_panel/porchlight/home/config`,
      JSON.stringify({
        name: 'Home',
        unique_id: 'porchlight_home',
        state_topic: `${this.base}/alarm/state`,
        command_topic: `${this.base}/alarm/set`,
        json_attributes_topic: `${this.base}/alarm/attributes`,
        command_template: '{"action":"{{ action }}","code":"{{ code }}"}',
        supported_features: ['arm_home', 'arm_away'],
        code: this.code ? 'REMOTE_CODE' : undefined,
        code_arm_required: this.code !== null,
        code_disarm_required: this.code !== null,
        availability,
        device: this.device(),
      }),
    );
    for (const cam of this.cameras()) {
      this.announced.add(cam.id);
      const camAvailability = [...availability, { topic: `${this.base}/camera/${cam.id}/availability` }];
      const device = { identifiers: [`porchlight-${cam.id}`], name: cam.name, manufacturer: 'Porchlight', model: 'camera', via_device: 'porchlight-hub' };
      this.publish(
        `${p}/binary_sensor/porchlight_${cam.id}/motion/config`,
        JSON.stringify({ name: 'Motion', unique_id: `porchlight_${cam.id}_motion`, device_class: 'motion', state_topic: `${this.base}/camera/${cam.id}/motion`, availability: camAvailability, availability_mode: 'all', device }),
      );
      this.publish(
        `${p}/sensor/porchlight_${cam.id}/last_event/config`,
        JSON.stringify({ name: 'Last event', unique_id: `porchlight_${cam.id}_last_event`, device_class: 'timestamp', state_topic: `${this.base}/camera/${cam.id}/last_event`, availability: camAvailability, availability_mode: 'all', device }),
      );
      if (this.objectRules) this.announceObjects(cam.id, camAvailability, device);
      this.announceSwitches(cam.id, availability, device);
      this.publishAvailability(cam.id);
    }
    this.client?.subscribe([`${this.base}/alarm/set`, ...ARMABLE_MODES.map((m) => `${this.base}/camera/+/${m}/set`)], { qos: 1 });
    this.publishArming(this.arming.state());
  }

  private publishArming(d: ArmingDecision): void {
    this.publish(`${this.base}/alarm/state`, haState(d.mode));
    this.publish(`${this.base}/alarm/attributes`, JSON.stringify({ mode: d.mode, cause: d.cause, since: new Date(d.since).toISOString() }));
    for (const [id, cam] of Object.entries(d.cameras)) {
      for (const mode of ARMABLE_MODES) this.publish(`${this.base}/camera/${id}/${mode}`, cam.armedIn.includes(mode) ? 'ON' : 'OFF');
    }
  }

  /**
   * The two switches; available while the hub is (a camera's armed-in modes can be set while
   * it is offline: it is told when it reconnects).
   */
  private announceSwitches(id: string, availability: Array<{ topic: string }>, device: Record<string, unknown>): void {
    for (const mode of ARMABLE_MODES) {
      this.publish(
        `${this.config.discoveryPrefix}/switch/porchlight_${id}/${mode}/config`,
        JSON.stringify({
          name: SWITCH_NAMES[mode],
          unique_id: `porchlight_${id}_${mode}`,
          icon: mode === 'armed_home' ? 'mdi:home-lock' : 'mdi:home-export-outline',
          state_topic: `${this.base}/camera/${id}/${mode}`,
          command_topic: `${this.base}/camera/${id}/${mode}/set`,
          payload_on: 'ON',
          payload_off: 'OFF',
          availability,
          device,
        }),
      );
    }
  }

  /** A switch from Home Assistant: ON or OFF for one camera and mode; anything else is refused and the state said again. */
  private switchCommand(id: string, mode: ArmableMode, payload: string): void {
    const value = payload.trim();
    const camera = this.cameras().find((c) => c.id === id);
    const current = this.arming.state();
    const armedIn = current.cameras[id]?.armedIn;
    if (!camera || !armedIn) {
      this.log.warn({ camera: id.slice(0, 64), mode }, 'switch command from MQTT for no active camera ignored');
      return;
    }
    const refuse = (reason: string, detail: Record<string, unknown>) => {
      this.log.warn({ camera: camera.name, mode, ...detail }, `switch command from MQTT refused: ${reason}`);
      // Home Assistant shows the state it gets back, so it does not pretend the change happened.
      this.publish(`${this.base}/camera/${id}/${mode}`, armedIn.includes(mode) ? 'ON' : 'OFF');
    };
    if (value !== 'ON' && value !== 'OFF') {
      refuse('the payload must be ON or OFF', { payload: value.slice(0, 40) });
      return;
    }
    const on = value === 'ON';
    if (!on && this.code !== null && armedIn.includes(mode)) {
      this.audit.append({ actor: 'home-assistant', action: 'arming.mqtt_refused', target: `device:${id}`, detail: { armedIn: mode, on, reason: 'alarm code set' } }, this.now());
      refuse('with an alarm code set, a camera is disarmed in a mode only from the web UI or the CLI', {});
      return;
    }
    const next = withArmedIn(armedIn, mode, on);
    // Already so: nothing to store or audit, but Home Assistant hears the state again.
    if (next.length === armedIn.length) this.publish(`${this.base}/camera/${id}/${mode}`, value);
    else this.arming.setCameraArmedIn(id, next, 'home-assistant');
  }

  /** The class sensors and the labels sensor, with the class states as this hub knows them (OFF after a restart). */
  private announceObjects(id: string, availability: Array<{ topic: string }>, device: Record<string, unknown>): void {
    const p = this.config.discoveryPrefix;
    for (const label of OBJECT_LABELS) {
      this.publish(
        `${p}/binary_sensor/porchlight_${id}/${label}/config`,
        JSON.stringify({
          name: label.charAt(0).toUpperCase() + label.slice(1),
          unique_id: `porchlight_${id}_${label}`,
          device_class: 'occupancy',
          state_topic: `${this.base}/camera/${id}/${label}`,
          availability,
          availability_mode: 'all',
          device,
        }),
      );
      this.publish(`${this.base}/camera/${id}/${label}`, this.eventObjects.isOn(id, label) ? 'ON' : 'OFF');
    }
    this.publish(
      `${p}/sensor/porchlight_${id}/last_labels/config`,
      JSON.stringify({
        name: 'Last labels',
        unique_id: `porchlight_${id}_last_labels`,
        icon: 'mdi:tag-search',
        state_topic: `${this.base}/camera/${id}/last_labels`,
        json_attributes_topic: `${this.base}/camera/${id}/last_labels/attributes`,
        availability,
        availability_mode: 'all',
        device,
      }),
    );
  }

  private publishMotion(m: MotionNotice): void {
    this.publish(`${this.base}/camera/${m.deviceId}/motion`, m.kind === 'start' ? 'ON' : 'OFF');
    if (m.kind === 'start') this.publish(`${this.base}/camera/${m.deviceId}/last_event`, new Date(m.at).toISOString());
    if (!this.objectRules) return;
    if (m.kind === 'start') {
      // A start without an end between (a lost end) must not leave the last event's classes on.
      for (const label of OBJECT_LABELS) if (this.eventObjects.isOn(m.deviceId, label)) this.publish(`${this.base}/camera/${m.deviceId}/${label}`, 'OFF');
      this.eventObjects.start(m.deviceId, m.at);
      return;
    }
    const wasOn = OBJECT_LABELS.filter((label) => this.eventObjects.isOn(m.deviceId, label));
    const summary = this.eventObjects.end(m.deviceId);
    for (const label of wasOn) this.publish(`${this.base}/camera/${m.deviceId}/${label}`, 'OFF');
    if (summary) this.publishLabels(m.deviceId, summary);
  }

  private publishObjects(n: ObjectsNotice): void {
    let rules: ObjectRules;
    try {
      rules = this.objectRules!(n.deviceId);
    } catch (err) {
      this.log.warn({ device: n.deviceName, err: (err as Error).message }, "could not read the camera's detection settings; its objects are not published");
      return;
    }
    const result = this.eventObjects.add(n, rules);
    if (!result) return;
    for (const label of result.turnedOn) this.publish(`${this.base}/camera/${n.deviceId}/${label}`, 'ON');
    if (result.summary) this.publishLabels(n.deviceId, result.summary);
  }

  private publishLabels(id: string, summary: EventObjectsSummary): void {
    const sensor = labelsSensor(summary);
    // Attributes first: Home Assistant reads them when the state changes.
    this.publish(`${this.base}/camera/${id}/last_labels/attributes`, JSON.stringify(sensor.attributes));
    this.publish(`${this.base}/camera/${id}/last_labels`, sensor.state);
  }

  /** A command from Home Assistant: `{"action": "ARM_AWAY", "code": "…"}` (or the bare action). */
  private command(payload: string): void {
    let action = payload.trim();
    let code = '';
    try {
      const parsed = JSON.parse(payload) as { action?: unknown; code?: unknown };
      if (typeof parsed.action === 'string') action = parsed.action;
      if (typeof parsed.code === 'string') code = parsed.code;
    } catch {
      // a bare action
    }
    const mode = COMMANDS[action];
    if (!mode) {
      this.log.warn({ action: action.slice(0, 40) }, 'unknown command from MQTT ignored');
      return;
    }
    if (this.code !== null && !safeEqual(code, this.code)) {
      this.audit.append({ actor: 'home-assistant', action: 'arming.mqtt_refused', detail: { mode, reason: 'wrong code' } }, this.now());
      this.log.warn({ mode }, 'arming command from MQTT with a wrong code refused');
      // Home Assistant shows the state it gets back, so it does not pretend the change happened.
      this.publishArming(this.arming.state());
      return;
    }
    this.arming.setMode(mode, 'home-assistant');
  }

  async stop(): Promise<void> {
    for (const off of this.listeners.splice(0)) off();
    const client = this.client;
    this.client = null;
    if (!client) return;
    // A clean stop says offline itself (the will is only for a crash) — if the broker is there to hear it.
    if (client.connected) {
      await Promise.race([
        new Promise<void>((resolve) => client.publish(`${this.base}/availability`, 'offline', { retain: true, qos: 1 }, () => resolve())),
        new Promise<void>((resolve) => setTimeout(resolve, 2000).unref()),
      ]);
    }
    await client.endAsync(!client.connected);
  }
}

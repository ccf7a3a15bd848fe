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

/*
 * Home Assistant over MQTT, by its discovery convention: one alarm control panel for the home
 * (arm and disarm from Home Assistant, with a code when the owner sets one), and per camera a
 * motion binary sensor and a last-event timestamp sensor, each with availability. Discovery
 * configs and states are retained, so Home Assistant restarting finds everything; the broker
 * publishes "offline" for the hub (its last will) if the hub vanishes.
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

export class MqttBridge {
  private client: MqttClient | null = null;
  private code: string | null = null;
  private readonly base: string;
  private readonly listeners: Array<() => void> = [];
  private readonly announced = new Set<string>();

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
    });

    const onChange = (d: ArmingDecision) => this.publishArming(d);
    const onMotion = (m: MotionNotice) => this.publishMotion(m);
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
    this.channels.on('online', onOnline);
    this.channels.on('offline', onOffline);
    this.listeners.push(
      () => this.arming.off('change', onChange),
      () => this.events.off('motion', onMotion),
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
      this.publishAvailability(cam.id);
    }
    this.client?.subscribe(`${this.base}/alarm/set`, { qos: 1 });
    this.publishArming(this.arming.state());
  }

  private publishArming(d: ArmingDecision): void {
    this.publish(`${this.base}/alarm/state`, haState(d.mode));
    this.publish(`${this.base}/alarm/attributes`, JSON.stringify({ mode: d.mode, cause: d.cause, since: new Date(d.since).toISOString() }));
  }

  private publishMotion(m: MotionNotice): void {
    this.publish(`${this.base}/camera/${m.deviceId}/motion`, m.kind === 'start' ? 'ON' : 'OFF');
    if (m.kind === 'start') this.publish(`${this.base}/camera/${m.deviceId}/last_event`, new Date(m.at).toISOString());
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

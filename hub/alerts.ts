import type { EventEmitter } from 'node:events';
import type { Clock } from '../common/clock';
import type { DB } from '../common/database';
import type { Logger } from '../common/logger';
import type { ArmingDecision } from './arming/armingDecision';
import type { ArmingService } from './arming/armingService';
import type { Mailer } from '../common/mailer';
import type { MotionNotice } from './mqttBridge';
import { notifyUser } from '../common/notices';
import { readSetting, writeSetting } from '../common/settingsTable';
import { DEFAULT_PREFS, parsePrefs, shouldNotifyMotion, type NotificationPrefs } from './notificationPolicy';
import { visibleCameras, type Role } from './users';
import { WebhookSender } from './webhooks';
import type { WebhookEventType, WebhookStore } from './webhookStore';

/*
 * Who is told what when something happens: each user by their notification preferences
 * (motion on the cameras they may see, with a per-camera cooldown so one cat does not send
 * fifty messages; arming changes they did not make themselves), and the owner's webhooks,
 * signed with HMAC-SHA256 and retried with backoff.
 */

export function getPrefs(db: DB, userId: number): NotificationPrefs {
  try {
    const stored = readSetting<unknown>(db, `notify:${userId}`);
    return stored === null ? { ...DEFAULT_PREFS } : parsePrefs(stored);
  } catch {
    return { ...DEFAULT_PREFS };
  }
}

export function setPrefs(db: DB, userId: number, prefs: NotificationPrefs): void {
  writeSetting(db, `notify:${userId}`, prefs);
}

const MODE_WORDS: Record<string, string> = { disarmed: 'disarmed', armed_home: 'armed (home)', armed_away: 'armed (away)', privacy: 'in privacy mode' };

export class Alerts {
  private readonly lastSent = new Map<string, number>();
  private readonly sender: WebhookSender;
  private readonly offs: Array<() => void> = [];

  constructor(
    private readonly db: DB,
    private readonly arming: ArmingService,
    private readonly events: EventEmitter,
    readonly webhooks: WebhookStore,
    private readonly mailer: Mailer,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly cooldownMs: number,
  ) {
    this.sender = new WebhookSender({ clock, log });
  }

  start(): void {
    const onMotion = (m: MotionNotice) => void this.motion(m).catch((err: Error) => this.log.error({ err: err.message }, 'motion alert failed'));
    const onChange = (d: ArmingDecision, previous: ArmingDecision | null) =>
      void this.armingChanged(d, previous).catch((err: Error) => this.log.error({ err: err.message }, 'arming alert failed'));
    this.events.on('motion', onMotion);
    this.arming.on('change', onChange);
    this.offs.push(() => this.events.off('motion', onMotion), () => this.arming.off('change', onChange));
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  private users(): Array<{ id: number; username: string; role: Role }> {
    return this.db.prepare('SELECT id, username, role FROM users').all() as Array<{ id: number; username: string; role: Role }>;
  }

  private async motion(m: MotionNotice): Promise<void> {
    if (m.kind !== 'start') return;
    const now = this.clock.now();
    const mode = this.arming.state().mode;
    for (const user of this.users()) {
      const cameras = visibleCameras(this.db, user);
      if (cameras !== 'all' && !cameras.includes(m.deviceId)) continue;
      const key = `${user.id}:${m.deviceId}`;
      if (!shouldNotifyMotion({ prefs: getPrefs(this.db, user.id), cameraId: m.deviceId, mode, retrigger: m.retrigger, lastSentAt: this.lastSent.get(key) ?? null, cooldownMs: this.cooldownMs, now })) continue;
      this.lastSent.set(key, now);
      await notifyUser(this.db, this.mailer, this.log, user.id, { kind: 'motion', subject: `Motion: ${m.deviceName}`, message: `Motion on ${m.deviceName} at ${new Date(m.at).toISOString()}.` }, now);
    }
    if (!m.retrigger && mode !== 'privacy') this.hook('motion.started', { camera: { id: m.deviceId, name: m.deviceName }, at: new Date(m.at).toISOString(), mode });
  }

  private async armingChanged(d: ArmingDecision, previous: ArmingDecision | null): Promise<void> {
    if (!previous || previous.mode === d.mode) return;
    const now = this.clock.now();
    const by = d.cause.source === 'manual' ? d.cause.by : d.cause.source === 'geofence' ? `geofence (${d.cause.member ?? 'household'})` : d.cause.source === 'schedule' ? 'the schedule' : 'default';
    for (const user of this.users()) {
      if (user.role === 'installer' || !getPrefs(this.db, user.id).arming) continue;
      // Nobody needs telling what they just did themselves.
      if (d.cause.source === 'manual' && d.cause.by === `user:${user.username}`) continue;
      await notifyUser(this.db, this.mailer, this.log, user.id, { kind: 'arming', subject: `Porchlight is ${MODE_WORDS[d.mode]}`, message: `Porchlight is now ${MODE_WORDS[d.mode]}, set by ${by}.` }, now);
    }
    this.hook('arming.changed', { mode: d.mode, from: previous.mode, cause: d.cause });
  }

  private hook(type: WebhookEventType, data: Record<string, unknown>): void {
    for (const h of this.webhooks.list()) {
      if (!h.events.includes(type)) continue;
      // Each delivery retries on its own schedule; a slow receiver never holds up the hub.
      void this.sender.send({ id: h.id, url: h.url, secret: this.webhooks.secretOf(h) }, { type, at: this.clock.now(), data });
    }
  }
}

import type { EventEmitter } from 'node:events';
import type { Clock } from '../common/clock';
import type { DB } from '../common/database';
import type { Logger } from '../common/logger';
import type { DetectionSettings } from '../common/detectionSettings';
import type { ArmingDecision } from './arming/armingDecision';
import type { ArmingService } from './arming/armingService';
import type { MotionNotice } from './mqttBridge';
import { objectRulesOf } from './cameraSettingsStore';
import type { ObjectsNotice } from './motionLabels';
import { decideObjectAlert, type ObjectAlertDecision, type ObjectRules, type Sighting } from './objectAlertPolicy';
import { eventKey, HOLD_MS, ObjectAlertHold, type HeldMotion, type HoldOutcome } from './objectAlertHold';
import { notifyUser, pushPayloadOf, type NoticeContent, type NoticeOutlets, type PushWords } from '../common/notices';
import type { EventPicture, NoticePictures } from './noticePictures';
import { pictureFileName } from './noticePictures';
import { alertTime, noticeDateTime } from '../common/noticeTime';
import { NotificationSnoozes } from './notificationSnoozes';
import { readSetting, writeSetting } from '../common/settingsTable';
import { DEFAULT_PREFS, parsePrefs, shouldNotifyMotion, type NotificationPrefs } from './notificationPolicy';
import { visibleCameras, type Role } from './users';
import { mayKnow } from './disclosure';
import { WebhookSender } from './webhooks';
import type { WebhookEventType, WebhookStore } from './webhookStore';

/*
 * Who is told what when something happens: each user by their notification preferences
 * (motion on the cameras they may see, with a per-camera cooldown so one cat does not send
 * fifty messages; arming changes they did not make themselves), and the owner's webhooks,
 * signed with HMAC-SHA256 and retried with backoff.
 *
 * On a camera with object detection on, the motion notice waits for the detector
 * (objectAlertHold.ts): "Person at the porch, 14:32" when something counted, nothing when
 * nothing did, the plain motion notice when the detector never answered.
 */

/** Object alerts, when the hub runs a detector: the detection settings of cameras never saved. */
export interface AlertDetection {
  hubDefault: DetectionSettings;
  detectorPresent: boolean;
  /** True while the detector's model is loading (the hub has just started). */
  modelLoading?: () => boolean;
}

/**
 * How long a held alert waits for a model that is still loading, on top of HOLD_MS. A model
 * loading is a detector about to answer, not one that is down: sending the plain "Motion" for
 * every event of the first seconds after a start would be the very alerts detection removes.
 * Bounded, so a load that hangs still ends in the plain alert. CenterNet loads in 2–20 s on
 * the 2-core test machine depending on its load (docs/detection.md).
 */
export const LOADING_HOLD_MS = 60_000;

/** What else the alerts need of the hub: the event pictures the household may have opted in to, and the hub's address for links in mail. */
export interface AlertExtras {
  pictures?: NoticePictures | null;
  /** The hub's URL (https://host:port/) as configured; links in mail are made on it. */
  hubUrl?: () => string;
}

/** A motion or object notice: what the list, the mail and the phone say. */
type EventNotice = Pick<NoticeContent, 'subject' | 'message' | 'mailText'> & { push: PushWords };

/** The picture an event's notice may carry (made once, for everyone told). */
interface PictureAsk {
  deviceId: string;
  deviceName: string;
  eventAt: number;
}
const LOADING_POLL_MS = 250;

/** Kept here for the callers that knew it here; common/noticeTime.ts owns it. */
export { alertTime };

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

/** Where a tap on a motion notice leads: the camera's live view (the clip is still being recorded). */
export function liveLink(deviceId: string): string {
  return `/#/live?camera=${encodeURIComponent(deviceId)}`;
}

/** Where a tap on an object notice leads: the event's clip on the timeline. */
export function clipLink(deviceId: string, eventAt: number): string {
  return `/#/timeline?camera=${encodeURIComponent(deviceId)}&at=${eventAt}`;
}

const MODE_WORDS: Record<string, string> = { disarmed: 'disarmed', armed_home: 'armed (home)', armed_away: 'armed (away)', privacy: 'in privacy mode' };

export class Alerts {
  private readonly lastSent = new Map<string, number>();
  private readonly sender: WebhookSender;
  private readonly offs: Array<() => void> = [];
  private readonly hold = new ObjectAlertHold();
  private readonly stopping = new AbortController();
  private readonly snoozes: NotificationSnoozes;

  constructor(
    private readonly db: DB,
    private readonly arming: ArmingService,
    private readonly events: EventEmitter,
    readonly webhooks: WebhookStore,
    private readonly mailer: NoticeOutlets,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly cooldownMs: number,
    private readonly detection: AlertDetection | null = null,
    private readonly extras: AlertExtras = {},
  ) {
    this.sender = new WebhookSender({ clock, log });
    this.snoozes = new NotificationSnoozes(db);
  }

  start(): void {
    const onMotion = (m: MotionNotice) => void this.motion(m).catch((err: Error) => this.log.error({ err: err.message }, 'motion alert failed'));
    const onChange = (d: ArmingDecision, previous: ArmingDecision | null) =>
      void this.armingChanged(d, previous).catch((err: Error) => this.log.error({ err: err.message }, 'arming alert failed'));
    const onObjects = (n: ObjectsNotice) => void this.objects(n).catch((err: Error) => this.log.error({ err: err.message }, 'object alert failed'));
    this.events.on('motion', onMotion);
    this.events.on('objects', onObjects);
    this.arming.on('change', onChange);
    this.offs.push(() => this.events.off('motion', onMotion), () => this.events.off('objects', onObjects), () => this.arming.off('change', onChange));
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    this.stopping.abort();
  }

  private users(): Array<{ id: number; username: string; role: Role }> {
    return this.db.prepare('SELECT id, username, role FROM users').all() as Array<{ id: number; username: string; role: Role }>;
  }

  private async motion(m: MotionNotice): Promise<void> {
    if (m.kind === 'end') {
      const keys = this.hold.keysOf(m.deviceId);
      if (keys.length > 0 && (await this.waitedForModel())) {
        await this.clock.sleep(HOLD_MS, this.stopping.signal);
        if (this.stopping.signal.aborted) return;
      }
      for (const outcome of this.hold.finish(keys)) await this.settle(outcome);
      return;
    }
    if (m.kind !== 'start') return;
    const mode = this.arming.state().mode;
    if (!m.retrigger && mode !== 'privacy') this.hook('motion.started', { camera: { id: m.deviceId, name: m.deviceName }, at: new Date(m.at).toISOString(), mode });
    // A retrigger continues an event already told (or held): it is never told again.
    if (!m.retrigger && this.detecting(m.deviceId)) {
      const key = this.hold.hold({ deviceId: m.deviceId, deviceName: m.deviceName, eventAt: m.at });
      void (async () => {
        await this.clock.sleep(HOLD_MS, this.stopping.signal);
        // The model finished loading only now: its answers are about to come, give them the usual time.
        if (await this.waitedForModel()) await this.clock.sleep(HOLD_MS, this.stopping.signal);
        if (!this.stopping.signal.aborted) await this.settle(this.hold.expire(key));
      })().catch((err: Error) => {
        if (!this.stopping.signal.aborted) this.log.error({ err: err.message }, 'motion alert failed');
      });
      return;
    }
    await this.tell(m.deviceId, m.retrigger, this.motionWords(m.deviceId, m.deviceName, m.at));
  }

  /** Waits (bounded) while the model loads; says whether there was anything to wait for. */
  private async waitedForModel(): Promise<boolean> {
    const loading = this.detection?.modelLoading;
    if (!loading?.()) return false;
    for (let waited = 0; loading() && waited < LOADING_HOLD_MS && !this.stopping.signal.aborted; waited += LOADING_POLL_MS) {
      await this.clock.sleep(LOADING_POLL_MS, this.stopping.signal);
    }
    return true;
  }

  /** Whether this camera's motion alerts wait for the detector. */
  private detecting(deviceId: string): boolean {
    // A hub without a detector never answers: holding would only delay every alert.
    if (!this.detection?.detectorPresent) return false;
    return this.settingsOf(deviceId).detection.classes.length > 0;
  }

  private settingsOf(deviceId: string): ObjectRules {
    return objectRulesOf(this.db, deviceId, this.detection!.hubDefault);
  }

  private judge(motion: HeldMotion, sightings: Sighting[] | null): ObjectAlertDecision {
    const { detection, zones } = this.settingsOf(motion.deviceId);
    return decideObjectAlert({ camera: motion.deviceName, detection, zones, sightings });
  }

  private async objects(n: ObjectsNotice): Promise<void> {
    const key = eventKey(n.deviceId, n.eventAt);
    if (!this.detection || !this.hold.isHeld(key)) return;
    const sightings: Sighting[] = n.objects.map((object) => ({ object, frameAt: n.frameAt, ...(n.region ? { motionRegion: n.region } : {}) }));
    const motion: HeldMotion = { deviceId: n.deviceId, deviceName: n.deviceName, eventAt: n.eventAt };
    await this.settle(this.hold.answer(key, sightings, (all) => this.judge(motion, all)));
  }

  /** Sends what a held event came to. */
  private async settle(outcome: HoldOutcome): Promise<void> {
    if (!outcome) return;
    const { motion } = outcome;
    if (outcome.kind === 'motion') {
      // No answer: judged as plain motion, unless the household asked this camera for no alerts.
      if (!this.judge(motion, null).alert) return;
      await this.tell(motion.deviceId, false, this.motionWords(motion.deviceId, motion.deviceName, motion.eventAt));
      return;
    }
    const { decision } = outcome;
    const words = `${decision.words!}, ${alertTime(motion.eventAt, this.timeZone())}`;
    const push = { title: words, body: `${motion.deviceName}: tap to see the clip`, url: clipLink(motion.deviceId, motion.eventAt) };
    const notice = { subject: words, message: `${words}.`, mailText: this.mailText(push, motion.eventAt, 'See the clip'), push };
    await this.tell(motion.deviceId, false, notice, { deviceId: motion.deviceId, deviceName: motion.deviceName, eventAt: motion.eventAt });
    if (this.arming.state().mode === 'privacy') return;
    this.hook('objects.detected', {
      camera: { id: motion.deviceId, name: motion.deviceName },
      eventAt: new Date(motion.eventAt).toISOString(),
      labels: decision.best.map((s) => ({ label: s.object.label, cocoClass: s.object.cocoClass, score: s.object.score, box: s.object.box, ...(s.frameAt === undefined ? {} : { frameAt: new Date(s.frameAt).toISOString() }) })),
      words: decision.words,
    });
  }

  /** The plain motion notice: the phone's words in mail too, with the full date and a link. */
  private motionWords(deviceId: string, name: string, at: number): EventNotice {
    const push = { title: `Motion at the ${name}`, body: alertTime(at, this.timeZone()), url: liveLink(deviceId) };
    return { subject: push.title, message: `Motion on ${name} at ${noticeDateTime(at, this.timeZone())}.`, mailText: this.mailText(push, at, 'Watch live'), push };
  }

  /** A mailed event: the phone's title and body, the day and time in full with the home's zone, and the link a tap would open. */
  private mailText(push: PushWords, at: number, linkWords: string): string {
    const lines = [push.title, push.body, '', `When: ${noticeDateTime(at, this.timeZone())}`];
    const link = this.link(push.url);
    if (link) lines.push(`${linkWords}: ${link}`);
    return lines.join('\n');
  }

  private link(pagePath: string): string | null {
    const base = this.extras.hubUrl?.();
    if (!base) return null;
    try {
      return new URL(pagePath, base).href;
    } catch {
      return null;
    }
  }

  private timeZone(): string | null {
    try {
      return this.arming.store.settings().timeZone;
    } catch {
      return null;
    }
  }

  /**
   * Tells each user who may see the camera and wants to hear, with the per-camera cooldown.
   * Only those users are told, so the picture (when asked for, made once for all of them)
   * reaches no one who may not see the camera's footage.
   */
  private async tell(deviceId: string, retrigger: boolean, notice: EventNotice, ask?: PictureAsk): Promise<void> {
    const now = this.clock.now();
    const mode = this.arming.state().mode;
    const told = this.users().filter((user) => {
      const cameras = visibleCameras(this.db, user);
      if (cameras !== 'all' && !cameras.includes(deviceId)) return false;
      const key = `${user.id}:${deviceId}`;
      const snoozes = this.snoozes.of(user.id, now);
      if (!shouldNotifyMotion({ prefs: getPrefs(this.db, user.id), cameraId: deviceId, mode, retrigger, lastSentAt: this.lastSent.get(key) ?? null, cooldownMs: this.cooldownMs, now, snoozes })) return false;
      this.lastSent.set(key, now);
      return true;
    });
    if (told.length === 0) return;
    const picture = ask ? await this.picture(ask, notice, now) : null;
    try {
      for (const user of told) {
        await notifyUser(this.db, this.mailer, this.log, user.id, { kind: 'motion', ...notice, ...(picture ? { picture: picture.picture } : {}), ...(picture?.picture.mail ? { mailText: `${notice.mailText ?? notice.message}\n\nThe picture the detector chose is attached.` } : {}) }, now);
      }
    } finally {
      picture?.wipe();
    }
  }

  private async picture(ask: PictureAsk, notice: EventNotice, now: number): Promise<EventPicture | null> {
    const pictures = this.extras.pictures;
    if (!pictures) return null;
    return pictures.forEvent({
      deviceId: ask.deviceId,
      eventAt: ask.eventAt,
      filename: pictureFileName(ask.deviceName, noticeDateTime(ask.eventAt, this.timeZone()).replace(/^\w+, /, '')),
      payload: pushPayloadOf(notice.push, 'motion', now),
    });
  }

  private async armingChanged(d: ArmingDecision, previous: ArmingDecision | null): Promise<void> {
    if (!previous || previous.mode === d.mode) return;
    const now = this.clock.now();
    if (d.mode === 'disarmed') this.snoozes.disarmed();
    const by = d.cause.source === 'manual' ? d.cause.by : d.cause.source === 'geofence' ? `geofence (${d.cause.member ?? 'household'})` : d.cause.source === 'schedule' ? 'the schedule' : 'default';
    for (const user of this.users()) {
      // The home's mode and who set it are the household's: not a viewer's or the installer's (disclosure.ts).
      if (!mayKnow(user.role, 'arming') || !getPrefs(this.db, user.id).arming) continue;
      // Nobody needs telling what they just did themselves.
      if (d.cause.source === 'manual' && d.cause.by === `user:${user.username}`) continue;
      // Not snoozed: a snooze quiets what the cameras see, and a change of the home's mode by
      // someone else (above all a disarm) is what a person away most needs to hear.
      const subject = `Porchlight is ${MODE_WORDS[d.mode]}`;
      const message = `Porchlight is now ${MODE_WORDS[d.mode]}, set by ${by}.`;
      await notifyUser(this.db, this.mailer, this.log, user.id, { kind: 'arming', subject, message, push: { title: subject, body: `Set by ${by}, ${alertTime(now, this.timeZone())}`, url: '/#/dashboard' } }, now);
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

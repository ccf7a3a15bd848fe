import { EventEmitter } from 'node:events';
import type { DB } from '../../common/database';
import type { Logger } from '../../common/logger';
import type { AuditLog } from '../../common/auditLog';
import { decideArming, type ArmingDecision, type Cause } from './armingDecision';
import { ArmingStore } from './armingStore';
import type { CameraArming, Mode } from '../../common/protocol';
import { canonicalArmedIn, type ArmableMode } from '../../common/armedIn';

/**
 * How often the decision is asked again: scheduled transitions come due within this, and so do
 * changes another process (the CLI) made to the database, or a step of the clock.
 */
const EVALUATE_EVERY_MS = 2000;

export function actorOfCause(cause: Cause): string {
  switch (cause.source) {
    case 'manual':
      return cause.by;
    case 'schedule':
      return `schedule:${cause.ruleId}`;
    case 'geofence':
      return cause.member ? `geofence:${cause.member}` : 'geofence';
    default:
      return 'default';
  }
}

function sameDecision(a: ArmingDecision | null, b: ArmingDecision): boolean {
  return a !== null && a.mode === b.mode && a.since === b.since && JSON.stringify(a.cause) === JSON.stringify(b.cause) && JSON.stringify(a.cameras) === JSON.stringify(b.cameras);
}

/**
 * The hub's arming: asks the pure decision whenever an input changes and every 2 seconds, and
 * acts only on a decision that differs from the last one — stores it, writes it to the timeline and the audit log with who or what caused it, and
 * emits 'change' (the device channel pushes it to the cameras, MQTT to Home Assistant).
 */
export class ArmingService extends EventEmitter {
  readonly store: ArmingStore;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    db: DB,
    private readonly audit: AuditLog,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    super();
    this.store = new ArmingStore(db);
  }

  start(): void {
    this.evaluate();
    this.timer = setInterval(() => {
      try {
        this.evaluate();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'arming evaluation failed');
      }
    }, EVALUATE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The decision in force (evaluated now if none was stored yet). */
  state(): ArmingDecision {
    return this.store.current() ?? this.evaluate();
  }

  /** What one camera does now, for the hub's own checks: record and live view follow the mode, its motion switch and the modes it records in. */
  forCamera(deviceId: string, decision = this.state()): CameraArming & { mode: Mode } {
    const c = decision.cameras[deviceId];
    return { mode: decision.mode, record: c?.record ?? false, live: c?.live ?? decision.mode !== 'privacy', motion: c?.motion ?? true, privacy: decision.mode === 'privacy' };
  }

  /**
   * The arming message the camera itself gets on its channel: what it must do, and nothing of
   * the home's mode, its cause or its times (common/protocol.ts, CameraArming).
   */
  messageFor(deviceId: string, decision = this.state()): CameraArming {
    const { record, live, motion, privacy } = this.forCamera(deviceId, decision);
    return { record, live, motion, privacy };
  }

  /**
   * Whether a change of decision changes what this camera is told. Cameras hear only of their
   * own changes: a push on every change of the home would still tell a camera's holder when
   * the household came and went.
   */
  changesFor(deviceId: string, decision: ArmingDecision, previous: ArmingDecision | null): boolean {
    return previous === null || JSON.stringify(this.messageFor(deviceId, decision)) !== JSON.stringify(this.messageFor(deviceId, previous));
  }

  /** A person (or Home Assistant) sets the home's mode. `by` names them in the timeline and audit. */
  setMode(mode: Mode, by: string, ip?: string): ArmingDecision {
    const now = this.now();
    this.store.setManual({ mode, at: now, by });
    this.audit.append({ actor: by, action: 'arming.mode_set', ip, detail: { mode } }, now);
    return this.evaluate();
  }

  setCameraMotion(deviceId: string, on: boolean, by: string, ip?: string): ArmingDecision {
    const now = this.now();
    this.store.setCameraMotion(deviceId, on, now);
    this.audit.append({ actor: by, action: 'arming.camera_motion', target: `device:${deviceId}`, ip, detail: { on } }, now);
    return this.evaluate();
  }

  /** Which armed modes a camera records in; the cameras are told at once if that changes what they do. */
  setCameraArmedIn(deviceId: string, modes: readonly ArmableMode[], by: string, ip?: string): ArmingDecision {
    const now = this.now();
    this.store.setCameraArmedIn(deviceId, modes);
    this.audit.append({ actor: by, action: 'arming.camera_armed_in', target: `device:${deviceId}`, ip, detail: { modes: canonicalArmedIn(modes) } }, now);
    return this.evaluate();
  }

  /** Decides again; acts if the decision changed. Safe to call any time (inputs changed, the interval, start-up). */
  evaluate(): ArmingDecision {
    const now = this.now();
    const decision = decideArming(this.store.inputs(), now);
    const previous = this.store.current();
    if (!sameDecision(previous, decision)) {
      this.store.setCurrent(decision);
      if (!previous || previous.mode !== decision.mode || JSON.stringify(previous.cause) !== JSON.stringify(decision.cause)) {
        this.store.recordEvent(now, decision);
        this.audit.append({ actor: actorOfCause(decision.cause), action: 'arming.changed', detail: { mode: decision.mode, from: previous?.mode ?? null, cause: decision.cause } }, now);
        this.log.info({ mode: decision.mode, from: previous?.mode ?? null, cause: decision.cause.source }, 'arming changed');
      }
      this.emit('change', decision, previous);
    }
    return decision;
  }
}

import type { ObjectAlertDecision, Sighting } from './objectAlertPolicy';

/*
 * The motion-start alert of a camera with detection on is held until the detector says what
 * moved. Per event: the first answer whose decision alerts sends the object alert; with no
 * answer at all by the time the event ends or the hold runs out, the plain motion alert goes
 * instead (the detector may be down: better "Motion at the porch" than a person missed);
 * answers that counted nothing send nothing. One alert per event, whichever comes first.
 * No I/O and no clock: the caller says when the hold ran out.
 */

/**
 * How long a held alert waits for the detector's first answer, from the motion start. The
 * first picture reaches the hub about 0.5 s after motion starts and CenterNet answers in
 * 1.1 s median, 3.9 s p90 on the 2-core test machine (docs/detection.md): 6 s covers the p90
 * first answer with room to spare, and delays the plain alert by no more when the detector
 * is down. Shorter would send "Motion" for a person the detector was about to name.
 */
export const HOLD_MS = 6_000;

/** Held events remembered at once: a camera whose 'end' is lost must not grow the map forever. */
const MAX_EVENTS = 256;

/** The motion start an alert is about. */
export interface HeldMotion {
  deviceId: string;
  deviceName: string;
  eventAt: number;
}

interface HeldEvent {
  motion: HeldMotion;
  answered: boolean;
  /** An alert (object or plain) went, or the event can send none any more. */
  settled: boolean;
  sightings: Sighting[];
}

export type HoldOutcome = { kind: 'objects'; motion: HeldMotion; decision: ObjectAlertDecision } | { kind: 'motion'; motion: HeldMotion } | null;

export function eventKey(deviceId: string, eventAt: number): string {
  return `${deviceId}@${eventAt}`;
}

export class ObjectAlertHold {
  private readonly events = new Map<string, HeldEvent>();

  /** A held motion start. */
  hold(motion: HeldMotion): string {
    const key = eventKey(motion.deviceId, motion.eventAt);
    this.events.delete(key);
    this.events.set(key, { motion, answered: false, settled: false, sightings: [] });
    // Map order is insertion order: the first key is the oldest event.
    while (this.events.size > MAX_EVENTS) this.events.delete(this.events.keys().next().value!);
    return key;
  }

  isHeld(key: string): boolean {
    return this.events.has(key);
  }

  /**
   * One answer of the detector for the event (possibly empty). `judge` decides on every
   * sighting of the event so far, so the alert names all that counted up to now.
   */
  answer(key: string, sightings: Sighting[], judge: (all: Sighting[]) => ObjectAlertDecision): HoldOutcome {
    const e = this.events.get(key);
    if (!e) return null;
    e.answered = true;
    e.sightings.push(...sightings);
    if (e.settled) return null;
    const decision = judge(e.sightings);
    if (decision.basis !== 'objects' || !decision.alert) return null;
    e.settled = true;
    return { kind: 'objects', motion: e.motion, decision };
  }

  /** The hold ran out: the plain alert, unless the detector answered. */
  expire(key: string): HoldOutcome {
    const e = this.events.get(key);
    if (!e || e.settled) return null;
    e.settled = true;
    return e.answered ? null : { kind: 'motion', motion: e.motion };
  }

  /** The camera's held events (its 'end' names no start, so it ends all of them). */
  keysOf(deviceId: string): string[] {
    return [...this.events].filter(([, e]) => e.motion.deviceId === deviceId).map(([key]) => key);
  }

  /** Those events ended: as `expire` for each, which is then forgotten. */
  finish(keys: string[]): HoldOutcome[] {
    return keys.map((key) => {
      const outcome = this.expire(key);
      this.events.delete(key);
      return outcome;
    });
  }

  /** The camera's motion ended: `finish` for all its held events. */
  end(deviceId: string): HoldOutcome[] {
    return this.finish(this.keysOf(deviceId));
  }
}

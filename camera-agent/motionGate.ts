import { near, type Region } from './regions';

/*
 * Turns per-frame regions into motion start / end events. Pure: no clock, no I/O.
 *
 * - Start: motion must last `startFrames` consecutive frames (the minimum motion duration),
 *   each frame's regions near the previous frame's, so scattered specks (rain, noise) that
 *   land somewhere different every frame never add up to an event. The event is dated at
 *   the first of those frames; `decidedAt` is when the gate could say so.
 * - End: `endFrames` consecutive frames without regions; dated at the first still frame.
 * - Retrigger: a start less than `retriggerSeconds` after the previous end is marked, so
 *   the hub can fold it into the same alert (its video is still recorded).
 */

export interface GateSettings {
  startFrames: number;
  endFrames: number;
  retriggerSeconds: number;
}

export type GateEvent =
  | { kind: 'start'; time: number; decidedAt: number; retrigger: boolean }
  | { kind: 'end'; time: number; decidedAt: number };

/**
 * How far a region may move between two analysis frames and still be the same thing: half
 * its size plus a little. A region of frame-differences spans where an object was and is,
 * so it grows with the object's speed; specks of rain or noise stay small and rarely land
 * next to each other twice in a row.
 */
function sameThing(a: Region, b: Region): boolean {
  return near(a, b, 0.02 + 0.5 * Math.max(a.w, a.h, b.w, b.h));
}

export class MotionGate {
  private active = false;
  private run = 0;
  private runStart = 0;
  private lastRegions: Region[] = [];
  private lastEnd = Number.NEGATIVE_INFINITY;

  constructor(private readonly settings: GateSettings) {}

  get inMotion(): boolean {
    return this.active;
  }

  push(time: number, regions: Region[]): GateEvent | null {
    return this.active ? this.whileActive(time, regions) : this.whileStill(time, regions);
  }

  private whileStill(time: number, regions: Region[]): GateEvent | null {
    if (regions.length === 0) {
      this.run = 0;
      this.lastRegions = [];
      return null;
    }
    const continues = this.run > 0 && regions.some((r) => this.lastRegions.some((p) => sameThing(r, p)));
    if (!continues) {
      this.run = 0;
      this.runStart = time;
    }
    this.run += 1;
    this.lastRegions = regions;
    if (this.run < this.settings.startFrames) return null;
    this.active = true;
    this.run = 0;
    const retrigger = isRetrigger(this.lastEnd, this.runStart, this.settings.retriggerSeconds);
    return { kind: 'start', time: this.runStart, decidedAt: time, retrigger };
  }

  private whileActive(time: number, regions: Region[]): GateEvent | null {
    if (regions.length > 0) {
      this.run = 0;
      return null;
    }
    if (this.run === 0) this.runStart = time;
    this.run += 1;
    if (this.run < this.settings.endFrames) return null;
    return this.end(this.runStart, time);
  }

  private end(time: number, decidedAt: number): GateEvent {
    this.active = false;
    this.run = 0;
    this.lastRegions = [];
    this.lastEnd = time;
    return { kind: 'end', time, decidedAt };
  }

  /** Ends an open event (the stream stopped). */
  close(time: number): GateEvent | null {
    this.run = 0;
    this.lastRegions = [];
    return this.active ? this.end(time, time) : null;
  }
}

/** A start less than the retrigger time after the previous event's end (same time unit for all three). */
export function isRetrigger(lastEnd: number, start: number, retrigger: number): boolean {
  return start - lastEnd < retrigger;
}

/** Gate settings from a camera's motion settings at the analysis frame rate. */
export function gateSettingsFor(motion: { minDurationSeconds: number; endAfterSeconds: number; retriggerSeconds: number }, fps: number): GateSettings {
  return {
    startFrames: Math.max(1, Math.round(motion.minDurationSeconds * fps)),
    endFrames: Math.max(1, Math.round(motion.endAfterSeconds * fps)),
    retriggerSeconds: motion.retriggerSeconds,
  };
}

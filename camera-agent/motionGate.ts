/*
 * Turns per-frame motion verdicts into motion start / end events with hysteresis:
 * `startFrames` consecutive motion frames start an event (dated at the first of them),
 * `endFrames` consecutive still frames end it (dated at the first still frame).
 * Pure: no clock, no I/O.
 */

export interface GateSettings {
  startFrames: number;
  endFrames: number;
}

export type GateEvent = { kind: 'start'; time: number } | { kind: 'end'; time: number };

export class MotionGate {
  private active = false;
  private run = 0;
  private runStart = 0;

  constructor(private readonly settings: GateSettings) {}

  get inMotion(): boolean {
    return this.active;
  }

  push(time: number, motion: boolean): GateEvent | null {
    const wanted = !this.active;
    if (motion === wanted) {
      if (this.run === 0) this.runStart = time;
      this.run += 1;
    } else {
      this.run = 0;
    }
    const needed = this.active ? this.settings.endFrames : this.settings.startFrames;
    if (this.run < needed) return null;
    this.active = !this.active;
    this.run = 0;
    return { kind: this.active ? 'start' : 'end', time: this.runStart };
  }

  /** Ends an open event (stream stopped). */
  close(time: number): GateEvent | null {
    if (!this.active) return null;
    this.active = false;
    this.run = 0;
    return { kind: 'end', time };
  }
}

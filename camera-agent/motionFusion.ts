/*
 * How a PIR's motion combines with video motion: pure policy, no clock, no I/O.
 *
 *   trigger: motion is on while the video OR the PIR sees motion (the PIR alone can start
 *            a clip, e.g. in the dark where the video sees little).
 *   confirm: motion is the video's, but a video motion start only counts when the PIR saw
 *            motion within the confirm window of it (before or after: whichever fires
 *            first), which filters out swaying trees, headlights and rain.
 */

/** What the confirm policy needs to know about the PIR (wall-clock ms). */
export interface PirState {
  /** The PIR reports motion now. */
  active: boolean;
  /** Start of the PIR's latest motion; null = it has not fired yet. */
  lastStartAt: number | null;
  /** End of the PIR's latest motion (ignored while active). */
  lastEndAt: number | null;
}

export const PIR_IDLE: PirState = { active: false, lastStartAt: null, lastEndAt: null };

/**
 * Confirm policy: does video motion starting at `videoStartAt` count? Yes when it starts
 * within `windowMs` of the PIR's latest motion, i.e. of the span from its start to its end
 * (open-ended while the PIR is still active). PIR activity before the video start counts,
 * and so does a PIR that fires up to `windowMs` after it.
 */
export function pirConfirms(pir: PirState, videoStartAt: number, windowMs: number): boolean {
  if (pir.lastStartAt === null) return false;
  const from = pir.lastStartAt;
  const to = pir.active ? Number.POSITIVE_INFINITY : Math.max(from, pir.lastEndAt ?? from);
  const distance = videoStartAt < from ? from - videoStartAt : videoStartAt > to ? videoStartAt - to : 0;
  return distance <= windowMs;
}

export type MotionSource = 'video' | 'pir';

export interface FusedMotion {
  kind: 'start' | 'end';
  /** Wall-clock ms: for a start, when the motion began (a confirmed start is dated at the video start). */
  at: number;
  /** For a start: what started it (the video, the PIR, or video confirmed by the PIR); for an end: the source whose end ended it. */
  by: 'video' | 'pir' | 'video+pir';
}

/** Combines the video motion gate and the PIR into one motion on/off for the recorder. Pure. */
export class MotionFusion {
  private pir: PirState = { ...PIR_IDLE };
  private videoOn = false;
  private videoStartAt = 0;
  private on = false;

  constructor(
    private readonly mode: 'trigger' | 'confirm',
    private readonly windowMs: number,
  ) {}

  get inMotion(): boolean {
    return this.on;
  }

  get pirState(): Readonly<PirState> {
    return this.pir;
  }

  video(kind: 'start' | 'end', at: number): FusedMotion | null {
    if (kind === 'start') {
      this.videoOn = true;
      this.videoStartAt = at;
      if (this.mode === 'trigger' || pirConfirms(this.pir, at, this.windowMs)) {
        return this.switchOn(at, this.mode === 'trigger' ? 'video' : 'video+pir');
      }
      return null;
    }
    this.videoOn = false;
    return this.mode === 'confirm' || !this.pir.active ? this.switchOff(at, 'video') : null;
  }

  pirEvent(kind: 'start' | 'end', at: number): FusedMotion | null {
    if (kind === 'start') {
      this.pir = { active: true, lastStartAt: at, lastEndAt: this.pir.lastEndAt };
      if (this.mode === 'trigger') return this.switchOn(at, 'pir');
      // Video motion still waiting for its confirmation.
      if (this.videoOn && pirConfirms(this.pir, this.videoStartAt, this.windowMs)) return this.switchOn(this.videoStartAt, 'video+pir');
      return null;
    }
    if (!this.pir.active) return null;
    this.pir = { ...this.pir, active: false, lastEndAt: at };
    return this.mode === 'trigger' && !this.videoOn ? this.switchOff(at, 'pir') : null;
  }

  /** Ends open motion (stream stopped, agent stopping); video motion is over. */
  close(at: number): FusedMotion | null {
    this.videoOn = false;
    return this.switchOff(at, 'video');
  }

  private switchOn(at: number, by: FusedMotion['by']): FusedMotion | null {
    if (this.on) return null;
    this.on = true;
    return { kind: 'start', at, by };
  }

  private switchOff(at: number, by: FusedMotion['by']): FusedMotion | null {
    if (!this.on) return null;
    this.on = false;
    return { kind: 'end', at, by };
  }
}

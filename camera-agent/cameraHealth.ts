import type { UnavailableReason } from './sourceErrors';

/*
 * A camera's health as the household is told it, worked out from what the capture sees:
 * video arriving, a connect attempt starting, an attempt or a run failing (with the reason
 * read from ffmpeg's words), a wait before the next attempt. Pure: the caller passes the
 * time, so the whole machine is tested without a process or a real clock.
 */

/**
 * - `connecting`: the first connect since the agent started, not yet answered.
 * - `streaming`: video arrives.
 * - `stalled`: video stopped arriving for longer than the stall limit; ffmpeg is being restarted.
 * - `reconnecting`: the stream ended (or stalled) and the agent is connecting again.
 * - `unreachable`: the last attempt could not reach the camera (off, rebooting, network).
 * - `unauthorized`: the camera refused the user name or password (RTSP 401).
 * - `unsupported`: the camera answered with video the agent cannot read.
 */
export type CameraState = 'connecting' | 'streaming' | 'stalled' | 'reconnecting' | UnavailableReason;

export const CAMERA_STATES: readonly CameraState[] = ['connecting', 'streaming', 'stalled', 'reconnecting', 'unreachable', 'unauthorized', 'unsupported'];

export interface HealthLimits {
  /** No video for longer than this while streaming is a stall. */
  stallMs: number;
  /** The longest a connect attempt (probe, ffmpeg start, first video) may take before it counts as failed. */
  connectMs: number;
  /** Slack on every bound before the agent counts as wedged (timers late on a busy machine). */
  graceMs: number;
}

export interface HealthSnapshot {
  state: CameraState;
  /** When the camera entered this state (ms since the epoch). */
  since: number;
  /** Last time video arrived; null before the first. */
  lastVideoAt: number | null;
  /** Failed connect attempts since video last arrived. */
  failures: number;
  /** Words of the last failure (ffmpeg's own, secrets removed by the caller); null when none. */
  detail: string | null;
}

export class CameraHealth {
  private current: CameraState = 'connecting';
  private since: number;
  private lastVideoAt: number | null = null;
  private failures = 0;
  private detail: string | null = null;
  /** The time by which the pipeline must show progress again (video, an attempt, a failure). */
  private deadline: number;
  /** True between a connect attempt's start and its first video or its failure. */
  private attempting = false;

  constructor(
    private readonly limits: HealthLimits,
    now: number,
  ) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isFinite(value) || value <= 0) throw new Error(`camera health: ${name} must be a positive number of ms, got ${String(value)}`);
    }
    this.since = now;
    this.deadline = now + limits.connectMs + limits.graceMs;
  }

  get state(): CameraState {
    return this.current;
  }

  snapshot(): HealthSnapshot {
    return { state: this.current, since: this.since, lastVideoAt: this.lastVideoAt, failures: this.failures, detail: this.detail };
  }

  /** A connect attempt starts (probe, then ffmpeg). Returns true when the state changed. */
  attempt(now: number): boolean {
    this.attempting = true;
    this.deadline = now + this.limits.connectMs + this.limits.graceMs;
    // A camera known to be off or locked stays so until video proves otherwise.
    if (this.current === 'streaming' || this.current === 'stalled') return this.set('reconnecting', now);
    return false;
  }

  /** Video (a frame or a fragment) arrived. */
  video(now: number): boolean {
    this.lastVideoAt = now;
    this.attempting = false;
    this.failures = 0;
    this.detail = null;
    this.deadline = now + this.limits.stallMs + this.limits.graceMs;
    return this.set('streaming', now);
  }

  /**
   * The attempt or the run ended without video (or stopped delivering it). `reason` is what
   * ffmpeg's words made certain; a run that had been streaming and ended is `reconnecting`
   * unless the words say the camera now refuses us or sends what we cannot read.
   */
  failed(now: number, reason: CameraState & ('unreachable' | 'unauthorized' | 'unsupported'), detail?: string): boolean {
    const wasStreaming = this.current === 'streaming' || this.current === 'stalled';
    this.attempting = false;
    this.failures += 1;
    this.detail = detail ?? null;
    this.deadline = now + this.limits.graceMs;
    if (wasStreaming && reason === 'unreachable') return this.set('reconnecting', now);
    return this.set(reason, now);
  }

  /** The capture waits `ms` before its next attempt: progress, within that bound. */
  waiting(now: number, ms: number): void {
    this.deadline = now + ms + this.limits.graceMs;
  }

  /**
   * Called on a timer: true when the stream has stalled (video stopped for longer than the
   * limit, or an attempt started but gave no video within the connect limit) and ffmpeg
   * should be restarted. A stall while streaming becomes the state `stalled`.
   */
  stalled(now: number): boolean {
    if (this.current === 'streaming' && this.lastVideoAt !== null && now - this.lastVideoAt > this.limits.stallMs) {
      this.set('stalled', now);
      // ffmpeg is killed now; its exit starts the next attempt.
      this.deadline = now + this.limits.connectMs + this.limits.graceMs;
      return true;
    }
    if (this.current !== 'streaming' && this.current !== 'stalled' && this.attempting && now > this.deadline - this.limits.graceMs) {
      this.deadline = now + this.limits.connectMs + this.limits.graceMs;
      return true;
    }
    return false;
  }

  /**
   * For the systemd watchdog: true while the pipeline makes progress — video within the
   * stall limit, an attempt within the connect limit, a wait within its length — each with
   * the grace. False means the loop that should have noticed a stall never ran: a wedged agent.
   */
  progressing(now: number): boolean {
    return now <= this.deadline;
  }

  private set(state: CameraState, now: number): boolean {
    if (state === this.current) return false;
    this.current = state;
    this.since = now;
    return true;
  }
}

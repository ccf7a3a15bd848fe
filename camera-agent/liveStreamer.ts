import type { Logger } from '../common/logger';
import type { Fragment } from '../common/fmp4';
import type { LiveUpload } from './hubClient';
import type { RecordingIndicator } from './recordingLed';

/*
 * Live view from the camera's side: while the hub asks for it (channel event "live", data
 * {"on": true}), the fragments ffmpeg already makes for recording are also sent to the hub on
 * one upload: the init segment, the newest complete fragment (it begins with a keyframe, so
 * a viewer sees a picture at once), then each new fragment. Nothing is encoded twice. The
 * recording LED is lit for as long as the upload is open, and in privacy mode nothing is sent
 * whatever the hub asks.
 */

/** Parses the hub's "live" channel event; null when it is not understood. */
export function parseLiveCommand(text: string): { on: boolean } | null {
  try {
    const v = JSON.parse(text) as { on?: unknown };
    return typeof v === 'object' && v !== null && typeof v.on === 'boolean' ? { on: v.on } : null;
  } catch {
    return null;
  }
}

/** An upload further behind than this skips fragments (each starts with a keyframe, so playback survives). */
export const UPLOAD_BACKLOG_LIMIT = 8 * 1024 * 1024;

interface Open {
  upload: LiveUpload;
  release: () => void;
}

export class LiveStreamer {
  private init: Buffer | null = null;
  private latest: Fragment | null = null;
  private wanted = false;
  private allowed = true;
  private open: Open | null = null;

  constructor(
    private readonly connect: () => LiveUpload,
    private readonly indicator: RecordingIndicator,
    private readonly log: Logger,
  ) {}

  /** True while the upload to the hub is open. */
  get streaming(): boolean {
    return this.open !== null;
  }

  /** The hub's "live" event. */
  command(text: string): void {
    const command = parseLiveCommand(text);
    if (!command) {
      this.log.warn('the hub sent a live view message this camera does not understand; ignored');
      return;
    }
    // In privacy mode a request is not even remembered: it must not start a stream once privacy ends.
    this.wanted = command.on && this.allowed;
    if (command.on) this.begin();
    else this.finish('the hub asked to stop');
  }

  /** What the arming allows: false in privacy mode, which ends a stream at once. */
  setAllowed(allowed: boolean): void {
    this.allowed = allowed;
    if (!allowed) {
      this.wanted = false;
      this.finish('privacy mode');
    }
  }

  /** A new ffmpeg run: its fragments only play after its own init segment, on a new upload. */
  onStream(init: Buffer): void {
    this.init = init;
    this.latest = null;
    if (this.open) {
      this.finish('the camera stream restarted', true);
      this.wanted = true;
    }
  }

  onFragment(fragment: Fragment): void {
    this.latest = fragment;
    const open = this.open;
    if (open) {
      if (open.upload.backlog() <= UPLOAD_BACKLOG_LIMIT) open.upload.write(fragment.data);
      return;
    }
    // Asked before the camera had any video: start with this first fragment.
    if (this.wanted) this.begin();
  }

  onStreamEnd(): void {
    this.latest = null;
    this.finish('the camera stream ended', true);
  }

  private begin(): void {
    if (this.open || !this.allowed || !this.init || !this.latest) return;
    const upload = this.connect();
    const open: Open = { upload, release: this.indicator.hold('live') };
    this.open = open;
    upload.write(this.init);
    upload.write(this.latest.data);
    this.log.info('streaming live to the hub');
    upload.done.then(
      () => this.closed(open, 'the hub ended it'),
      (err: Error) => this.closed(open, err.message),
    );
  }

  /** Ends the upload; `keepWanted`: the hub still wants video (the next stream starts a new upload). */
  private finish(reason: string, keepWanted = false): void {
    const open = this.open;
    if (!open) return;
    const wanted = this.wanted;
    open.upload.end();
    this.closed(open, reason);
    this.wanted = keepWanted ? wanted : false;
  }

  private closed(open: Open, reason: string): void {
    if (this.open !== open) return;
    this.open = null;
    // The hub answering means it stopped wanting the stream; a failure is asked again by the hub.
    this.wanted = false;
    open.release();
    this.log.info({ reason }, 'live stream stopped');
  }

  /** Ends any upload (the agent is stopping). */
  close(): void {
    this.wanted = false;
    this.allowed = false;
    this.finish('the camera is stopping');
  }
}

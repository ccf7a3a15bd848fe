/*
 * One camera's live video in a <video>: a WebSocket from the hub carries a JSON
 * {type:'stream', mime} message, then the camera's own MP4 init segment and fragments as
 * binary messages, appended to a Media Source Extensions buffer as they come (no transcoding
 * anywhere). The buffer is kept short and playback stays near the live edge: a viewer who
 * fell behind (a slow phone, a tab that was busy) jumps forward instead of watching the past.
 */

import type { LiveMessage } from '../../../common/api/live';

export type LiveState =
  | { kind: 'connecting' }
  | { kind: 'live' }
  /** The hub refused or ended live view: `message` is its clause, `code` its name. */
  | { kind: 'refused'; code: string; message: string }
  /** The connection ended without a reason (network, hub restart). */
  | { kind: 'ended' };

/** Seconds of video kept behind the playhead; older ranges are removed. */
const KEEP_BEHIND = 8;
/** Further than this behind the newest video, playback jumps forward. */
const MAX_LAG = 4;
/** Where it jumps to: this far before the newest video, so the next fragment arrives in time. */
const JUMP_TO_LAG = 1.2;

/**
 * MediaSource, or on iPhones (Safari 17.1+, which has no MediaSource there) ManagedMediaSource,
 * its variant with the same interface for what is used here.
 */
function mediaSourceClass(): typeof MediaSource | undefined {
  const g = globalThis as unknown as { MediaSource?: typeof MediaSource; ManagedMediaSource?: typeof MediaSource };
  return g.MediaSource ?? g.ManagedMediaSource;
}

export class LiveStream {
  private socket: WebSocket | null = null;
  private source: MediaSource | null = null;
  private buffer: SourceBuffer | null = null;
  private objectUrl: string | null = null;
  private queue: ArrayBuffer[] = [];
  private done = false;
  private readonly onPlaying = () => this.report({ kind: 'live' });

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly url: string,
    private readonly onState: (state: LiveState) => void,
  ) {}

  start(): void {
    this.report({ kind: 'connecting' });
    const socket = new WebSocket(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.video.addEventListener('playing', this.onPlaying);
    socket.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (this.socket !== socket) return;
      if (typeof event.data === 'string') this.control(event.data);
      else if (event.data instanceof ArrayBuffer) {
        this.queue.push(event.data);
        this.pump();
      }
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.report({ kind: 'ended' });
      this.detach();
    });
  }

  /** Closes the connection and lets go of the video (the hub then stops the camera's stream). */
  stop(): void {
    this.done = true;
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
    this.video.removeEventListener('playing', this.onPlaying);
    this.detach();
  }

  private report(state: LiveState): void {
    if (!this.done) this.onState(state);
    if (state.kind === 'refused' || state.kind === 'ended') this.done = true;
  }

  private control(text: string): void {
    // Parsed from the wire, so every field is checked before it is used.
    let message: Partial<{ type: LiveMessage['type']; mime: unknown; code: unknown; message: unknown }>;
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.type === 'error') {
      this.report({ kind: 'refused', code: typeof message.code === 'string' ? message.code : '', message: typeof message.message === 'string' ? message.message : 'live view ended' });
      return;
    }
    if (message.type === 'stream' && typeof message.mime === 'string') this.attach(message.mime);
  }

  /** A new stream (the first, or after the camera restarted its video): a fresh MediaSource. */
  private attach(mime: string): void {
    this.detach();
    const Source = mediaSourceClass();
    if (!Source || !Source.isTypeSupported(mime)) {
      this.report({ kind: 'refused', code: 'UNSUPPORTED', message: `this browser cannot play this camera's video (${mime})` });
      this.stop();
      return;
    }
    const source = new Source();
    this.source = source;
    // ManagedMediaSource only plays in an element that will not be sent to AirPlay.
    this.video.disableRemotePlayback = true;
    this.objectUrl = URL.createObjectURL(source);
    this.video.src = this.objectUrl;
    source.addEventListener('sourceopen', () => {
      if (this.source !== source) return;
      const buffer = source.addSourceBuffer(mime);
      buffer.mode = 'segments';
      buffer.addEventListener('updateend', () => {
        if (this.buffer !== buffer) return;
        this.followLiveEdge();
        this.pump();
      });
      this.buffer = buffer;
      this.pump();
    });
  }

  private detach(): void {
    this.queue = [];
    this.buffer = null;
    this.source = null;
    if (this.objectUrl) {
      this.video.removeAttribute('src');
      this.video.load();
      URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = null;
    }
  }

  private pump(): void {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || this.source?.readyState !== 'open') return;
    const ranges = buffer.buffered;
    const now = this.video.currentTime;
    if (ranges.length > 0 && now - ranges.start(0) > KEEP_BEHIND * 1.5) {
      buffer.remove(ranges.start(0), now - KEEP_BEHIND);
      return;
    }
    const next = this.queue.shift();
    if (!next) return;
    try {
      buffer.appendBuffer(next);
    } catch {
      // The buffer is full (QuotaExceeded): drop what waits and start again from the next fragment.
      this.queue = [];
    }
  }

  private followLiveEdge(): void {
    const ranges = this.buffer?.buffered;
    if (!ranges || ranges.length === 0) return;
    const last = ranges.length - 1;
    const start = ranges.start(last);
    const end = ranges.end(last);
    const now = this.video.currentTime;
    // Before the newest range (the first picture, or a gap after skipped fragments), or too far behind.
    if (now < start || end - now > MAX_LAG) this.video.currentTime = Math.max(start, end - JUMP_TO_LAG);
    if (this.video.paused) void this.video.play().catch(() => undefined);
  }
}

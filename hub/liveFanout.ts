/*
 * One camera's live video, copied to everyone watching it. Each fragment the camera sends
 * begins with a keyframe, so a viewer can start at any fragment boundary: one who joins a
 * running stream gets the init segment and the newest complete fragment at once (a picture
 * without waiting for the next keyframe), then every fragment after it. A viewer whose
 * connection falls behind skips whole fragments rather than piling them up in the hub's
 * memory; the player jumps the gap. No I/O here: viewers are whatever can take bytes.
 */

import type { LiveMessage } from '../common/api/live';

export type { LiveMessage };

export interface LiveViewer {
  sendJson(message: LiveMessage): void;
  sendBinary(data: Buffer): void;
  /** Bytes handed over and not yet sent on the network. */
  backlog(): number;
}

/** A viewer further behind than this skips fragments until it catches up. */
export const VIEWER_BACKLOG_LIMIT = 4 * 1024 * 1024;

export class LiveFanout {
  private init: { data: Buffer; mime: string } | null = null;
  private latest: Buffer | null = null;
  /** Viewer → whether it has had this stream's init segment. */
  private readonly viewers = new Map<LiveViewer, boolean>();

  constructor(private readonly backlogLimit = VIEWER_BACKLOG_LIMIT) {}

  get size(): number {
    return this.viewers.size;
  }

  /** Viewers that have not had a picture of the current stream yet. */
  get waiting(): number {
    let n = 0;
    for (const started of this.viewers.values()) if (!started) n += 1;
    return n;
  }

  add(viewer: LiveViewer): void {
    this.viewers.set(viewer, false);
    if (this.init && this.latest) this.begin(viewer, this.latest);
  }

  remove(viewer: LiveViewer): void {
    this.viewers.delete(viewer);
  }

  all(): LiveViewer[] {
    return [...this.viewers.keys()];
  }

  /** A new stream from the camera: everyone starts again from its init segment. */
  stream(init: Buffer, mime: string): void {
    this.init = { data: init, mime };
    this.latest = null;
    for (const viewer of this.viewers.keys()) this.viewers.set(viewer, false);
  }

  fragment(data: Buffer): void {
    // Fragments only play after their own stream's init segment.
    if (!this.init) return;
    this.latest = data;
    for (const [viewer, started] of this.viewers) {
      if (!started) this.begin(viewer, data);
      else if (viewer.backlog() <= this.backlogLimit) viewer.sendBinary(data);
    }
  }

  /** The camera's stream ended: viewers stay and wait for the next one. */
  end(): void {
    this.init = null;
    this.latest = null;
  }

  private begin(viewer: LiveViewer, fragment: Buffer): void {
    const init = this.init!;
    viewer.sendJson({ type: 'stream', mime: init.mime });
    viewer.sendBinary(init.data);
    viewer.sendBinary(fragment);
    this.viewers.set(viewer, true);
  }
}

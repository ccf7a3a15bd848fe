import type { LiveRefusal } from '../common/api/live';
import type { Logger } from '../common/logger';
import type { AccessChange } from './accessChanges';
import { Fmp4Error, Fmp4Splitter } from '../common/fmp4';
import { liveMimeType, Mp4CodecError } from '../common/mp4Codec';
import type { DeviceChannels } from './deviceChannels';
import { LiveFanout, type LiveViewer } from './liveFanout';
import { LIVE_TIMING, liveUpkeep, type LiveAction, type LiveTiming } from './livePolicy';

/*
 * Live view on the hub: cameras upload their fragmented MP4 (init segment, then one fragment
 * per keyframe interval) on one long HTTPS request while someone watches, and the hub copies
 * it to every viewer's WebSocket. Nothing is decoded or encoded again. The camera is asked
 * and told to stop over its device channel (event "live", data {"on": bool}); livePolicy.ts
 * decides when. The camera's upload can also be ended from here, so a camera that missed the
 * stop does not stream on to nobody.
 */

export type { LiveRefusal };

export const REFUSALS = {
  privacy: { code: 'PRIVACY_MODE', message: 'live view is off while the home is in privacy mode' },
  offline: { code: 'CAMERA_OFFLINE', message: 'the camera is offline' },
  timeout: { code: 'LIVE_TIMEOUT', message: 'the camera did not start its live stream: try again in a moment' },
  busy: { code: 'TOO_MANY_VIEWERS', message: 'too many people are watching this camera live: try again later' },
  stopping: { code: 'HUB_STOPPING', message: 'the hub is restarting: live view will be back in a moment' },
} as const satisfies Record<string, LiveRefusal>;

/** A viewer's connection, as the service needs it. */
export interface Watcher extends LiveViewer {
  /** The account watching: an access change naming it is checked at once. */
  userId: number;
  /** Sends the refusal and closes the connection. */
  refuse(refusal: LiveRefusal): void;
  /**
   * Whether this viewer may still watch (their session, role, grant and the 2FA rule): asked
   * at once when an access change may concern them, and every 15 s as a safety net.
   */
  recheck(): LiveRefusal | null;
}

/** How the hub ends a camera's upload: the answer to its request. */
export interface UpstreamEnd {
  status: number;
  code: string;
  message: string;
}

export interface UpstreamHandle {
  /** Bytes of the upload as they arrive. */
  data(chunk: Buffer): void;
  /** The camera ended the upload (or its connection went). */
  end(): void;
}

/** Largest MP4 box a camera may send (a fragment of a 4 s keyframe interval at a high bitrate fits easily). */
export const MAX_LIVE_BOX_BYTES = 16 * 1024 * 1024;
export const MAX_VIEWERS_PER_CAMERA = 10;
const TICK_MS = 1000;
/**
 * The safety net behind the access-change events (and what counts watching as activity for the
 * session's idle timeout): a change no event reports is still noticed within this.
 */
const RECHECK_MS = 15_000;

interface Upstream {
  splitter: Fmp4Splitter;
  /** The first bytes, until they show the stream begins as MP4 should. */
  head: Buffer;
  begun: boolean;
  /** Bytes received since the last whole init segment or fragment. */
  partial: number;
  finish: (end: UpstreamEnd) => void;
}

interface CameraLive {
  fanout: LiveFanout;
  upstream: Upstream | null;
  waitingSince: number | null;
  askedAt: number | null;
  lastDataAt: number | null;
  idleSince: number | null;
  stopSent: boolean;
  recheckedAt: number;
}

/** What the service uses of the cameras' device channels (deviceChannels.ts). */
export type LiveChannels = Pick<DeviceChannels, 'isOnline' | 'push' | 'on' | 'off'>;

export interface LiveArming {
  forCamera(deviceId: string): { live: boolean };
  on(event: 'change', listener: () => void): unknown;
  off(event: 'change', listener: () => void): unknown;
}

/** Where the hub announces changes that may end someone's right to watch (accessChanges.ts). */
export interface LiveAccess {
  on(event: 'change', listener: (change: AccessChange) => void): unknown;
  off(event: 'change', listener: (change: AccessChange) => void): unknown;
}

export class LiveStreams {
  private readonly cameras = new Map<string, CameraLive>();
  private timer: NodeJS.Timeout | null = null;
  private readonly onArming = () => this.upkeepAll();
  private readonly onOffline = (deviceId: string) => this.upkeep(deviceId);
  private readonly onAccess = (change: AccessChange) => {
    // Called from inside the route that made the change: a failed check must not fail that request.
    try {
      this.recheck(change);
    } catch (err) {
      this.log.error({ change, err: (err as Error).message }, 'live view could not re-check its viewers after an access change; the 15 s check will');
    }
  };

  constructor(
    private readonly channels: LiveChannels,
    private readonly arming: LiveArming,
    private readonly access: LiveAccess,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly timing: LiveTiming = LIVE_TIMING,
  ) {}

  start(): void {
    if (this.timer) return;
    this.arming.on('change', this.onArming);
    this.channels.on('offline', this.onOffline);
    this.access.on('change', this.onAccess);
    this.timer = setInterval(() => this.upkeepAll(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.arming.off('change', this.onArming);
    this.channels.off('offline', this.onOffline);
    this.access.off('change', this.onAccess);
    for (const [id, cam] of this.cameras) {
      for (const viewer of cam.fanout.all()) (viewer as Watcher).refuse(REFUSALS.stopping);
      this.cut(id, cam, { status: 503, code: 'HUB_STOPPING', message: 'the hub is stopping' });
    }
    this.cameras.clear();
  }

  /** Why `cameraId` cannot be watched now, or null. */
  refusal(cameraId: string): LiveRefusal | null {
    if (!this.arming.forCamera(cameraId).live) return REFUSALS.privacy;
    if (!this.channels.isOnline(cameraId)) return REFUSALS.offline;
    if ((this.cameras.get(cameraId)?.fanout.size ?? 0) >= MAX_VIEWERS_PER_CAMERA) return REFUSALS.busy;
    return null;
  }

  /** True while the camera's live upload is open. */
  isStreaming(cameraId: string): boolean {
    return Boolean(this.cameras.get(cameraId)?.upstream);
  }

  /** Adds a viewer (call refusal() first); returns what to call when they leave. */
  watch(cameraId: string, viewer: Watcher): () => void {
    const cam = this.camera(cameraId);
    cam.fanout.add(viewer);
    cam.idleSince = null;
    if (cam.fanout.waiting > 0) cam.waitingSince ??= this.now();
    // At once rather than on the next tick: this is the start-up latency.
    this.upkeep(cameraId);
    return () => {
      const current = this.cameras.get(cameraId);
      if (!current) return;
      current.fanout.remove(viewer);
      if (current.fanout.size === 0) {
        current.idleSince = this.now();
        current.waitingSince = null;
      }
      // Not from inside a refusal loop that closed this viewer: on the next turn.
      setImmediate(() => this.upkeep(cameraId));
    };
  }

  /**
   * A camera opens its upload. `finish` is called once if the hub ends it (the route answers
   * the request with it); otherwise the camera ends it and calls end().
   */
  openUpstream(deviceId: string, finish: (end: UpstreamEnd) => void): UpstreamHandle | LiveRefusal {
    if (!this.arming.forCamera(deviceId).live) return REFUSALS.privacy;
    const cam = this.camera(deviceId);
    // A camera has one live upload: a new one (after its ffmpeg restarted, say) replaces the old.
    if (cam.upstream) this.cut(deviceId, cam, { status: 409, code: 'REPLACED', message: 'a newer live upload from this camera replaced this one' });
    const up: Upstream = { splitter: new Fmp4Splitter(), head: Buffer.alloc(0), begun: false, partial: 0, finish };
    cam.upstream = up;
    cam.lastDataAt = this.now();
    cam.stopSent = false;
    if (cam.fanout.size === 0) cam.idleSince = this.now();
    this.log.info({ deviceId, viewers: cam.fanout.size }, 'live stream from camera started');
    const current = () => this.cameras.get(deviceId)?.upstream === up;
    return {
      data: (chunk) => {
        if (!current()) return;
        try {
          this.take(deviceId, cam, up, chunk);
        } catch (err) {
          const bad = err instanceof Fmp4Error || err instanceof Mp4CodecError;
          if (!bad) throw err;
          this.log.warn({ deviceId, err: err.message }, 'live stream from camera refused');
          this.cut(deviceId, cam, { status: 400, code: 'BAD_STREAM', message: `the live stream is not playable fragmented MP4: ${err.message}` });
        }
      },
      end: () => {
        if (!current()) return;
        cam.upstream = null;
        this.ended(deviceId, cam);
      },
    };
  }

  /** Checks the viewers `change` may concern now, and closes those who may no longer watch. */
  recheck(change: AccessChange): void {
    let closed = 0;
    for (const [id, cam] of this.cameras) {
      if ('deviceId' in change && change.deviceId !== id) continue;
      for (const viewer of cam.fanout.all() as Watcher[]) {
        if ('userId' in change && viewer.userId !== change.userId) continue;
        const refusal = viewer.recheck();
        if (!refusal) continue;
        // refuse() closes the socket, whose close handler removes the viewer.
        viewer.refuse(refusal);
        closed += 1;
      }
    }
    if (closed > 0) this.log.info({ change, viewers: closed }, 'closed live views their watchers may no longer see');
  }

  private take(deviceId: string, cam: CameraLive, up: Upstream, chunk: Buffer): void {
    up.partial += chunk.length;
    if (!up.begun) {
      up.head = Buffer.concat([up.head, chunk]).subarray(0, 8);
      if (up.head.length === 8) {
        // Checked first, so a stream that is not MP4 is named as such, not as "too large" later.
        if (up.head.toString('latin1', 4, 8) !== 'ftyp') throw new Fmp4Error('it must begin with an MP4 init segment (ftyp box)');
        up.begun = true;
      }
    }
    const out = up.splitter.push(chunk);
    if (out.init) {
      up.partial = 0;
      cam.fanout.stream(out.init, liveMimeType(out.init));
      cam.lastDataAt = this.now();
    }
    for (const f of out.fragments) {
      up.partial = 0;
      cam.lastDataAt = this.now();
      cam.fanout.fragment(f.data);
    }
    if (cam.fanout.waiting === 0) cam.waitingSince = null;
    if (up.partial > MAX_LIVE_BOX_BYTES) {
      this.cut(deviceId, cam, { status: 413, code: 'TOO_LARGE', message: `a live fragment is larger than ${MAX_LIVE_BOX_BYTES / (1024 * 1024)} MiB` });
    }
  }

  private camera(id: string): CameraLive {
    let cam = this.cameras.get(id);
    if (!cam) {
      cam = { fanout: new LiveFanout(), upstream: null, waitingSince: null, askedAt: null, lastDataAt: null, idleSince: null, stopSent: false, recheckedAt: this.now() };
      this.cameras.set(id, cam);
    }
    return cam;
  }

  private cut(deviceId: string, cam: CameraLive, end: UpstreamEnd): void {
    const up = cam.upstream;
    if (!up) return;
    cam.upstream = null;
    up.finish(end);
    this.ended(deviceId, cam);
  }

  private ended(deviceId: string, cam: CameraLive): void {
    cam.fanout.end();
    cam.lastDataAt = null;
    cam.askedAt = null;
    // Viewers still here wait for the camera to come back, for a while.
    if (cam.fanout.size > 0) cam.waitingSince = this.now();
    this.log.info({ deviceId, viewers: cam.fanout.size }, 'live stream from camera ended');
  }

  private upkeepAll(): void {
    for (const id of [...this.cameras.keys()]) this.upkeep(id);
  }

  private upkeep(id: string): void {
    const cam = this.cameras.get(id);
    if (!cam) return;
    const now = this.now();
    if (now - cam.recheckedAt >= RECHECK_MS) {
      cam.recheckedAt = now;
      for (const viewer of cam.fanout.all() as Watcher[]) {
        const refusal = viewer.recheck();
        if (refusal) viewer.refuse(refusal);
      }
    }
    const actions = liveUpkeep(
      {
        viewers: cam.fanout.size,
        streaming: cam.upstream !== null,
        online: this.channels.isOnline(id),
        allowed: this.arming.forCamera(id).live,
        waitingSince: cam.waitingSince,
        askedAt: cam.askedAt,
        lastDataAt: cam.lastDataAt,
        idleSince: cam.idleSince,
        stopSent: cam.stopSent,
      },
      now,
      this.timing,
    );
    for (const action of actions) this.act(id, cam, action, now);
  }

  private act(id: string, cam: CameraLive, action: LiveAction, now: number): void {
    switch (action) {
      case 'ask':
        cam.askedAt = now;
        cam.stopSent = false;
        this.channels.push(id, 'live', { on: true });
        return;
      case 'tell-stop':
        cam.stopSent = true;
        this.channels.push(id, 'live', { on: false });
        return;
      case 'cut':
        this.cut(
          id,
          cam,
          !this.arming.forCamera(id).live
            ? { status: 409, ...REFUSALS.privacy }
            : cam.fanout.size === 0
              ? { status: 200, code: 'NOT_WATCHED', message: 'nobody is watching: stop streaming' }
              : { status: 408, code: 'STALLED', message: 'the live stream sent nothing for too long' },
        );
        return;
      case 'refuse-privacy':
      case 'refuse-offline':
      case 'refuse-timeout': {
        const refusal = action === 'refuse-privacy' ? REFUSALS.privacy : action === 'refuse-offline' ? REFUSALS.offline : REFUSALS.timeout;
        // refuse() closes the socket, whose close handler removes the viewer.
        for (const viewer of cam.fanout.all()) (viewer as Watcher).refuse(refusal);
        cam.waitingSince = null;
        return;
      }
      case 'forget':
        this.cameras.delete(id);
        return;
    }
  }
}

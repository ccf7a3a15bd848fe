import { randomUUID } from 'node:crypto';

/*
 * Pictures asked of cameras and not yet answered. The browser's request waits on a promise;
 * the camera answers on its own HTTPS request with the id it was given. Several browsers
 * asking the same camera at once share one request, so a page left open on two phones does
 * not make the camera encode twice.
 */

export class SnapshotTimeout extends Error {
  constructor() {
    super('the camera did not send a picture in time');
  }
}

interface Pending {
  deviceId: string;
  picture: Promise<Buffer>;
  resolve: (jpeg: Buffer) => void;
  timer: NodeJS.Timeout;
}

export class SnapshotRequests {
  private readonly byId = new Map<string, Pending>();
  private readonly byDevice = new Map<string, string>();

  constructor(private readonly timeoutMs = 5000) {}

  /**
   * Asks for a picture: `send` delivers the request id to the camera (false when it could
   * not: the camera is offline). Rejects with SnapshotTimeout when no picture comes.
   */
  ask(deviceId: string, send: (requestId: string) => boolean): Promise<Buffer> | null {
    const open = this.byDevice.get(deviceId);
    const shared = open ? this.byId.get(open) : undefined;
    if (shared) return shared.picture;
    const requestId = randomUUID();
    let resolve!: (jpeg: Buffer) => void;
    let reject!: (err: Error) => void;
    const picture = new Promise<Buffer>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timer = setTimeout(() => {
      this.forget(requestId);
      reject(new SnapshotTimeout());
    }, this.timeoutMs);
    timer.unref();
    this.byId.set(requestId, { deviceId, picture, resolve, timer });
    this.byDevice.set(deviceId, requestId);
    if (!send(requestId)) {
      this.forget(requestId);
      return null;
    }
    return picture;
  }

  /** True when `deviceId` was asked for a picture with this id and has not answered yet. */
  awaits(deviceId: string, requestId: string): boolean {
    return this.byId.get(requestId)?.deviceId === deviceId;
  }

  /** The camera's answer; false when nobody is waiting for it (late, or not asked of this camera). */
  deliver(deviceId: string, requestId: string, jpeg: Buffer): boolean {
    const pending = this.byId.get(requestId);
    if (!pending || pending.deviceId !== deviceId) return false;
    this.forget(requestId);
    pending.resolve(jpeg);
    return true;
  }

  private forget(requestId: string): void {
    const pending = this.byId.get(requestId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.byId.delete(requestId);
    if (this.byDevice.get(pending.deviceId) === requestId) this.byDevice.delete(pending.deviceId);
  }
}

import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';

/*
 * The cameras' open channels (server-sent events on /api/device/channel): what the hub
 * pushes to a camera — its arming — goes out at once on every channel it has open. A camera
 * with a channel open is online: 'online' and 'offline' are emitted as that changes.
 */
export class DeviceChannels extends EventEmitter {
  private readonly open = new Map<string, Set<ServerResponse>>();

  add(deviceId: string, res: ServerResponse): void {
    let set = this.open.get(deviceId);
    const first = !set;
    if (!set) this.open.set(deviceId, (set = new Set()));
    set.add(res);
    if (first) this.emit('online', deviceId);
    res.once('close', () => {
      set.delete(res);
      if (set.size === 0 && this.open.get(deviceId) === set) {
        this.open.delete(deviceId);
        this.emit('offline', deviceId);
      }
    });
  }

  /** Sends one event; returns how many channels got it. */
  push(deviceId: string, event: string, data: unknown): number {
    const set = this.open.get(deviceId);
    if (!set) return 0;
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of set) res.write(frame);
    return set.size;
  }

  isOnline(deviceId: string): boolean {
    return this.open.has(deviceId);
  }

  connected(): string[] {
    return [...this.open.keys()];
  }

  /**
   * Hangs up every open channel, as the hub stops: the server cannot finish closing while a
   * camera's channel is open (the hub listens on its own, so Fastify's forceCloseConnections
   * never applies), and the cameras reconnect, with backoff, once it is back.
   */
  closeAll(): void {
    for (const set of this.open.values()) for (const res of set) res.destroy();
  }
}

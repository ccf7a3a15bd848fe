import type { Socket } from 'node:net';

/*
 * The sockets each device currently has open: its long-lived channel and any request
 * in flight (a clip upload can stream for a minute). Revoking or rotating a token ends
 * them all at once, so a stolen token loses access now, not when its upload finishes.
 */
export class DeviceConnections {
  private readonly sockets = new Map<string, Set<Socket>>();

  add(deviceId: string, socket: Socket): void {
    let set = this.sockets.get(deviceId);
    if (!set) this.sockets.set(deviceId, (set = new Set()));
    if (set.has(socket)) return;
    set.add(socket);
    socket.once('close', () => {
      set.delete(socket);
      if (set.size === 0 && this.sockets.get(deviceId) === set) this.sockets.delete(deviceId);
    });
  }

  /** Destroys every socket the device has open; returns how many. */
  cut(deviceId: string): number {
    const set = this.sockets.get(deviceId);
    if (!set) return 0;
    const n = set.size;
    for (const s of set) s.destroy();
    this.sockets.delete(deviceId);
    return n;
  }

  count(deviceId: string): number {
    return this.sockets.get(deviceId)?.size ?? 0;
  }
}

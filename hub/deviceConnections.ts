import type { Socket } from 'node:net';
import type { DB } from '../common/database';

/*
 * The sockets each device currently has open: its long-lived channel, keep-alive
 * connections, and any request in flight (a clip upload can stream for a minute), each
 * with the hash of the token it authenticated with. Revoking or rotating a token ends
 * them at once — from a route directly, or from `sweep` when the CLI changed the
 * database behind the running hub — so a stolen token loses access now.
 */
export class DeviceConnections {
  private readonly sockets = new Map<string, Map<Socket, string>>();

  add(deviceId: string, tokenHash: string, socket: Socket): void {
    let map = this.sockets.get(deviceId);
    if (!map) this.sockets.set(deviceId, (map = new Map<Socket, string>()));
    if (map.has(socket)) return;
    map.set(socket, tokenHash);
    socket.once('close', () => {
      map.delete(socket);
      if (map.size === 0 && this.sockets.get(deviceId) === map) this.sockets.delete(deviceId);
    });
  }

  /** Destroys every socket the device has open; returns how many. */
  cut(deviceId: string): number {
    const map = this.sockets.get(deviceId);
    if (!map) return 0;
    const n = map.size;
    for (const s of map.keys()) s.destroy();
    this.sockets.delete(deviceId);
    return n;
  }

  /** Cuts sockets whose token is no longer the device's live token; returns how many. */
  sweep(db: DB): number {
    let cut = 0;
    const current = db.prepare('SELECT token_hash, revoked_at FROM devices WHERE id = ?');
    for (const [deviceId, map] of this.sockets) {
      const row = current.get(deviceId) as { token_hash: string; revoked_at: number | null } | undefined;
      for (const [socket, tokenHash] of map) {
        if (!row || row.revoked_at !== null || row.token_hash !== tokenHash) {
          socket.destroy();
          map.delete(socket);
          cut++;
        }
      }
    }
    return cut;
  }
}

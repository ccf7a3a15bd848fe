import { newToken } from '../common/tokens';

/*
 * Between the two OPAQUE messages of a sign-in the hub keeps the server's half of the exchange
 * here, in memory, under a random id: one minute, once, from the address that started it.
 * The map is bounded, so a flood of started-but-never-finished sign-ins cannot grow it; it is
 * not persisted (a restart only makes the browser start again).
 */

export const PENDING_LOGIN_TTL_MS = 60_000;
export const MAX_PENDING_LOGINS = 1000;

export interface PendingLogin {
  /** The account the name belonged to when the sign-in started; undefined for a name nobody has. */
  userId: number | undefined;
  name: string;
  ip: string;
  /** Null when the account has no OPAQUE record yet (or no account): that answer was a fake. */
  serverLoginState: string | null;
  expiresAt: number;
}

export class PendingLogins<T extends { ip: string; expiresAt: number } = PendingLogin> {
  private readonly entries = new Map<string, T>();

  /** Keeps `login` and returns its id; null when the map is full of live entries. */
  add(login: Omit<T, 'expiresAt'>, now: number): string | null {
    if (this.entries.size >= MAX_PENDING_LOGINS) {
      for (const [id, e] of this.entries) if (e.expiresAt < now) this.entries.delete(id);
      if (this.entries.size >= MAX_PENDING_LOGINS) return null;
    }
    const id = newToken(24);
    this.entries.set(id, { ...login, expiresAt: now + PENDING_LOGIN_TTL_MS } as T);
    return id;
  }

  /** Removes and returns the live entry `id` started from `ip`; any other presentation spends nothing. */
  take(id: string, ip: string, now: number): T | undefined {
    const e = this.entries.get(id);
    if (!e || e.ip !== ip) return undefined;
    this.entries.delete(id);
    return e.expiresAt >= now ? e : undefined;
  }
}

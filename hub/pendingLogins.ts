import { newToken } from '../common/tokens';

/*
 * Between the two OPAQUE messages of a sign-in the hub keeps the server's half of the exchange
 * here, in memory, under a random id: one minute, once, from the address that started it.
 * The map is bounded, so a flood of started-but-never-finished sign-ins cannot grow it; it is
 * not persisted (a restart only makes the browser start again).
 */

export const PENDING_LOGIN_TTL_MS = 60_000;
export const MAX_PENDING_LOGINS = 1000;
/**
 * Per address (an IPv6 address's /64, which one machine can fill with addresses): its newest
 * exchanges only, its oldest dropped. More than the sign-in lockout lets through (5), so no
 * honest browser loses one; one address (or a /64) can no longer fill the whole map alone.
 */
export const MAX_PENDING_PER_ADDRESS = 8;

/** The address an exchange counts against: IPv4 as it is, IPv6 by its /64. */
export function addressGroup(ip: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) return v4[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

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
    const group = addressGroup(login.ip);
    const mine = [...this.entries].filter(([, e]) => addressGroup(e.ip) === group);
    // Oldest first (a Map keeps insertion order): the address's oldest exchanges make room.
    for (const [id] of mine.slice(0, Math.max(0, mine.length - MAX_PENDING_PER_ADDRESS + 1))) this.entries.delete(id);
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

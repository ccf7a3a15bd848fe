import type { DB } from '../common/database';
import {
  ACCOUNT_WINDOW_MS,
  accountAfterFailure,
  accountVerdict,
  ipAfterFailure,
  ipAfterRefund,
  ipVerdict,
  type ThrottleState,
  type ThrottleVerdict,
} from './loginThrottlePolicy';

/*
 * The throttle counters live in SQLite so a lockout survives a hub restart: restarting
 * the hub must not hand an attacker five fresh guesses.
 */

type Scope = 'ip' | 'account';

/**
 * What the per-account counter is kept under: the account's id, or for a name no account has,
 * the name itself. Guesses on a name that does not exist are throttled exactly as on one that
 * does, so the throttle's answer does not tell which names exist.
 */
export function accountKey(user: { id: number } | undefined, name: string): string {
  return user ? String(user.id) : `name:${name}`;
}

export class LoginThrottle {
  constructor(private readonly db: DB) {}

  private load(scope: Scope, key: string): ThrottleState | undefined {
    const row = this.db
      .prepare('SELECT failures, first_failure_at, last_failure_at, locked_until FROM login_throttle WHERE scope = ? AND key = ?')
      .get(scope, key) as { failures: number; first_failure_at: number; last_failure_at: number; locked_until: number | null } | undefined;
    return row && { failures: row.failures, firstFailureAt: row.first_failure_at, lastFailureAt: row.last_failure_at, lockedUntil: row.locked_until };
  }

  private save(scope: Scope, key: string, s: ThrottleState): void {
    this.db
      .prepare(
        `INSERT INTO login_throttle (scope, key, failures, first_failure_at, last_failure_at, locked_until) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope, key) DO UPDATE SET failures = excluded.failures, first_failure_at = excluded.first_failure_at,
           last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until`,
      )
      .run(scope, key, s.failures, s.firstFailureAt, s.lastFailureAt, s.lockedUntil);
  }

  checkIp(ip: string, now: number): ThrottleVerdict {
    return ipVerdict(this.load('ip', ip), now);
  }

  checkAccount(key: string, now: number, knownBrowser: boolean): ThrottleVerdict {
    return accountVerdict(this.load('account', key), now, knownBrowser);
  }

  /** Counts a failure against the IP (and the account key, `accountKey`, when there is one); says whether the IP just got locked. */
  recordFailure(ip: string, account: string | undefined, now: number): { ipLockedUntil: number | null } {
    return this.db.transaction(() => {
      const ipState = ipAfterFailure(this.load('ip', ip), now);
      this.save('ip', ip, ipState);
      if (account !== undefined) this.save('account', account, accountAfterFailure(this.load('account', account), now));
      // Names nobody has would otherwise pile up: once their window has passed they count for nothing.
      this.db.prepare("DELETE FROM login_throttle WHERE scope = 'account' AND key LIKE 'name:%' AND last_failure_at < ?").run(now - ACCOUNT_WINDOW_MS);
      return { ipLockedUntil: ipState.lockedUntil };
    })();
  }

  /** Takes back one failure counted in advance against `ip` (an OPAQUE attempt that proved the right password). */
  refund(ip: string): void {
    this.db.transaction(() => {
      const next = ipAfterRefund(this.load('ip', ip));
      if (next) this.save('ip', ip, next);
      else this.db.prepare("DELETE FROM login_throttle WHERE scope = 'ip' AND key = ?").run(ip);
    })();
  }

  /**
   * A full sign-in clears that account's counter only. The address's counter stays until its
   * window passes: clearing it would let a household member guess another account from the
   * same address without end, signing in as themselves between guesses.
   */
  recordSuccess(userId: number): void {
    this.db.prepare("DELETE FROM login_throttle WHERE scope = 'account' AND key = ?").run(String(userId));
  }
}

import type { DB } from '../common/database';
import { hashToken, newToken } from '../common/tokens';

/*
 * Between the password step and the 2FA step the browser holds a ticket, not a session:
 * it proves only that the password was right, for one user, from one address, for five
 * minutes, and it is spent by the first correct second factor.
 */

export const TICKET_TTL_MS = 5 * 60_000;

export function issueLoginTicket(db: DB, userId: number, ip: string, now = Date.now()): string {
  const ticket = newToken(24);
  db.prepare('DELETE FROM login_tickets WHERE expires_at < ?').run(now);
  db.prepare('INSERT INTO login_tickets (id_hash, user_id, ip, expires_at) VALUES (?, ?, ?, ?)').run(hashToken(ticket), userId, ip, now + TICKET_TTL_MS);
  return ticket;
}

/** The user a live ticket stands for, when presented from the address it was issued to. */
export function ticketUser(db: DB, ticket: string, ip: string, now = Date.now()): number | null {
  const row = db.prepare('SELECT user_id, ip, expires_at FROM login_tickets WHERE id_hash = ?').get(hashToken(ticket)) as
    | { user_id: number; ip: string; expires_at: number }
    | undefined;
  return row && row.ip === ip && now <= row.expires_at ? row.user_id : null;
}

export function spendLoginTicket(db: DB, ticket: string): void {
  db.prepare('DELETE FROM login_tickets WHERE id_hash = ?').run(hashToken(ticket));
}

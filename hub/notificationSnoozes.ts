import type { DB } from '../common/database';
import type { Snooze } from '../common/api/push';
import { snoozesInForce } from './notificationPolicy';

/* Each user's snoozes (camera '' in the table: every notification; until NULL: until the next disarm). */

export class NotificationSnoozes {
  constructor(private readonly db: DB) {}

  /** The user's snoozes still in force; ended ones are dropped as they are found. */
  of(userId: number, now: number): Snooze[] {
    const rows = this.db.prepare('SELECT camera_id, until FROM notification_snoozes WHERE user_id = ?').all(userId) as Array<{ camera_id: string; until: number | null }>;
    const all: Snooze[] = rows.map((r) => ({ camera: r.camera_id === '' ? null : r.camera_id, until: r.until }));
    const live = snoozesInForce(all, now);
    if (live.length !== all.length) this.db.prepare('DELETE FROM notification_snoozes WHERE user_id = ? AND until IS NOT NULL AND until <= ?').run(userId, now);
    return live;
  }

  /** Snoozes one camera (or all, camera null) until `until` (null: the next disarm), replacing that camera's earlier snooze. */
  set(userId: number, camera: string | null, until: number | null, now: number): void {
    this.db.prepare('INSERT INTO notification_snoozes (user_id, camera_id, until, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, camera_id) DO UPDATE SET until = excluded.until, created_at = excluded.created_at').run(userId, camera ?? '', until, now);
  }

  /** Ends one snooze (camera null: the all-notifications one) early. */
  clear(userId: number, camera: string | null): boolean {
    return this.db.prepare('DELETE FROM notification_snoozes WHERE user_id = ? AND camera_id = ?').run(userId, camera ?? '').changes > 0;
  }

  /** The home was disarmed: every 'until disarmed' snooze ends. */
  disarmed(): void {
    this.db.prepare('DELETE FROM notification_snoozes WHERE until IS NULL').run();
  }
}

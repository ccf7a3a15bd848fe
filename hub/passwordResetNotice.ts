import type { DB } from '../common/database';
import type { Logger } from '../common/logger';
import type { Mailer } from '../common/mailer';
import { notifyUser } from '../common/notices';
import type { User } from './users';
import { noticeDateTime } from '../common/noticeTime';
import { homeTimeZone } from './arming/armingStore';

/** Tells the account its password was reset (in the UI, and by mail to its verified address), whoever did it. */
export async function tellPasswordReset(db: DB, mailer: Mailer, log: Logger, user: User, how: string, now: number): Promise<void> {
  await notifyUser(
    db,
    mailer,
    log,
    user.id,
    {
      kind: 'password-reset',
      subject: 'Porchlight: the password of your account was reset',
      message:
        `The password of your Porchlight account ${user.username} was reset ${how} at ${noticeDateTime(now, homeTimeZone(db))}; every session of the account was signed out. ` +
        'If this was not you, tell the owner of the hub at once: they can reset it again on the hub\'s console ("porchlight user reset-password").',
    },
    now,
  );
}

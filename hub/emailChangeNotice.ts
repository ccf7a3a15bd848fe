import type { DB } from '../common/database';
import type { Logger } from '../common/logger';
import type { Mailer } from '../common/mailer';
import { notifyUser } from '../common/notices';
import type { User } from './users';
import { noticeDateTime } from '../common/noticeTime';
import { homeTimeZone } from './arming/armingStore';

/*
 * When an account's address changes, the address it replaces is told (if it was verified: an
 * unconfirmed one may be anybody's), so a person whose session was taken over learns of it at
 * the address they still read, before a password reset could be mailed to the new one.
 */

/** `nina@home.test` → `n***@home.test`: enough for the owner to recognise, not a gift to whoever reads the old mailbox. */
export function maskedAddress(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, 1)}***@${email.slice(at + 1)}`;
}

export async function tellOldAddress(db: DB, mailer: Mailer, log: Logger, user: User, newEmail: string, ip: string, now: number): Promise<void> {
  await notifyUser(
    db,
    mailer,
    log,
    user.id,
    {
      kind: 'email-changed',
      subject: 'Porchlight: the email address of your account was changed',
      message:
        `The email address of your Porchlight account ${user.username} was changed from ${user.email ?? ''} to ${maskedAddress(newEmail)} ` +
        `at ${noticeDateTime(now, homeTimeZone(db))} from the address ${ip}. ` +
        'If this was not you, sign in, change your password, sign out all sessions and set your address back; or ask the owner of the hub to reset your password.',
    },
    now,
    user.emailVerified ? user.email : null,
  );
}

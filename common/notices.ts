import type { Notice } from './api/account';
import type { DB } from './database';
import type { Logger } from './logger';
import type { MailAttachment, Mailer } from './mailer';
import type { PushPayload } from './api/push';

/*
 * Notices for one user: shown in the UI, and mailed when SMTP is configured and the
 * user's address is verified. A failed mail never fails the action that caused it.
 */

export type { Notice };

/** What a notice says on a phone: its words and where a tap leads (a path of the hub's page). */
export interface PushWords {
  title: string;
  body: string;
  url: string;
}

/** Another way notices reach a user: the hub's Web Push (hub/webPush.ts), which never throws. */
export interface NoticePush {
  toUser(userId: number, payload: PushPayload): Promise<void>;
}

/**
 * The one place a push payload is put together, so what the sender measures against the Web
 * Push size limit (hub/pushImage.ts) is byte for byte what is sent.
 */
export function pushPayloadOf(words: PushWords, kind: string, at: number, image?: string): PushPayload {
  return { title: words.title, body: words.body, url: words.url, kind, at, ...(image ? { image } : {}) };
}

/** A notice's picture, when the owner opted in and there is one (hub/noticePictures.ts). */
export interface NoticePicture {
  /** Attached to the mail. */
  mail?: MailAttachment;
  /** A data: URL already measured to fit the push payload of this notice at this time. */
  push?: string;
}

/** The mailer, and on the hub the push sender: every notice goes to both from this one decision point. */
export type NoticeOutlets = Mailer & { readonly push?: NoticePush };

export interface NoticeContent {
  kind: string;
  subject: string;
  message: string;
  /** The phone's words; by default the subject and message, opening the page's front. */
  push?: PushWords;
  /** The mail's text when it says more than the notices list (a link to the hub); by default the message. */
  mailText?: string;
  picture?: NoticePicture;
}

export async function notifyUser(
  db: DB,
  mailer: NoticeOutlets,
  log: Logger,
  userId: number,
  notice: NoticeContent,
  now = Date.now(),
  /**
   * Mail this verified address instead of the account's current one (null: mail nobody), for a
   * notice about the address itself: a change is told to the address it replaced.
   */
  verifiedAddress?: string | null,
): Promise<void> {
  db.prepare('INSERT INTO notifications (user_id, at, kind, message) VALUES (?, ?, ?, ?)').run(userId, now, notice.kind, notice.message);
  // Not awaited: a push may retry for seconds, and the next user's notice should not wait for it.
  if (mailer.push) {
    const words = notice.push ?? { title: notice.subject, body: notice.message, url: '/' };
    mailer.push.toUser(userId, pushPayloadOf(words, notice.kind, now, notice.picture?.push)).catch((err: Error) => log.warn({ kind: notice.kind, err: err.message }, 'could not push a notice'));
  }
  const row = db.prepare('SELECT email, email_verified_at FROM users WHERE id = ?').get(userId) as
    | { email: string | null; email_verified_at: number | null }
    | undefined;
  // Only a verified address is mailed: an unconfirmed one may be anybody's.
  const to = verifiedAddress !== undefined ? verifiedAddress : row?.email_verified_at != null ? row.email : null;
  if (!mailer.configured || !to) return;
  try {
    const attachments = notice.picture?.mail ? [notice.picture.mail] : [];
    await mailer.send({ to, subject: notice.subject, text: notice.mailText ?? notice.message, ...(attachments.length ? { attachments } : {}) });
  } catch (err) {
    log.warn({ kind: notice.kind, err: (err as Error).message }, 'could not mail a notice; it is still shown in the UI');
  }
}

/** The same notice to every owner of the household (each in the UI, and mailed where set up). */
export async function notifyOwners(db: DB, mailer: NoticeOutlets, log: Logger, notice: NoticeContent, now = Date.now()): Promise<void> {
  const owners = db.prepare("SELECT id FROM users WHERE role = 'owner'").all() as Array<{ id: number }>;
  for (const o of owners) await notifyUser(db, mailer, log, o.id, notice, now);
}

export function listNotices(db: DB, userId: number, limit = 50): Notice[] {
  const rows = db.prepare('SELECT id, at, kind, message, read_at FROM notifications WHERE user_id = ? ORDER BY id DESC LIMIT ?').all(userId, limit) as Array<{
    id: number;
    at: number;
    kind: string;
    message: string;
    read_at: number | null;
  }>;
  return rows.map((r) => ({ id: r.id, at: r.at, kind: r.kind, message: r.message, read: r.read_at !== null }));
}

export function markNoticesRead(db: DB, userId: number, now = Date.now()): void {
  db.prepare('UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL').run(now, userId);
}

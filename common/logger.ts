import pino, { type Logger } from 'pino';
import { fstatSync } from 'node:fs';
import { journalLine, stderrIsJournal } from './journalFormat';

export type { Logger };

/*
 * Field names never written to a log, wherever they appear. Secrets are hidden by their own
 * names only: a bare `code` is an exit code, an errno or a refusal code far more often than a
 * secret, and hiding it hid why things failed. A one-time code is logged, if ever, under a name
 * that says what it is (pairingCode, totpCode…), and those names are hidden.
 */
const SECRET_FIELDS = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'secret',
  'secretKey',
  'passphrase',
  'cookie',
  'ticket',
  'recoveryCode',
  'recoveryCodes',
  'pairingCode',
  'setupCode',
  'totpCode',
  'emailCode',
  'inviteCode',
];
const SECRET_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

/** pino's redaction for every Porchlight logger (exported for its test). */
export const SECRET_REDACTION = { paths: SECRET_PATHS, censor: '[HIDDEN]' };

function stderrStat(): { dev: number; ino: number } | null {
  try {
    return fstatSync(2);
  } catch {
    return null;
  }
}

/**
 * One logger per process, namespaced children per module. Logs go to stderr so a
 * command's stdout stays machine-readable (the demo prints its JSON summary there); when
 * stderr is the systemd journal, as lines with a priority and the namespace instead of JSON.
 */
export function createLogger(name: string, level = 'info'): Logger {
  const journal = stderrIsJournal(process.env.JOURNAL_STREAM, process.env.JOURNAL_STREAM ? stderrStat() : null);
  return pino(
    {
      name,
      level,
      redact: SECRET_REDACTION,
      base: { pid: process.pid },
      ...(journal ? { hooks: { streamWrite: journalLine } } : {}),
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

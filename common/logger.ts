import pino, { type Logger } from 'pino';
import { fstatSync } from 'node:fs';
import { journalLine, stderrIsJournal } from './journalFormat';

export type { Logger };

/** Field names never written to a log, wherever they appear. */
const SECRET_PATHS = [
  'password',
  'token',
  'code',
  'secret',
  'secretKey',
  'passphrase',
  'cookie',
  'ticket',
  'recoveryCode',
  'recoveryCodes',
  'currentPassword',
  'newPassword',
  '*.password',
  '*.ticket',
  '*.recoveryCode',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.code',
  '*.secret',
  '*.secretKey',
  '*.passphrase',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

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
      redact: { paths: SECRET_PATHS, censor: '[HIDDEN]' },
      base: { pid: process.pid },
      ...(journal ? { hooks: { streamWrite: journalLine } } : {}),
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

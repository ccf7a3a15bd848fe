import pino, { type Logger } from 'pino';

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

/**
 * One logger per process, namespaced children per module. Logs go to stderr so a
 * command's stdout stays machine-readable (the demo prints its JSON summary there).
 */
export function createLogger(name: string, level = 'info'): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: SECRET_PATHS, censor: '[HIDDEN]' },
      base: { pid: process.pid },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

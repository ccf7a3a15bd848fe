/*
 * Log lines as the systemd journal reads them. Under systemd a service's stderr is a stream
 * to journald, which takes a leading "<N>" as the line's priority (SyslogLevelPrefix=, on by
 * default) and records the time, PID and unit itself. So each pino JSON line becomes
 * "<priority>namespace: message {other fields}": `journalctl -u porchlight-hub -p warning`
 * filters by level, and the namespace (the process logger's name, then the module's child
 * logger, e.g. "hub/tls" or "agent:frontdoor/capture") says which part spoke.
 */

/** pino levels (10 trace … 60 fatal) as syslog priorities (7 debug … 2 critical). */
export function syslogPriority(level: number): number {
  if (level >= 60) return 2;
  if (level >= 50) return 3;
  if (level >= 40) return 4;
  if (level >= 30) return 6;
  return 7;
}

const OWN_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'module', 'msg']);

/** One pino JSON line (with its newline) as one journal line; a line that is not JSON passes through. */
export function journalLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null) return line;
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const namespace = [entry.name, entry.module].filter((p) => typeof p === 'string' && p !== '').join('/');
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry)) if (!OWN_FIELDS.has(k)) rest[k] = v;
  // journald ends an entry at a newline: a multi-line message must stay one entry.
  const msg = typeof entry.msg === 'string' ? entry.msg.replace(/\r?\n/g, ' | ') : '';
  const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  return `<${syslogPriority(level)}>${namespace ? `${namespace}: ` : ''}${msg}${fields}\n`;
}

/**
 * True when stderr is the journal stream systemd connected: $JOURNAL_STREAM holds the
 * "device:inode" of that stream, so a redirect (`2>file`, a pipe) is not mistaken for it.
 */
export function stderrIsJournal(journalStream: string | undefined, stderr: { dev: number; ino: number } | null): boolean {
  if (!journalStream || !stderr) return false;
  const [dev, ino] = journalStream.split(':');
  return dev === String(stderr.dev) && ino === String(stderr.ino);
}

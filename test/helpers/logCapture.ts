import pino from 'pino';
import type { Logger } from '../../common/logger';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A pino logger that keeps its lines in memory, for asserting what a module logged. */
export function captureLog(): { log: Logger; lines: LogLine[]; messages: (minLevel?: 'debug' | 'info' | 'warn' | 'error') => string[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug', base: null }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  const levels = { debug: 20, info: 30, warn: 40, error: 50 } as const;
  return { log, lines, messages: (minLevel = 'debug') => lines.filter((l) => l.level >= levels[minLevel]).map((l) => l.msg) };
}

import { writeSync } from 'node:fs';
import { inspect } from 'node:util';
import type { Logger } from './logger';

/*
 * What every Porchlight process does with a fault nothing caught: an unhandled promise
 * rejection or an uncaught exception. After one, the process's state is unknown (a loop may
 * have died half-way, a lock may be held), so carrying on would be a service that looks up
 * and does nothing. It logs the error with its stack, as one line of its own log (JSON, or a
 * journal line under systemd), and exits with FAULT_EXIT_CODE; the units' Restart=on-failure
 * starts it again. Node's own default also exits, but prints a bare multi-line stack the
 * journal splits into unconnected lines, and its behaviour changes with --unhandled-rejections
 * or any library that adds a listener: installing the handlers here makes it one decision.
 */

/** EX_SOFTWARE (sysexits.h): an internal fault. Not 2, which the units do not restart (a config error). */
export const FAULT_EXIT_CODE = 70;

let current: Logger | null = null;
let installed = false;

/** An Error with a stack for whatever was thrown or rejected (a string, undefined…). */
function asError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  return new Error(`a non-Error value was thrown: ${inspect(reason, { depth: 2, breakLength: Infinity })}`);
}

function fault(kind: 'unhandled rejection' | 'uncaught exception', reason: unknown): never {
  const err = asError(reason);
  const msg = `${kind}: exiting so that the service is restarted`;
  try {
    if (current) current.fatal({ err, fault: kind }, msg);
    else writeSync(2, `${JSON.stringify({ level: 60, time: Date.now(), pid: process.pid, fault: kind, err: { type: err.name, message: err.message, stack: err.stack }, msg })}\n`);
  } catch {
    // The log itself failed (stderr closed): the exit code still tells systemd.
  }
  process.exit(FAULT_EXIT_CODE);
}

/**
 * Installs the handlers (once per process) and makes `log` the logger they write to: a
 * service calls it again with its own logger as soon as it has one, so the line carries the
 * service's name. Loggers from common/logger.ts write synchronously, so the line is out
 * before the exit.
 */
export function installProcessFaults(log: Logger | null = null): void {
  if (log) current = log;
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => fault('unhandled rejection', reason));
  process.on('uncaughtException', (err) => fault('uncaught exception', err));
}

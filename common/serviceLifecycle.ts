import type { Logger } from './logger';
import { createSystemdNotifier } from './systemdNotify';

/**
 * Runs a service until SIGINT/SIGTERM, then stops it within a deadline. A second signal,
 * or a stop that hangs, exits at once: the data on disk is always consistent. The handlers
 * are in place before start-up, so a stop asked for while starting (systemd restarting a
 * unit) waits for the start and then stops cleanly instead of killing it half-way.
 * Under systemd (Type=notify) READY=1 goes out once start() has finished — the service
 * serves — with the status line start() returns, and the watchdog is pinged until the stop,
 * while `healthy` answers true (a service that can tell progress from a wedge says so there).
 */
export async function runService(
  log: Logger,
  start: () => Promise<void | string>,
  stop: () => Promise<void>,
  deadlineMs = 15_000,
  healthy: () => boolean = () => true,
): Promise<void> {
  const systemd = createSystemdNotifier(log);
  let started: Promise<void | string> = Promise.resolve();
  let stopping = false;
  const done = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      log.info({ signal }, 'stopping');
      systemd.stopWatchdog();
      systemd.stopping();
      const timer = setTimeout(() => {
        log.error('stop took too long; exiting');
        process.exit(1);
      }, deadlineMs);
      timer.unref();
      started
        .catch(() => undefined)
        .then(stop)
        .catch((err: Error) => log.error({ err: err.message }, 'error while stopping'))
        .finally(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  started = start();
  const status = await started;
  if (!stopping) {
    systemd.ready(status || undefined);
    systemd.startWatchdog(healthy);
  }
  await done;
}

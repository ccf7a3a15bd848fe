import type { Logger } from '../common/logger';

/**
 * Runs a service until SIGINT/SIGTERM, then stops it within a deadline. A second signal,
 * or a stop that hangs, exits at once: the data on disk is always consistent. The handlers
 * are in place before start-up, so a stop asked for while starting (systemd restarting a
 * unit) waits for the start and then stops cleanly instead of killing it half-way.
 */
export async function runService(log: Logger, start: () => Promise<void>, stop: () => Promise<void>, deadlineMs = 15_000): Promise<void> {
  let started: Promise<void> = Promise.resolve();
  const done = new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      log.info({ signal }, 'stopping');
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
  await started;
  await done;
}

import type { Logger } from '../common/logger';

/**
 * Runs a service until SIGINT/SIGTERM, then stops it within a deadline. A second signal,
 * or a stop that hangs, exits at once: the data on disk is always consistent.
 */
export async function runService(log: Logger, start: () => Promise<void>, stop: () => Promise<void>, deadlineMs = 15_000): Promise<void> {
  await start();
  await new Promise<void>((resolve) => {
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
      stop()
        .catch((err: Error) => log.error({ err: err.message }, 'error while stopping'))
        .finally(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

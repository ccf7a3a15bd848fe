import type { RelayConfig } from '../../common/config';
import { systemClock, type Clock } from '../../common/clock';
import { Relay } from '../../cloud-relay/relay';
import type { UploadTarget } from '../../common/cloud/uploadTarget';
import { LocalRetention } from '../../hub/localRetention';
import type { ClipHub } from './clipFactory';
import { captureLog } from './logCapture';

/**
 * A relay over a test hub's clip store, with its log kept for assertions, and beside it the
 * hub's half of retention (local copies: hub/localRetention.ts) on the same clock, with plenty
 * of free disk (retention by disk is tested on real full disks elsewhere) and lost clips listed.
 * The retention is not started: a test runs its passes (`pass()`) or starts it.
 */
export function makeRelay(hub: ClipHub, config: RelayConfig, target: UploadTarget, clock: Clock = systemClock) {
  const logs = captureLog();
  const lost: string[] = [];
  const relay = new Relay({
    db: hub.db,
    clipsDir: hub.paths.clips,
    target,
    publicKey: hub.keys.publicKey,
    clock,
    log: logs.log,
    config,
  });
  const retention = new LocalRetention({
    db: hub.db,
    clipsDir: hub.paths.clips,
    policy: config.retention,
    log: logs.log,
    now: () => clock.now(),
    freeBytes: async () => 100 * 1024 ** 3,
    onLost: async (id) => void lost.push(id),
  });
  return { relay, logs, lost, retention };
}

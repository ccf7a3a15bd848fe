import type { Config } from '../common/config';
import { systemClock, type Clock } from '../common/clock';
import { openDatabase } from '../common/database';
import { loadFootagePublicKey } from '../common/footageKeys';
import type { Logger } from '../common/logger';
import { hubPaths } from '../common/dataLayout';
import { Relay } from './relay';
import { followChosenTarget } from '../common/cloud/targets';

/**
 * The relay process: the hub's database and clip folder, the target in effect (the owner's
 * choice from the web UI, else the config's) and the footage PUBLIC key the hub leaves for it.
 * It uploads and applies cloud retention; the hub deletes local copies (and reports a clip
 * lost to a full disk) itself, so its disk stays protected while the relay is down.
 */
export async function openRelay(config: Config, hubDataDir: string, log: Logger, clock: Clock = systemClock): Promise<{ relay: Relay; close(): Promise<void> }> {
  const paths = hubPaths(hubDataDir);
  let publicKey: Uint8Array;
  try {
    publicKey = await loadFootagePublicKey(paths.footagePublicKey);
  } catch (err) {
    throw new Error(`the relay needs the hub's footage public key (${paths.footagePublicKey}); start the hub once first (${(err as Error).message})`, { cause: err });
  }
  let db: ReturnType<typeof openDatabase>;
  try {
    db = openDatabase(paths.db);
  } catch (err) {
    // Installed, the relay has its own user and may not create files in the hub's data
    // directory: SQLite's -wal and -shm must be there already, made by the running hub.
    if ((err as { code?: string }).code !== 'SQLITE_READONLY_DIRECTORY') throw err;
    throw new Error(`the relay cannot open the hub's database ${paths.db} before the hub has opened it (the relay may not create files in ${hubDataDir}): start the hub first`, { cause: err });
  }
  // The owner may change the target from the web UI while the relay runs.
  const target = followChosenTarget(config, db, hubDataDir, (description) => log.info({ target: description }, 'the upload target was changed; new uploads go there'));
  const relay = new Relay({
    db,
    clipsDir: paths.clips,
    target,
    publicKey,
    clock,
    log,
    config: config.relay,
    thumbsDir: paths.thumbs,
  });
  return {
    relay,
    close: async () => {
      await relay.stop();
      target.close();
      db.close();
    },
  };
}

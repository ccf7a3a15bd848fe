import type { Config } from '../common/config';
import { systemClock, type Clock } from '../common/clock';
import { openDatabase } from '../common/database';
import { loadFootagePublicKey } from '../common/footageKeys';
import type { Logger } from '../common/logger';
import { AuditLog } from '../common/auditLog';
import { hubPaths } from '../common/dataLayout';
import { createMailer } from '../common/mailer';
import { notifyUser } from '../common/notices';
import { Relay } from './relay';
import { diskFreeBytes } from './retentionRunner';
import { followChosenTarget } from '../common/cloud/targets';

/**
 * The relay process: the hub's database and clip folder, the target in effect (the owner's
 * choice from the web UI, else the config's), the footage PUBLIC key the hub leaves for it, and — for clips that had to be deleted before
 * they were uploaded — the audit log and a notice (and mail) to every owner.
 */
export async function openRelay(config: Config, hubDataDir: string, log: Logger, clock: Clock = systemClock): Promise<{ relay: Relay; close(): Promise<void> }> {
  const paths = hubPaths(hubDataDir);
  let publicKey: Uint8Array;
  try {
    publicKey = await loadFootagePublicKey(paths.footagePublicKey);
  } catch (err) {
    throw new Error(`the relay needs the hub's footage public key (${paths.footagePublicKey}); start the hub once first (${(err as Error).message})`, { cause: err });
  }
  const db = openDatabase(paths.db);
  // The owner may change the target from the web UI while the relay runs.
  const target = followChosenTarget(config, db, hubDataDir, (description) => log.info({ target: description }, 'the upload target was changed; new uploads go there'));
  const audit = new AuditLog(db, paths.auditHead);
  const mailer = await createMailer(config.hub.smtp, log);
  const relay = new Relay({
    db,
    clipsDir: paths.clips,
    target,
    publicKey,
    clock,
    log,
    settings: config.relay,
    freeBytes: () => diskFreeBytes(paths.clips),
    thumbsDir: paths.thumbs,
    onLost: async (clipId, bytes) => {
      audit.append({ actor: 'relay', action: 'clip.lost', target: clipId, detail: { reason: 'disk-full', bytes } }, clock.now());
      log.warn({ clipId, bytes }, 'the disk was full: a clip that was not uploaded yet was deleted (audited, owners told)');
      const owners = db.prepare("SELECT id FROM users WHERE role = 'owner'").all() as Array<{ id: number }>;
      for (const o of owners) {
        await notifyUser(db, mailer, log, o.id, {
          kind: 'clip-lost',
          subject: 'Porchlight deleted a clip that was not backed up',
          message: `The hub's disk was full while the cloud could not be reached, so the oldest clip that was not uploaded yet (${clipId}) was deleted to keep the cameras recording. Check the internet connection and the storage settings.`,
        }, clock.now());
      }
    },
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

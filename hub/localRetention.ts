import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AuditLog } from '../common/auditLog';
import { systemClock } from '../common/clock';
import type { RetentionConfig } from '../common/config';
import type { DB } from '../common/database';
import type { Logger } from '../common/logger';
import type { Mailer } from '../common/mailer';
import { notifyOwners } from '../common/notices';
import { ClipCopies } from '../common/retention/clipCopies';
import { planRetention, type RetentionPlan } from '../common/retention/retentionPolicy';

/*
 * The hub's half of retention: the local copies in <data>/clips. Local age, the quota and the
 * disk-full protection run here, in the process that owns the disk and takes the cameras'
 * uploads, so a relay that crashed, is misconfigured or was never installed cannot let the
 * disk fill and the cameras stop recording. The relay applies the cloud half (deleting cloud
 * copies, forgetting clips with no copy left); only the hub deletes clip files.
 *
 * The same pure plan decides both halves (common/retention/retentionPolicy.ts). Before a
 * local copy goes the queue is read again: a copy the plan took for backed up goes only if the
 * cloud verified it; a clip not backed up goes only to keep the disk from filling, and then
 * it is audited (clip.lost), logged and every owner told — unless its upload was verified in
 * the meantime, which makes it an ordinary retention deletion.
 */

export interface LocalRetentionDeps {
  db: DB;
  clipsDir: string;
  /** The hub's sealed thumbnails: footage too, so one goes with the local copy of its clip. */
  thumbsDir?: string;
  policy: RetentionConfig;
  log: Logger;
  /** The hub's policy clock: ages are measured against it. */
  now: () => number;
  /** Free bytes on the disk that holds the clips. */
  freeBytes(): Promise<number>;
  /** A clip that was never uploaded had to go to keep the disk from filling: audit it and tell the owners. */
  onLost(clipId: string, bytes: number): Promise<void>;
}

export interface LocalRetentionResult {
  plan: RetentionPlan;
  deletedLocal: number;
  lost: string[];
}

export class LocalRetention {
  private readonly copies: ClipCopies;
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  /** Passes run one at a time, whoever asks: two at once would delete and report the same clip twice. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: LocalRetentionDeps) {
    this.copies = new ClipCopies(deps.db);
  }

  /** The first pass runs at once (a hub restarted on a full disk must not wait), then every checkSeconds. */
  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.pass();
      } catch (err) {
        this.deps.log.error({ err: (err as Error).message }, 'local retention pass failed');
      }
      // Real time: how often the disk is checked is about seconds actually passing.
      await systemClock.sleep(this.deps.policy.checkSeconds * 1000, this.abort.signal);
    }
  }

  /** Plans and applies one pass over the hub's local copies. */
  pass(): Promise<LocalRetentionResult> {
    const next = this.last.then(() => this.applyOnce(), () => this.applyOnce());
    this.last = next.catch(() => undefined);
    return next;
  }

  private async applyOnce(): Promise<LocalRetentionResult> {
    const { log, policy } = this.deps;
    const now = this.deps.now();
    const plan = planRetention(this.copies.localView(), policy, await this.deps.freeBytes(), now);
    const result: LocalRetentionResult = { plan, deletedLocal: 0, lost: [] };
    for (const d of plan.deleteLocal) {
      if (this.abort.signal.aborted) break;
      const backedUp = this.copies.wasUploaded(d.id);
      // The plan's snapshot said backed up; only the queue as it is now may confirm it.
      if (d.uploaded && !backedUp) continue;
      try {
        await fs.rm(path.join(this.deps.clipsDir, `${d.id}.plc`), { force: true });
      } catch (err) {
        log.error({ clipId: d.id, err: (err as Error).message }, 'retention could not delete a local clip (is the disk read-only?)');
        continue;
      }
      this.copies.markLocalDeleted(d.id, now);
      if (this.deps.thumbsDir) await fs.rm(path.join(this.deps.thumbsDir, d.id), { force: true }).catch(() => undefined);
      result.deletedLocal += 1;
      if (!backedUp) {
        result.lost.push(d.id);
        await this.deps.onLost(d.id, d.bytes);
      }
    }
    if (result.deletedLocal > 0) {
      log.info({ deletedLocal: result.deletedLocal, lost: result.lost.length, localBytes: plan.localBytesAfter, overQuota: plan.overQuota }, 'local retention applied');
    }
    return result;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.last;
  }
}

/** What the hub does about a clip lost to a full disk: one audit entry, one log line, a notice (and mail) to every owner. */
export function reportLostClip(deps: { db: DB; audit: AuditLog; mailer: Mailer; log: Logger; now: () => number }) {
  const { db, audit, mailer, log, now } = deps;
  return async (clipId: string, bytes: number): Promise<void> => {
    audit.append({ actor: 'system', action: 'clip.lost', target: clipId, detail: { reason: 'disk-full', bytes } }, now());
    log.warn({ clipId, bytes }, 'the disk was full: a clip that was not uploaded yet was deleted (audited, owners told)');
    await notifyOwners(db, mailer, log, {
      kind: 'clip-lost',
      subject: 'Porchlight deleted a clip that was not backed up',
      message: `The hub's disk was full and the oldest clip not yet backed up to the cloud (${clipId}) had to be deleted to keep the cameras recording. Check the internet connection, the cloud backup (is the relay running?) and the storage settings.`,
    }, now());
  };
}

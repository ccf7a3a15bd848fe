import type { RetentionConfig } from '../common/config';
import type { Logger } from '../common/logger';
import { ClipCopies } from '../common/retention/clipCopies';
import { planRetention, type RetentionPlan } from '../common/retention/retentionPolicy';
import type { UploadTarget } from '../common/cloud/uploadTarget';
import type { DB } from '../common/database';

/*
 * The relay's half of retention: cloud copies past cloudDays go, and clips with no copy left
 * anywhere are forgotten. Local copies are the hub's (hub/localRetention.ts): the relay never
 * deletes a file in the hub's clip folder, so the hub's disk stays protected whether or not
 * the relay runs, and the two processes never delete the same thing.
 */

export interface CloudRetentionDeps {
  db: DB;
  target: UploadTarget;
  log: Logger;
}

export interface CloudRetentionResult {
  plan: RetentionPlan;
  deletedCloud: number;
  forgotten: number;
}

/** The disk rule is the hub's: the relay plans as if the disk had room, so it is never what decides. */
const ROOMY_DISK = Number.MAX_SAFE_INTEGER;

/**
 * Applies the cloud half of one retention plan. Cloud deletions are skipped while the target
 * is unreachable and come back on the next run; a clip is forgotten only if, read again now,
 * it has neither a local file nor a cloud copy (the hub may still hold a file the plan counted
 * as gone by age).
 */
export async function runCloudRetention(deps: CloudRetentionDeps, policy: RetentionConfig, now: number, cloudReachable: boolean): Promise<CloudRetentionResult> {
  const { log } = deps;
  const copies = new ClipCopies(deps.db);
  const view = copies.cloudView();
  const names = new Map(view.map((c) => [c.id, c.objectName]));
  const plan = planRetention(view, policy, ROOMY_DISK, now);
  const result: CloudRetentionResult = { plan, deletedCloud: 0, forgotten: 0 };
  const failed = new Set<string>();

  for (const id of plan.deleteCloud) {
    if (!cloudReachable) {
      failed.add(id);
      continue;
    }
    const name = names.get(id)!;
    try {
      // The manifest first: a clip object without its manifest is skipped by restore, the
      // other way round a restore would index a clip it cannot play.
      await deps.target.remove(`${name}.plm`);
      await deps.target.remove(`${name}.plc`);
      copies.markCloudDeleted(id, now);
      result.deletedCloud += 1;
    } catch (err) {
      failed.add(id);
      log.warn({ clipId: id, err: (err as Error).message }, 'retention could not delete a cloud copy; it will try again');
    }
  }

  for (const id of plan.forget) {
    if (failed.has(id)) continue;
    if (copies.forgetIfNoCopy(id)) result.forgotten += 1;
  }
  if (result.deletedCloud + result.forgotten > 0) {
    log.info({ deletedCloud: result.deletedCloud, forgotten: result.forgotten }, 'cloud retention applied');
  }
  return result;
}

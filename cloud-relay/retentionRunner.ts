import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RetentionConfig } from '../common/config';
import type { Logger } from '../common/logger';
import { planRetention, type RetentionPlan } from './retention';
import type { UploadQueue } from './uploadQueue';
import type { UploadTarget } from '../common/cloud/uploadTarget';

export interface RetentionDeps {
  queue: UploadQueue;
  clipsDir: string;
  target: UploadTarget;
  log: Logger;
  /** Free bytes on the disk that holds the clips. */
  freeBytes(): Promise<number>;
  /** A clip that was never uploaded had to go to keep the disk from filling: audit it and tell the owner. */
  onLost(clipId: string, bytes: number): Promise<void>;
  /** The hub's sealed thumbnails: footage too, so one goes with the local copy of its clip. */
  thumbsDir?: string;
}

export interface RetentionResult {
  plan: RetentionPlan;
  deletedLocal: number;
  deletedCloud: number;
  forgotten: number;
}

export async function diskFreeBytes(dir: string): Promise<number> {
  const st = await fs.statfs(dir);
  return st.bavail * st.bsize;
}

/**
 * Applies one retention plan. Local copies of uploaded clips are deleted only after the
 * queue confirms — read again now, not from the plan — that the upload was verified; cloud
 * deletions are skipped while the target is unreachable and come back on the next run.
 */
export async function runRetention(deps: RetentionDeps, policy: RetentionConfig, now: number, cloudReachable: boolean): Promise<RetentionResult> {
  const { queue, log } = deps;
  const view = queue.retentionView();
  const names = new Map(view.map((c) => [c.id, c.objectName]));
  const plan = planRetention(view, policy, await deps.freeBytes(), now);
  const result: RetentionResult = { plan, deletedLocal: 0, deletedCloud: 0, forgotten: 0 };
  const failed = new Set<string>();

  for (const d of plan.deleteLocal) {
    if (d.uploaded && !queue.isUploaded(d.id)) {
      failed.add(d.id);
      continue;
    }
    try {
      await fs.rm(path.join(deps.clipsDir, `${d.id}.plc`), { force: true });
    } catch (err) {
      failed.add(d.id);
      log.error({ clipId: d.id, err: (err as Error).message }, 'retention could not delete a local clip (is the disk read-only?)');
      continue;
    }
    queue.markLocalDeleted(d.id, now);
    if (deps.thumbsDir) await fs.rm(path.join(deps.thumbsDir, d.id), { force: true }).catch(() => undefined);
    result.deletedLocal += 1;
    if (!d.uploaded) await deps.onLost(d.id, d.bytes);
  }

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
      queue.markCloudDeleted(id, now);
      result.deletedCloud += 1;
    } catch (err) {
      failed.add(id);
      log.warn({ clipId: id, err: (err as Error).message }, 'retention could not delete a cloud copy; it will try again');
    }
  }

  for (const id of plan.forget) {
    if (failed.has(id)) continue;
    queue.forget(id);
    result.forgotten += 1;
  }
  if (result.deletedLocal + result.deletedCloud > 0) {
    log.info({ deletedLocal: result.deletedLocal, deletedCloud: result.deletedCloud, localBytes: plan.localBytesAfter, overQuota: plan.overQuota }, 'retention applied');
  }
  return result;
}

/*
 * Which spooled clips go when the camera's disk budget (agent.recording.maxSpoolBytes) is
 * exceeded. Policy only, no I/O: the spool measures, this decides, the spool deletes.
 *
 * The newest footage is kept: finished clips are dropped oldest first until what remains,
 * together with the clip still being written and anything that cannot be dropped, fits.
 * A clip being uploaded is never dropped (deleting it under the upload would leave the
 * hub with a clip the camera counted as lost); the next-oldest goes instead.
 */

export interface BudgetClip {
  id: string;
  bytes: number;
  /** Wall-clock ms of the clip's first frame: the age that decides. */
  startedAt: number;
}

export interface BudgetInput {
  /** Finished clips waiting for the hub, in any order. */
  clips: readonly BudgetClip[];
  /** Bytes that count against the budget but cannot be dropped: clips still being written, clips set aside for a person. */
  fixedBytes: number;
  maxBytes: number;
  /** Clips that must stay (mid-upload). */
  keep: ReadonlySet<string>;
}

export interface BudgetPlan {
  /** Clips to delete, oldest first. */
  drop: BudgetClip[];
  /** Bytes counted before and after the drops. */
  usedBytes: number;
  bytesAfter: number;
  /** Still over budget after every droppable clip is gone (the clip being written alone is larger). */
  stillOver: boolean;
}

export function planSpoolDrops(input: BudgetInput): BudgetPlan {
  const { clips, fixedBytes, maxBytes, keep } = input;
  if (!Number.isFinite(maxBytes) || maxBytes <= 0) throw new RangeError(`maxSpoolBytes must be a positive number of bytes, not ${maxBytes}`);
  if (!Number.isFinite(fixedBytes) || fixedBytes < 0) throw new RangeError(`fixed spool bytes must be zero or more, not ${fixedBytes}`);
  const usedBytes = clips.reduce((sum, c) => sum + c.bytes, fixedBytes);
  const oldestFirst = [...clips].sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const drop: BudgetClip[] = [];
  let bytesAfter = usedBytes;
  for (const clip of oldestFirst) {
    if (bytesAfter <= maxBytes) break;
    if (keep.has(clip.id)) continue;
    drop.push(clip);
    bytesAfter -= clip.bytes;
  }
  return { drop, usedBytes, bytesAfter, stillOver: bytesAfter > maxBytes };
}

/*
 * Retention: which copies of which clips go on one pass. Pure (the clock and the free disk
 * space come in as arguments) so a plan can be logged or dry-run before any file or bucket
 * object is touched, and so every rule is testable without either.
 *
 * Two processes apply halves of the same plan, each to the copies it owns (docs/relay.md,
 * "Who deletes what"): the hub applies deleteLocal and lost (hub/localRetention.ts), so its
 * disk stays protected when the relay is down; the relay applies deleteCloud and forget
 * (cloud-relay/retentionRunner.ts).
 *
 * Rules, applied in this order to one snapshot of the clips:
 *  1. Cloud age: an uploaded clip with startedAt < now − cloudDays·86400000 loses its cloud
 *     copy (object + manifest) → deleteCloud.
 *  2. Local age: a clip with a local copy that is uploaded and has startedAt <
 *     now − localDays·86400000 loses its local copy (reason 'age'). A clip not yet uploaded is
 *     never deleted for age: its local file is the only copy, and it leaves once uploaded.
 *  3. Quota: while the local copies left exceed localQuotaBytes, the oldest local copy of an
 *     uploaded clip goes ('quota'), stopping as soon as the total is at or under the quota.
 *     Clips not yet uploaded are never deleted for the quota alone; if only they remain over
 *     it, overQuota says so and the caller warns rather than deletes.
 *  4. Disk: free space after the plan is freeBytes plus the bytes deleted so far. While it is
 *     below minFreeBytes, the oldest remaining local copy of an uploaded clip goes
 *     ('disk-full'); only when none is left does the oldest clip not yet uploaded go
 *     ('disk-full', listed in `lost`). A full disk stops the cameras recording, and new
 *     footage is worth more than the oldest footage nobody has backed up yet. But clips not
 *     yet uploaded go only if deleting all of them would get the space back: otherwise
 *     something else fills the disk, and they are kept.
 *  5. Oldest-first is by startedAt, then by id for ties. Every output list is in that order,
 *     whatever the input order, and a clip appears at most once in deleteLocal.
 *  6. forget: clips with neither a local nor a cloud copy after the plan.
 *  7. The policy is validated: a negative or non-finite number, or localDays / cloudDays
 *     below 1, throws a RangeError naming the field.
 *
 * "Uploaded" is the input's flag. A clip whose cloud copy expires in this same plan still
 * counts as uploaded for rules 3 and 4: its backup lived out the owner's cloudDays, so losing
 * the local copy too is retention, not loss, and it shows up in forget rather than lost.
 */

export interface RetentionPolicy {
  localDays: number; // keep the local copy of an UPLOADED clip this many days
  cloudDays: number; // keep the cloud copy this many days
  localQuotaBytes: number; // size limit of the local clip store (soft for clips not yet uploaded)
  minFreeBytes: number; // disk space to keep free; below it even clips not yet uploaded may go
}

export interface RetentionClip {
  id: string;
  startedAt: number; // ms since epoch
  bytes: number; // size of the local copy (encrypted file)
  local: boolean; // the local copy still exists
  uploaded: boolean; // upload verified in the cloud (and not yet deleted there)
}

export type LocalReason = 'age' | 'quota' | 'disk-full';

export interface RetentionPlan {
  deleteLocal: Array<{ id: string; bytes: number; reason: LocalReason; uploaded: boolean }>;
  deleteCloud: string[]; // ids whose cloud copy (object + manifest) is past cloudDays
  lost: string[]; // ids deleted locally that were NOT uploaded (the caller audits these and warns the owner)
  forget: string[]; // ids with no copy left anywhere after the plan (the caller drops their index rows)
  localBytesAfter: number; // bytes of local copies left after the plan
  overQuota: boolean; // still above localQuotaBytes after the plan (only clips not yet uploaded remain over it)
}

const DAY_MS = 86_400_000;

// Code-unit comparison, not localeCompare: the order must not depend on the Pi's locale.
function oldestFirst(a: RetentionClip, b: RetentionClip): number {
  if (a.startedAt !== b.startedAt) return a.startedAt - b.startedAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function validatePolicy(policy: RetentionPolicy): void {
  const fields: Array<[keyof RetentionPolicy, number]> = [
    ['localDays', 1],
    ['cloudDays', 1],
    ['localQuotaBytes', 0],
    ['minFreeBytes', 0],
  ];
  for (const [field, min] of fields) {
    const value: unknown = policy[field];
    // typeof guards a config value that arrived as a string, which isFinite alone would let through as NaN later.
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new RangeError(`retention policy: ${field} must be a finite number >= ${min}, got ${String(value)}`);
    }
  }
}

export function planRetention(clips: readonly RetentionClip[], policy: RetentionPolicy, freeBytes: number, now: number): RetentionPlan {
  validatePolicy(policy);
  // A NaN here would make every comparison false: no age deletions, no disk protection, silently.
  if (!Number.isFinite(freeBytes)) throw new RangeError(`retention: freeBytes must be finite, got ${freeBytes}`);
  if (!Number.isFinite(now)) throw new RangeError(`retention: now must be finite, got ${now}`);

  const sorted = [...clips].sort(oldestFirst);
  const localCutoff = now - policy.localDays * DAY_MS;
  const cloudCutoff = now - policy.cloudDays * DAY_MS;

  // Indexed like `sorted`; one slot per clip is what keeps a clip to one deleteLocal entry.
  const reasons = new Array<LocalReason | undefined>(sorted.length);
  let localBytes = 0;
  let freedBytes = 0;
  for (const c of sorted) if (c.local) localBytes += c.bytes;

  const remove = (i: number, c: RetentionClip, reason: LocalReason): void => {
    reasons[i] = reason;
    localBytes -= c.bytes;
    freedBytes += c.bytes;
  };

  sorted.forEach((c, i) => {
    if (c.local && c.uploaded && c.startedAt < localCutoff) remove(i, c, 'age');
  });

  sorted.forEach((c, i) => {
    if (localBytes > policy.localQuotaBytes && c.local && c.uploaded && reasons[i] === undefined) remove(i, c, 'quota');
  });

  // Two sweeps rather than one: every uploaded copy, however new, goes before any clip that
  // exists nowhere else.
  sorted.forEach((c, i) => {
    if (freeBytes + freedBytes < policy.minFreeBytes && c.local && c.uploaded && reasons[i] === undefined) remove(i, c, 'disk-full');
  });
  // Clips that exist nowhere else go only when that is enough to get the space back: when even
  // all of them would not, something else (logs, another program) fills the disk, and wiping
  // the household's only copies would not save the recording.
  let notUploaded = 0;
  sorted.forEach((c, i) => {
    if (c.local && !c.uploaded && reasons[i] === undefined) notUploaded += c.bytes;
  });
  if (freeBytes + freedBytes + notUploaded >= policy.minFreeBytes) {
    sorted.forEach((c, i) => {
      if (freeBytes + freedBytes < policy.minFreeBytes && c.local && !c.uploaded && reasons[i] === undefined) remove(i, c, 'disk-full');
    });
  }

  const plan: RetentionPlan = { deleteLocal: [], deleteCloud: [], lost: [], forget: [], localBytesAfter: localBytes, overQuota: localBytes > policy.localQuotaBytes };
  sorted.forEach((c, i) => {
    const reason = reasons[i];
    const cloudExpired = c.uploaded && c.startedAt < cloudCutoff;
    if (cloudExpired) plan.deleteCloud.push(c.id);
    if (reason !== undefined) {
      plan.deleteLocal.push({ id: c.id, bytes: c.bytes, reason, uploaded: c.uploaded });
      if (!c.uploaded) plan.lost.push(c.id);
    }
    const hasLocal = c.local && reason === undefined;
    const hasCloud = c.uploaded && !cloudExpired;
    if (!hasLocal && !hasCloud) plan.forget.push(c.id);
  });
  return plan;
}

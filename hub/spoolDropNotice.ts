import type { SpoolDropReport } from '../common/api/spoolDrops';
import type { AuditLog } from '../common/auditLog';
import type { DB } from '../common/database';
import type { Logger } from '../common/logger';
import type { Mailer } from '../common/mailer';
import { notifyOwners } from '../common/notices';

/*
 * A camera reporting that its spool budget (agent.recording.maxSpoolBytes) made it drop
 * clips while the hub could not take them: one audit entry (device.clips_dropped), one log
 * line and a notice (and mail) to every owner. A resent report (same id) is recorded once.
 */

/** "41 MB", "512 kB", "1.2 GB": decimal units, as disks are sold. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`a byte count must be zero or more, not ${bytes}`);
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'] as const;
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.5 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value < 9.95 ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value)} ${units[unit]}`;
}

/** "6 h 12 min", "3 min", "45 s", "2 d 4 h": the two largest units, rounded down. */
export function formatOutage(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a duration must be zero or more, not ${ms}`);
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** The owner's notice: "porch dropped 3 clips, 41 MB, while the hub was unreachable for 6 h 12 min". */
export function droppedClipsMessage(camera: string, report: SpoolDropReport): string {
  const clips = `${report.droppedClips} ${report.droppedClips === 1 ? 'clip' : 'clips'}`;
  const why = report.reason === 'hub-full' ? "the hub's disk could not take clips" : 'the hub was unreachable';
  return `${camera} dropped ${clips}, ${formatBytes(report.droppedBytes)}, while ${why} for ${formatOutage(Math.max(0, report.until - report.since))}.`;
}

export const CLIPS_DROPPED_ACTION = 'device.clips_dropped';

export interface SpoolDropDeps {
  db: DB;
  audit: AuditLog;
  mailer: Mailer;
  log: Logger;
  now: () => number;
}

/** Records a camera's report; false when that report was recorded before. */
export async function recordSpoolDrops(deps: SpoolDropDeps, device: { id: string; name: string }, report: SpoolDropReport): Promise<boolean> {
  const { db, audit, mailer, log, now } = deps;
  if (report.until < report.since) throw new RangeError('the outage ends before it starts');
  const seen = db.prepare("SELECT 1 FROM audit_log WHERE action = ? AND target = ? AND json_extract(detail, '$.reportId') = ?").get(CLIPS_DROPPED_ACTION, `device:${device.id}`, report.reportId);
  if (seen) return false;
  const detail = { reportId: report.reportId, clips: report.droppedClips, bytes: report.droppedBytes, since: report.since, until: report.until, reason: report.reason };
  audit.append({ actor: `device:${device.id}`, action: CLIPS_DROPPED_ACTION, target: `device:${device.id}`, detail }, now());
  const message = droppedClipsMessage(device.name, report);
  log.warn({ device: device.name, ...detail }, `camera dropped clips its disk could not hold: ${message}`);
  await notifyOwners(db, mailer, log, { kind: 'clips-dropped', subject: `Porchlight: ${device.name} dropped clips`, message: `${message} Its disk budget (agent.recording.maxSpoolBytes) was full, so the oldest clips waiting were deleted to keep recording.` }, now());
  return true;
}

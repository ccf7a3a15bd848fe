import { CAMERA_STATE_WORDS } from '../common/api/cameraStateWords';
import type { AuditLog } from '../common/auditLog';
import type { DB } from '../common/database';
import type { Logger } from '../common/logger';
import type { Mailer } from '../common/mailer';
import { notifyOwners } from '../common/notices';
import type { CameraDownNotice } from './cameraHealthBoard';
import { getDevice } from './devices';

/** What the hub does about a camera down too long, and about its recovery: an audit entry, a log line, a notice (and mail) to every owner. */
export function reportCameraDown(deps: { db: DB; audit: AuditLog; mailer: Mailer; log: Logger; now: () => number }) {
  const { db, audit, mailer, log, now } = deps;
  return (n: CameraDownNotice): void => {
    const device = getDevice(db, n.deviceId);
    if (!device || device.revoked) return;
    const minutes = Math.max(1, Math.round((now() - n.downSince) / 60_000));
    let subject: string;
    let message: string;
    if (n.kind === 'down') {
      const words = n.report ? CAMERA_STATE_WORDS[n.report.state] : null;
      const why = words ? `${words.label}. ${words.fix}` : 'It is not connected to the hub: check that the camera agent has power and network.';
      subject = `Camera ${device.name} has not recorded for ${minutes} minutes`;
      message = `Camera ${device.name} has sent no video for ${minutes} minutes, so nothing it sees is recorded. ${why}`;
    } else {
      subject = `Camera ${device.name} is recording again`;
      message = `Camera ${device.name} sends video again after about ${minutes} minutes without.`;
    }
    audit.append({ actor: 'system', action: n.kind === 'down' ? 'camera.down' : 'camera.recovered', target: `device:${device.id}`, detail: { minutes, state: n.kind === 'down' ? (n.report?.state ?? 'offline') : 'streaming' } }, now());
    log.warn({ device: device.name, kind: n.kind, minutes }, n.kind === 'down' ? 'camera down; owners told' : 'camera recovered; owners told');
    void notifyOwners(db, mailer, log, { kind: n.kind === 'down' ? 'camera-down' : 'camera-recovered', subject, message }, now()).catch((err: Error) => log.warn({ err: err.message }, 'could not record the camera notice'));
  };
}

import { EventEmitter } from 'node:events';
import type { CameraHealthReport } from '../common/api/cameraHealth';

/*
 * What the hub knows of each camera's video: the last health report of its agent, kept in
 * memory (an agent sends its health again each time its channel opens, so a restarted hub
 * learns it within seconds). A camera counts as down while its report is anything but
 * `streaming` or its channel is closed; down longer than the notice limit, the owners are
 * told once, and told again when it recovers.
 */

export type CameraDownNotice = { kind: 'down'; deviceId: string; downSince: number; report: CameraHealthReport | null } | { kind: 'recovered'; deviceId: string; downSince: number };

interface Down {
  since: number;
  noticed: boolean;
}

export class CameraHealthBoard extends EventEmitter<{ change: [string] }> {
  private readonly reports = new Map<string, CameraHealthReport>();
  private readonly down = new Map<string, Down>();

  constructor(
    private readonly noticeAfterMs: number,
    private readonly now: () => number,
    private readonly notify: (notice: CameraDownNotice) => void,
  ) {
    super();
    if (!Number.isFinite(noticeAfterMs) || noticeAfterMs <= 0) throw new Error(`camera health: the down-notice delay must be a positive number of ms, got ${noticeAfterMs}`);
  }

  get(deviceId: string): CameraHealthReport | null {
    return this.reports.get(deviceId) ?? null;
  }

  /** True when the camera's agent reported video arriving (or has not reported yet). */
  streaming(deviceId: string): boolean {
    const r = this.reports.get(deviceId);
    return !r || r.state === 'streaming';
  }

  report(deviceId: string, report: CameraHealthReport): void {
    this.reports.set(deviceId, report);
    if (report.state === 'streaming') this.up(deviceId);
    else this.markDown(deviceId);
    this.emit('change', deviceId);
  }

  /** The camera's channel closed: what it last said no longer holds, and it counts as down. */
  offline(deviceId: string): void {
    this.reports.delete(deviceId);
    this.markDown(deviceId);
    this.emit('change', deviceId);
  }

  /** Called on a timer: tells the owners of cameras down longer than the limit, once each. */
  check(): void {
    const now = this.now();
    for (const [deviceId, d] of this.down) {
      if (d.noticed || now - d.since < this.noticeAfterMs) continue;
      d.noticed = true;
      this.notify({ kind: 'down', deviceId, downSince: d.since, report: this.get(deviceId) });
    }
  }

  /** A camera no longer paired is no longer watched. */
  forget(deviceId: string): void {
    this.reports.delete(deviceId);
    this.down.delete(deviceId);
  }

  private markDown(deviceId: string): void {
    if (!this.down.has(deviceId)) this.down.set(deviceId, { since: this.now(), noticed: false });
  }

  private up(deviceId: string): void {
    const d = this.down.get(deviceId);
    this.down.delete(deviceId);
    if (d?.noticed) this.notify({ kind: 'recovered', deviceId, downSince: d.since });
  }
}

import type { EventEmitter } from 'node:events';
import type { Logger } from '../common/logger';
import type { CameraHealthReport } from '../common/api/cameraHealth';
import type { HealthSnapshot } from './cameraHealth';
import type { CaptureEvents } from './capture';

/*
 * The camera's health, told to the hub. The hub keeps health in memory only, so it hears the
 * state on every change and again each time the device channel opens (its "hello"): a hub that
 * restarted knows the camera's state without waiting for the next change.
 */

/** What reports the camera's health (Capture). */
export type HealthFeed = Pick<EventEmitter<CaptureEvents>, 'on'> & { healthNow(): HealthSnapshot };

/** The hub's channel, for its "hello" (DeviceChannel). */
export interface ChannelHello {
  on(event: 'hello', handler: (data: string) => void): unknown;
}

/** Where reports go (HubClient). */
export interface HealthSink {
  sendHealth(report: CameraHealthReport): Promise<void>;
}

/** The longest failure detail the hub accepts. */
export const MAX_HEALTH_DETAIL = 500;

/** What the hub is told of a snapshot: its report, the detail cut to what the hub accepts. */
export function healthReport(h: HealthSnapshot): CameraHealthReport {
  return { state: h.state, since: h.since, failures: h.failures, detail: h.detail?.slice(0, MAX_HEALTH_DETAIL) ?? null };
}

/** Sends the health on every change of `feed` and on every hello of `channel`. */
export function reportHealth(feed: HealthFeed, channel: ChannelHello, sink: HealthSink, log: Logger): void {
  const send = (h: HealthSnapshot) => void sink.sendHealth(healthReport(h)).catch((err: Error) => log.debug({ err: err.message }, 'health not sent'));
  feed.on('health', send);
  channel.on('hello', () => send(feed.healthNow()));
}

import { wallClock } from './arming/schedule';

/*
 * The name a downloaded clip is saved under: the camera and the home's local time it started,
 * "porch-2026-11-22_14-03-05.mp4", so a folder of downloads sorts by camera then by time and
 * reads the way the timeline shows it. Characters a file system or a Content-Disposition header
 * could trip over become "_".
 */
export function clipFileName(deviceName: string, startedAt: number, timeZone: string): string {
  // The home's wall clock written as if it were UTC: "2026-11-22T14:03:05.000Z".
  const local = new Date(wallClock(startedAt, timeZone)).toISOString();
  const camera = deviceName.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[._]+/, '') || 'camera';
  return `${camera}-${local.slice(0, 10)}_${local.slice(11, 19).replace(/:/g, '-')}.mp4`;
}

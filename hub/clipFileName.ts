/*
 * The name a downloaded clip is saved under: the camera and the home's local time it started,
 * "porch-2026-11-22_14-03-05.mp4", so a folder of downloads sorts by camera then by time and
 * reads the way the timeline shows it. Characters a file system or a Content-Disposition header
 * could trip over become "_".
 */
export function clipFileName(deviceName: string, startedAt: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(startedAt);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  const camera = deviceName.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[._]+/, '') || 'camera';
  return `${camera}-${get('year')}-${get('month')}-${get('day')}_${get('hour')}-${get('minute')}-${get('second')}.mp4`;
}

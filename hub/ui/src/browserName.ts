/*
 * A device's name in words from its browser's User-Agent ("Chrome on Android"), the default
 * name a device gets when it asks for notifications, and whether it is an iPhone or iPad
 * (whose Safari allows push only to an app added to the home screen). No DOM: unit-tested.
 */

export function isIos(userAgent: string, maxTouchPoints = 0): boolean {
  // iPadOS asks for desktop sites and says "Macintosh": a touch screen gives it away.
  return /iPhone|iPad|iPod/.test(userAgent) || (/Macintosh/.test(userAgent) && maxTouchPoints > 1);
}

function browserOf(ua: string): string {
  if (/EdgA?\//.test(ua)) return 'Edge';
  if (/SamsungBrowser\//.test(ua)) return 'Samsung Internet';
  if (/OPR\/|Opera/.test(ua)) return 'Opera';
  if (/Firefox\/|FxiOS\//.test(ua)) return 'Firefox';
  if (/CriOS\//.test(ua)) return 'Chrome';
  if (/Chrom(e|ium)\//.test(ua)) return 'Chrome';
  if (/Safari\//.test(ua)) return 'Safari';
  return 'Browser';
}

function systemOf(ua: string, maxTouchPoints: number): string {
  if (/iPad/.test(ua) || (/Macintosh/.test(ua) && maxTouchPoints > 1)) return 'iPad';
  if (/iPhone|iPod/.test(ua)) return 'iPhone';
  if (/Android/.test(ua)) return 'Android';
  if (/CrOS/.test(ua)) return 'ChromeOS';
  if (/Windows/.test(ua)) return 'Windows';
  if (/Macintosh|Mac OS X/.test(ua)) return 'Mac';
  if (/Linux/.test(ua)) return 'Linux';
  return '';
}

/** "Chrome on Android", "Safari on iPhone", "Firefox on Windows"; at most 60 characters (the hub's limit). */
export function deviceName(userAgent: string, maxTouchPoints = 0): string {
  const system = systemOf(userAgent, maxTouchPoints);
  const browser = browserOf(userAgent);
  return (system ? `${browser} on ${system}` : browser === 'Browser' ? 'This device' : browser).slice(0, 60);
}

/** Which vendor a push service's origin belongs to, in words, for the device list. */
export function pushVendor(origin: string): string {
  let host: string;
  try {
    host = new URL(origin).hostname;
  } catch {
    return origin;
  }
  if (host === 'fcm.googleapis.com' || host.endsWith('.googleapis.com')) return 'Google (Chrome, Edge, Android)';
  if (host.endsWith('.mozilla.com')) return 'Mozilla (Firefox)';
  if (host.endsWith('.push.apple.com')) return 'Apple (Safari)';
  if (host.endsWith('.notify.windows.com')) return 'Microsoft';
  return host;
}

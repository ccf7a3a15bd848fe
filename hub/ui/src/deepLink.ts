/*
 * The page's address: `#/view`, optionally with a camera and a moment, as notifications link
 * them (hub/alerts.ts): `#/live?camera=<id>` opens that camera live, `#/timeline?camera=<id>&at=<ms>`
 * the clip of that moment. Pure, so what a link opens is tested without a browser.
 */

export interface DeepLink {
  /** The page (its `view`), '' for the user's first page. */
  view: string;
  camera: string | null;
  /** A moment (ms since the epoch). */
  at: number | null;
}

/** Names a link may use for a page whose view is called otherwise. */
const ALIASES: Record<string, string> = { timeline: 'clips' };

/** Camera ids are the hub's UUIDs; anything else in a link is ignored rather than trusted. */
const CAMERA_ID = /^[A-Za-z0-9_-]{1,100}$/;
/** 2001 to 2286: a moment in milliseconds (a value in seconds would be read as 1970). */
const MIN_AT = 1_000_000_000_000;
const MAX_AT = 9_999_999_999_999;

export function parseDeepLink(hash: string): DeepLink {
  const m = /^#\/([a-z-]*)(?:\?(.*))?$/.exec(hash);
  if (!m) return { view: '', camera: null, at: null };
  const name = m[1] ?? '';
  const view = ALIASES[name] ?? name;
  const query = new URLSearchParams(m[2] ?? '');
  const camera = query.get('camera');
  const atText = query.get('at');
  const at = atText !== null && /^\d{1,16}$/.test(atText) ? Number(atText) : NaN;
  return {
    view,
    camera: camera !== null && CAMERA_ID.test(camera) ? camera : null,
    at: Number.isSafeInteger(at) && at >= MIN_AT && at <= MAX_AT ? at : null,
  };
}

/** The clip a moment falls in, else the nearest one that began within `slackMs` of it. */
export function clipAt<T extends { startedAt: number; endedAt: number }>(clips: readonly T[], at: number, slackMs = 60_000): T | null {
  const inside = clips.find((c) => c.startedAt <= at && at <= c.endedAt);
  if (inside) return inside;
  let best: T | null = null;
  for (const c of clips) {
    const gap = Math.abs(c.startedAt - at);
    if (gap <= slackMs && (!best || gap < Math.abs(best.startedAt - at))) best = c;
  }
  return best;
}

/** The home's calendar day (YYYY-MM-DD) of a moment, in its time zone. */
export function dayIn(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(ms);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The address part (#/…) of a link on this page ("/#/live?camera=…"); '#/' when it names none. */
export function hashOf(url: string): string {
  const i = url.indexOf('#');
  return i === -1 ? '#/' : url.slice(i);
}

/*
 * What a push message shows. The hub's payload is JSON {title, body, url, kind, at}
 * (common/api/push.ts PushPayload); anything else still shows a plain "Porchlight" notice,
 * because a push that shows nothing is one browsers count against the site (Chrome shows its own
 * "updated in the background" notice, and Safari revokes the subscription after a few).
 * Pure: the service worker and the tests both use it.
 */

export interface ShownNotice {
  title: string;
  body: string;
  /** Repeats of the same kind about the same camera replace each other instead of piling up. */
  tag: string;
  /** Where a tap leads: always a path on the hub's own page. */
  url: string;
  /** When it happened (ms), when the payload said. */
  timestamp?: number;
  /** The owner's opt-in picture (docs/phone.md, "Pictures in notifications"): a JPEG data: URL. */
  image?: string;
}

export const GENERIC_NOTICE: ShownNotice = { title: 'Porchlight', body: 'Something happened at home: open Porchlight to see.', tag: 'porchlight', url: '/' };

const MAX_TITLE = 200;
const MAX_BODY = 1000;
/** A whole push record is at most 4096 bytes, so no honest picture is longer. */
const MAX_IMAGE = 4096;

/**
 * Only a JPEG carried in the payload itself: a picture URL would make the phone fetch it from
 * wherever it points (telling that server when the home had motion), and another type could be
 * something the notification renderer should not be handed.
 */
export function safeImage(image: unknown): string | null {
  if (typeof image !== 'string' || image.length > MAX_IMAGE) return null;
  return /^data:image\/jpeg;base64,[A-Za-z0-9+/]+={0,2}$/.test(image) ? image : null;
}

/**
 * A path on this page only: a payload's link must not send a tap to another site (a key leak
 * or a bug in the hub would otherwise make a trusted-looking notice open anything).
 */
export function safeLink(url: unknown): string | null {
  if (typeof url !== 'string' || url.length > 2000) return null;
  // The URL parser drops tabs and newlines and reads \ as /, so "/\t/evil.example" would be
  // //evil.example by the time a window opens it: no control characters, spaces or backslashes.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (!url.startsWith('/') || url.startsWith('//') || /[\u0000-\u0020\\\u007f]/.test(url)) return null;
  // And what the browser will open is checked, not only the text: same origin, or refused.
  const base = 'https://hub.invalid';
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    return null;
  }
  return parsed.origin === base ? parsed.pathname + parsed.search + parsed.hash : null;
}

/** The camera a link is about (`#/live?camera=…`), to tag its notices. */
function cameraOf(url: string): string | null {
  const query = url.split('?')[1];
  if (!query) return null;
  return new URLSearchParams(query).get('camera');
}

export function noticeFromPush(text: string | null): ShownNotice {
  if (text === null) return GENERIC_NOTICE;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return GENERIC_NOTICE;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return GENERIC_NOTICE;
  const p = data as Record<string, unknown>;
  if (typeof p.title !== 'string' || !p.title.trim()) return GENERIC_NOTICE;
  const url = safeLink(p.url) ?? '/';
  const kind = typeof p.kind === 'string' && /^[a-z0-9._-]{1,40}$/i.test(p.kind) ? p.kind : 'notice';
  const camera = cameraOf(url);
  const notice: ShownNotice = {
    title: p.title.slice(0, MAX_TITLE),
    body: typeof p.body === 'string' ? p.body.slice(0, MAX_BODY) : '',
    tag: camera ? `${kind}:${camera}` : kind,
    url,
  };
  if (typeof p.at === 'number' && Number.isFinite(p.at) && p.at > 0) notice.timestamp = p.at;
  const image = safeImage(p.image);
  if (image) notice.image = image;
  return notice;
}

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
}

export const GENERIC_NOTICE: ShownNotice = { title: 'Porchlight', body: 'Something happened at home: open Porchlight to see.', tag: 'porchlight', url: '/' };

const MAX_TITLE = 200;
const MAX_BODY = 1000;

/**
 * A path on this page only: a payload's link must not send a tap to another site (a key leak
 * or a bug in the hub would otherwise make a trusted-looking notice open anything).
 */
export function safeLink(url: unknown): string | null {
  if (typeof url !== 'string' || url.length > 2000) return null;
  if (!url.startsWith('/') || url.startsWith('//') || url.includes('\\')) return null;
  return url;
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
  return notice;
}

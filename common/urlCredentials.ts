/*
 * Credentials written into a URL (`rtsp://user:password@camera/…`) kept out of what is
 * shown. Any process may hold such text: ffmpeg repeats its input URL in its errors, and an
 * installer may paste a camera's URL with its password into a config. Everything between
 * `scheme://` and the last `@` of the same word goes, so a password with an unescaped `/`
 * or `@` in it goes too; a path holding an `@` loses its host as well, which hides more
 * than needed but never too little.
 */

const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>]*@/gi;

/** `text` with the user name and password of every URL in it replaced by `***`. */
export function maskUrlCredentials(text: string): string {
  return text.replace(USERINFO, '$1***@');
}

/** `text` with URL credentials masked and each of `secrets` (wherever it appears) replaced by `***`; longest first, so one holding another goes whole. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = maskUrlCredentials(text);
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s) out = out.split(s).join('***');
  return out;
}

/** The password a URL carries (decoded, and as written), for scrubbing it wherever else it appears. */
export function urlPasswords(url: string): string[] {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^\s]*)@/i.exec(url);
  if (!m) return [];
  const userinfo = m[1]!;
  const colon = userinfo.indexOf(':');
  if (colon < 0) return [];
  const raw = userinfo.slice(colon + 1);
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    /* not percent-encoded */
  }
  return [...new Set([raw, decoded])].filter((p) => p.length > 0);
}

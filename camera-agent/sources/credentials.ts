import { promises as fs } from 'node:fs';
import YAML from 'yaml';
import { SourceError } from '../sourceErrors';
import { maskSecrets } from '../../common/urlCredentials';

/*
 * An RTSP camera's user name and password. They live in their own file (mode 0600, like the
 * project's other secret files), never in the config, and enter the camera's URL only inside
 * the argument list handed to ffmpeg or ffprobe: descriptions, logs, errors, the hub and
 * `doctor` see the URL without them. ffmpeg echoes URLs in its errors, so whatever of its
 * output is shown passes through redactCredentials first.
 */

export interface Credentials {
  user: string;
  password: string;
}

/** Reads `user:password` on one line, or YAML/JSON with `username` (or `user`) and `password`. */
export function parseCredentials(text: string, file: string): Credentials {
  const trimmed = text.trim();
  if (!trimmed) throw new SourceError(`the camera credentials file ${file} is empty`);
  if (!trimmed.includes('\n') && !/^[{]/.test(trimmed) && !/^\w+\s*:\s/.test(trimmed)) {
    const at = trimmed.indexOf(':');
    if (at <= 0) throw new SourceError(`the camera credentials file ${file} must hold user:password, or username and password as YAML`);
    return { user: trimmed.slice(0, at), password: trimmed.slice(at + 1) };
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(trimmed);
  } catch {
    throw new SourceError(`the camera credentials file ${file} is neither user:password nor YAML/JSON`);
  }
  const c = parsed as { username?: unknown; user?: unknown; password?: unknown } | null;
  const user = c?.username ?? c?.user;
  if (typeof user !== 'string' || !user || (typeof c?.password !== 'string' && typeof c?.password !== 'number')) {
    throw new SourceError(`the camera credentials file ${file} must have a username and a password`);
  }
  return { user, password: String(c.password) };
}

/** Reads the file a source's `credentialsFile` names, refusing one that others may read. */
export async function readCredentials(file: string): Promise<Credentials> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (err) {
    throw new SourceError(`cannot read the camera credentials file ${file} (setting "agent.rtsp.credentialsFile"): ${(err as Error).message}`);
  }
  if ((stat.mode & 0o077) !== 0) {
    throw new SourceError(`the camera credentials file ${file} may be read by others (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 ${file}`);
  }
  return parseCredentials(await fs.readFile(file, 'utf8'), file);
}

/** The URL with the credentials in it: for ffmpeg's and ffprobe's argument lists only. */
export function urlWithCredentials(url: string, credentials: Credentials | undefined): string {
  if (!credentials) return url;
  const u = new URL(url);
  u.username = encodeURIComponent(credentials.user);
  u.password = encodeURIComponent(credentials.password);
  return u.toString();
}

/** The URL as it may be shown: any user and password taken out. */
export function urlForDisplay(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    // Not a URL Node can parse, so not one word either: all before its last `@` goes.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/is, '$1***@');
  }
}

/**
 * Text (ffmpeg's stderr, an error message) with every `user:password@` of a URL taken out,
 * and the password itself wherever else it appears (ffmpeg may print it decoded).
 */
export function redactCredentials(text: string, credentials?: Credentials): string {
  // Up to the last `@`: a password may hold an unescaped `/` or `@`.
  return maskSecrets(text, credentials?.password ? [credentials.password, encodeURIComponent(credentials.password)] : []);
}

import { promises as fs } from 'node:fs';
import { parseCredentials } from '../../camera-agent/sources/credentials';
import { maskSecrets, urlPasswords } from '../../common/urlCredentials';
import type { Finding } from './checks';

/*
 * What `porchlight doctor` must never print: the cameras' passwords. Doctor shows what it
 * found, including config errors and ffprobe's words, whose wording it does not control; so
 * before anything is printed every URL's user:password is masked, and every password doctor
 * can know of (the credentials files, a URL that wrongly holds one) is replaced by *** wherever
 * it appears. Passwords shorter than 4 characters are left to the URL mask: replacing every
 * "ab" in the output would hide nothing and garble everything.
 */

const MIN_SCRUBBED = 4;

/** The cameras' secrets as doctor may meet them in text: as written, and percent-encoded. */
export async function cameraSecrets(agents: Array<{ source: string; subStream?: string; credentialsFile?: string }>): Promise<string[]> {
  const found: string[] = [];
  for (const a of agents) {
    found.push(...urlPasswords(a.source), ...(a.subStream ? urlPasswords(a.subStream) : []));
    if (!a.credentialsFile) continue;
    let text: string;
    try {
      // Read whatever its mode: a file others may read still holds a secret.
      text = await fs.readFile(a.credentialsFile, 'utf8');
    } catch {
      continue;
    }
    try {
      found.push(parseCredentials(text, a.credentialsFile).password);
    } catch {
      // Not in a shape we know: every line of it may be the password.
      found.push(...text.split('\n').map((l) => l.trim()));
    }
  }
  const all = found.flatMap((s) => [s, encodeURIComponent(s)]).filter((s) => s.length >= MIN_SCRUBBED);
  return [...new Set(all)];
}

export function scrubFindings(findings: Finding[], secrets: string[]): Finding[] {
  return findings.map((f) => ({
    ...f,
    check: maskSecrets(f.check, secrets),
    message: maskSecrets(f.message, secrets),
    ...(f.fix === undefined ? {} : { fix: maskSecrets(f.fix, secrets) }),
  }));
}

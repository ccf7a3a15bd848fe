import { execFile } from 'node:child_process';

/*
 * DNS-01 (RFC 8555 §8.4) through an executable the owner provides, as certbot's
 * --manual-auth-hook and acme.sh's dns scripts do: every DNS provider has its own API, and a
 * hook can use any of them (nsupdate for RFC 2136, a provider's CLI, curl). The hub runs
 *   <hook> set   _acme-challenge.<name> <TXT value>
 *   <hook> clear _acme-challenge.<name> <TXT value>
 * with PORCHLIGHT_ACME_DOMAIN=<name> in the environment. "set" must return only once the
 * record is published (exit 0); any other exit, or a hook still running at the timeout,
 * fails the attempt with what the hook wrote on stderr.
 */

export type DnsHookAction = 'set' | 'clear';

/** The last lines a failing hook wrote: enough to say why, bounded for the log and the notice. */
function tail(text: string): string {
  const lines = text.trim().split('\n').slice(-3).join(' / ');
  return lines.length > 400 ? `…${lines.slice(-400)}` : lines;
}

export function runDnsHook(hook: string, action: DnsHookAction, domain: string, value: string, timeoutMs: number): Promise<void> {
  const record = `_acme-challenge.${domain.replace(/^\*\./, '')}`;
  return new Promise((resolve, reject) => {
    execFile(
      hook,
      [action, record, value],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, env: { ...process.env, PORCHLIGHT_ACME_DOMAIN: domain } },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
        const why =
          e.code === 'ENOENT' ? 'not found'
          : e.code === 'EACCES' ? 'not executable'
          : e.killed ? `still running after ${Math.round(timeoutMs / 1000)} s, stopped`
          : `exited with ${String(e.code)}`;
        const said = tail(stderr);
        reject(new Error(`the DNS hook ${hook} (${action} ${record}) ${why}${said ? `: ${said}` : ''}`));
      },
    );
  });
}

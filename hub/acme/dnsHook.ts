import { execFile } from 'node:child_process';

/*
 * DNS-01 (RFC 8555 §8.4) through an executable the owner provides, as certbot's
 * --manual-auth-hook and acme.sh's dns scripts do: every DNS provider has its own API, and a
 * hook can use any of them (nsupdate for RFC 2136, a provider's CLI, curl). The hub runs
 *   <hook> set   _acme-challenge.<name> <TXT value>
 *   <hook> clear _acme-challenge.<name> <TXT value>
 * with PORCHLIGHT_ACME_DOMAIN=<name> in the environment. "set" must return only once the
 * record is published (exit 0); any other exit, or a hook still running at the timeout,
 * fails the attempt.
 *
 * What the hook wrote on stderr stays on this machine: a provider's CLI or a curl -v may print
 * its API token there, and the error message goes to state.json, the System page, the owners'
 * mail and push. The message names the hook, the record and the exit; the hook's own words
 * ride on the error as `output` for the hub's log only, with token-like strings masked.
 */

export type DnsHookAction = 'set' | 'clear';

export class DnsHookError extends Error {
  constructor(
    message: string,
    /** The last lines the hook wrote on stderr, masked: for the hub's log, never a notice. */
    readonly output: string,
  ) {
    super(message);
    this.name = 'DnsHookError';
  }
}

/**
 * Hides what looks like a credential: a run of 20 or more characters from a token alphabet
 * with both letters and digits (API keys, bearer tokens, base64 secrets). Host names and
 * ordinary words survive, so the log still says what went wrong.
 */
export function maskTokens(text: string): string {
  return text.replace(/[A-Za-z0-9_\-+/=]{20,}/g, (run) => (/[A-Za-z]/.test(run) && /[0-9]/.test(run) ? '[masked]' : run));
}

/** The last lines a failing hook wrote: enough to say why, bounded for the log. */
function tail(text: string): string {
  const lines = maskTokens(text.trim().split('\n').slice(-3).join(' / '));
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
        reject(new DnsHookError(`the DNS hook ${hook} (${action} ${record}) ${why}${said ? "; what it wrote is in the hub's log" : ''}`, said));
      },
    );
  });
}

import { existsSync, promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../common/atomicFile';
import type { Config } from '../../common/config';
import { hubPaths } from '../../common/dataLayout';
import { loadCommandConfig, withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { acmePaths, readLiveCertificate, readState, type AcmeState } from '../../hub/acme/acmeStore';
import { daysLeft, describeCertificate, renewalDueAt } from '../../hub/acme/renewalPolicy';
import { CliError } from '../cliError';
import { positiveInteger } from '../optionParsers';

interface RenewOptions extends ConfigOptions {
  wait: number;
}

/** `porchlight acme status|renew`: the certificate from Let's Encrypt (hub.acme), read and renewed by the running hub. */
export function acmeCommands(program: Command): void {
  const acme = program.command('acme').description("the hub's certificate from Let's Encrypt or another ACME server (hub.acme)");
  withConfigOptions(acme.command('status').description('the certificate in use, when it is renewed, and how the last attempt went')).action(status);
  withConfigOptions(acme.command('renew').description('have the running hub order a new certificate now, and wait for the outcome'))
    .option('--wait <seconds>', 'longest wait for the outcome', positiveInteger, 600)
    .action(renew);
}

function acmeSettings(cfg: Config) {
  const acme = cfg.hub.acme;
  if (!acme) throw new CliError('hub.acme is not set in the config: see "A certificate from Let\'s Encrypt" in docs/phone.md');
  if (!acme.enabled) throw new CliError('hub.acme.enabled is false: the hub gets no certificate from the ACME server');
  return acme;
}

const when = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString());

async function status(opts: ConfigOptions): Promise<void> {
  const cfg = loadCommandConfig(opts);
  const acme = acmeSettings(cfg);
  const paths = acmePaths(hubPaths(cfg.dataDir).acme);
  const pem = await readLiveCertificate(paths);
  const state = await readState(paths);
  const now = Date.now();
  const lines = [`domains:       ${acme.domains.join(', ')}`, `directory:     ${acme.directoryUrl}`, `challenge:     ${acme.challenge}`];
  if (pem) {
    const live = describeCertificate(pem);
    lines.push(`certificate:   for ${live.names.join(', ')}, expires ${when(live.notAfter)} (in ${daysLeft(live.notAfter, now)} days)`);
    lines.push(`renewal due:   ${when(renewalDueAt(live, acme.domains, now))}`);
  } else {
    lines.push("certificate:   none issued yet (browsers get the hub's own)");
  }
  lines.push(...stateLines(state));
  process.stdout.write(lines.join('\n') + '\n');
}

function stateLines(state: AcmeState | null): string[] {
  if (!state) return ['last attempt:  never (is the hub running?)'];
  return [
    `last attempt:  ${when(state.lastAttemptAt)}${state.lastError ? ` failed (${state.failures} in a row): ${state.lastError}` : state.lastAttemptAt ? ' succeeded' : ''}`,
    `last success:  ${when(state.lastSuccessAt)}`,
    `next check:    ${when(state.nextAttemptAt)}`,
  ];
}

async function renew(opts: RenewOptions): Promise<void> {
  const cfg = loadCommandConfig(opts);
  acmeSettings(cfg);
  const hub = hubPaths(cfg.dataDir);
  // The hub holds port 80 and reloads its TLS: it orders the certificate, asked through a file.
  if (!existsSync(hub.runtime)) throw new CliError(`the hub is not running (no ${hub.runtime}): it checks its certificate when it starts`);
  const paths = acmePaths(hub.acme);
  const before = (await readState(paths))?.attempts ?? 0;
  await writeFileAtomic(paths.renewRequest, `${new Date().toISOString()}\n`, 0o600);
  const deadline = Date.now() + opts.wait * 1000;
  process.stderr.write('asked the hub to renew; waiting for the ACME server…\n');
  for (;;) {
    const state = await readState(paths);
    // The hub writes its record once an attempt has ended, so one more attempt is an outcome.
    if (!existsSync(paths.renewRequest) && state && state.attempts > before) {
      if (state.lastError) throw new CliError(`renewal failed: ${state.lastError}`);
      const pem = await readLiveCertificate(paths);
      const live = pem ? describeCertificate(pem) : null;
      process.stdout.write(`renewed: the hub serves a certificate for ${live?.names.join(', ') ?? '?'} until ${when(live?.notAfter ?? null)}\n`);
      return;
    }
    if (Date.now() > deadline) {
      await fs.rm(paths.renewRequest, { force: true });
      throw new CliError(`no outcome after ${opts.wait} s: see "porchlight acme status" and the hub's log`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { loadCommandConfig, withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { CliError } from '../cliError';
import { withHubState } from '../hubState';
import { readSecret } from '../prompt';

interface RestoreOptions extends ConfigOptions {
  key?: string;
  passphraseFile?: string;
}

/** `porchlight cloud test|restore`: the upload target checked, and a lost hub rebuilt from it. */
export function cloudCommands(program: Command): void {
  const cloud = program.command('cloud').description('the cloud copy of the clips');
  withConfigOptions(cloud.command('test').description("check that the upload target in effect (the owner's choice from the web UI, else the config's) is reachable and accepts uploads"))
    .action(testTarget);
  withConfigOptions(cloud.command('restore').description("rebuild this hub's clip index from the cloud (after a lost hub): run with the hub stopped"))
    .option('--key <file>', "the footage recovery file (porchlight keys export); needed on a new hub")
    .option('--passphrase-file <file>', 'passphrase of the recovery file')
    .action(restore);
}

async function testTarget(opts: ConfigOptions): Promise<void> {
  const cfg = loadCommandConfig(opts);
  const { createTarget } = await import('../../common/cloud/targets');
  const { effectiveTarget } = await import('../../common/cloud/targetChoice');
  const { checkTarget } = await import('../../common/cloud/targetCheck');
  const { hubPaths } = await import('../../common/dataLayout');
  const { openDatabase } = await import('../../common/database');
  // The hub's database holds the owner's choice; without one, the config decides.
  const db = existsSync(hubPaths(cfg.dataDir).db) ? openDatabase(hubPaths(cfg.dataDir).db) : null;
  let chosen;
  try {
    chosen = effectiveTarget(cfg, db, cfg.dataDir);
  } finally {
    db?.close();
  }
  const target = createTarget(cfg, chosen.target);
  try {
    const result = await checkTarget(target, chosen.target);
    if (!result.ok) throw new CliError(`${target.description}: ${result.message}`);
  } finally {
    target.close();
  }
  process.stdout.write(`${target.description}${chosen.source === 'ui' ? ' (chosen in the web UI)' : ''}: ok (reachable, writable, verified)\n`);
}

async function restore(opts: RestoreOptions): Promise<void> {
  const { loadFootageKeyPair } = await import('../../common/footageKeys');
  const { adoptRecoveredKey, restoreFromCloud } = await import('../../hub/cloudRestore');
  const { createTarget } = await import('../../common/cloud/targets');
  const { r, where } = await withHubState(
    opts,
    async ({ db, cfg, paths, audit }) => {
      let keys = await loadFootageKeyPair(paths.footageKey, () => readSecret("Passphrase of the hub's footage key (it is wrapped): "));
      if (opts.key) {
        const recovered = await loadFootageKeyPair(path.resolve(opts.key), () => readSecret('Passphrase of the recovery file: ', opts.passphraseFile));
        const adoption = await adoptRecoveredKey(db, paths, keys, recovered);
        keys = adoption.keys;
        if (adoption.adopted) audit.append({ actor: 'cli', action: 'keys.recovered' });
      }
      const target = createTarget(cfg);
      try {
        const r = await restoreFromCloud(db, target, keys, Date.now());
        audit.append({ actor: 'cli', action: 'cloud.restored', detail: { ...r } });
        return { r, where: target.description };
      } catch (err) {
        throw new CliError(`${target.description}: ${(err as Error).message}`);
      } finally {
        target.close();
      }
    },
    { create: true },
  );
  process.stdout.write(`restored ${r.restored} clips from ${where} (cameras: ${r.cameras.join(', ') || 'none'}); ${r.alreadyIndexed} already indexed\n`);
  if (r.unreadable > 0) process.stdout.write(`${r.unreadable} manifests could not be opened with this footage key (another hub's, or damaged): give --key with the right recovery file\n`);
  if (r.missingClip > 0) process.stdout.write(`${r.missingClip} manifests name a clip that is missing or incomplete in the bucket; skipped\n`);
  process.stdout.write('restored cameras are listed as revoked: pair them again to record under the same names\n');
}

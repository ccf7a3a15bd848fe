import * as path from 'node:path';
import type { Command } from 'commander';
import { loadCommandConfig, withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { readSecret } from '../prompt';

interface KeysExportOptions extends ConfigOptions {
  out: string;
  passphraseFile?: string;
}

/** `porchlight keys export`: the recovery file that keeps cloud copies readable after a hub is lost. */
export function keysCommands(program: Command): void {
  const keys = program.command('keys').description('footage keys');
  withConfigOptions(keys.command('export').description('write the footage secret key, wrapped with a passphrase, for recovery'))
    .requiredOption('--out <file>', 'recovery file to write')
    .option('--passphrase-file <file>', 'read the passphrase from this file instead of asking')
    .action(async (opts: KeysExportOptions) => {
      const cfg = loadCommandConfig(opts);
      const { hubPaths } = await import('../../common/dataLayout');
      const { exportWrappedKey, loadFootageKeyPair } = await import('../../common/footageKeys');
      const passphrase = await readSecret('Passphrase for the recovery file: ', opts.passphraseFile);
      if (passphrase.length < 12) throw new Error('the passphrase must have at least 12 characters');
      const pair = await loadFootageKeyPair(hubPaths(cfg.dataDir).footageKey);
      await exportWrappedKey(path.resolve(opts.out), pair, passphrase);
      process.stdout.write(`footage key written to ${opts.out}; keep it and its passphrase somewhere safe\n`);
    });
}

import * as path from 'node:path';
import type { Command } from 'commander';
import { createLogger } from '../common/logger';
import { installProcessFaults } from '../common/processFaults';
import { runService } from '../common/serviceLifecycle';
import { loadCommandConfig, runIfMain, withConfigOptions, type ConfigOptions } from '../common/serviceCommand';

export interface RelayOptions extends ConfigOptions {
  hubData?: string;
}

/** The cloud relay process: `porchlight relay`, or `node dist/cloud-relay/main.js`. */
export function relayCommand(cmd: Command): Command {
  return withConfigOptions(cmd.description('run the cloud relay (uploads encrypted clips)'))
    .option('--hub-data <dir>', "the hub's data directory (default: the data directory)")
    .action((opts: RelayOptions) => runRelay(opts));
}

export async function runRelay(opts: RelayOptions): Promise<void> {
  // As its unit's UMask=: what the relay makes (the default cloud folder) its group, the hub's,
  // may read; others nothing. Files whose mode matters are given it explicitly.
  process.umask(0o027);
  const cfg = loadCommandConfig(opts);
  const log = createLogger('relay', cfg.log.level);
  installProcessFaults(log);
  // Loaded only to run: the CLI reads this file for the options of every command it offers.
  const { openRelay } = await import('./relayService');
  let service: Awaited<ReturnType<typeof openRelay>> | null = null;
  await runService(
    log,
    async () => {
      service = await openRelay(cfg, path.resolve(opts.hubData ?? cfg.dataDir), log);
      service.relay.start();
    },
    async () => service?.close(),
  );
}

runIfMain(module, 'porchlight-relay', relayCommand);

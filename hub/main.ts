import type { Command } from 'commander';
import { createLogger } from '../common/logger';
import { runService } from '../common/serviceLifecycle';
import { loadCommandConfig, runIfMain, withConfigOptions, type ConfigOptions } from '../common/serviceCommand';

/** The hub process: `porchlight hub`, or `node dist/hub/main.js`. */
export function hubCommand(cmd: Command): Command {
  return withConfigOptions(cmd.description('run the hub (HTTPS web UI, API and device channel)')).action((opts: ConfigOptions) => runHub(opts));
}

export async function runHub(opts: ConfigOptions): Promise<void> {
  const cfg = loadCommandConfig(opts);
  const log = createLogger('hub', cfg.log.level);
  // Loaded only to run: the CLI reads this file for the options of every command it offers.
  const { Hub } = await import('./hub');
  const hub = new Hub(cfg, log);
  await runService(log, async () => `serving ${(await hub.start()).url}`, () => hub.stop());
}

runIfMain(module, 'porchlight-hub', hubCommand);

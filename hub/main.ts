import type { Command } from 'commander';
import { MIN_SCORE_BOUND } from '../common/detectionSettings';
import { createLogger } from '../common/logger';
import { installProcessFaults } from '../common/processFaults';
import { runService } from '../common/serviceLifecycle';
import { loadCommandConfig, runIfMain, withConfigOptions, type ConfigOptions } from '../common/serviceCommand';

/** The hub process: `porchlight hub`, or `node dist/hub/main.js`. */
export function hubCommand(cmd: Command): Command {
  return withConfigOptions(cmd.description('run the hub (HTTPS web UI, API and device channel)')).action((opts: ConfigOptions) => runHub(opts));
}

export async function runHub(opts: ConfigOptions): Promise<void> {
  // Started by hand, not by its unit (UMask=0077): what the hub writes is still its user's alone.
  process.umask(0o077);
  const cfg = loadCommandConfig(opts);
  const log = createLogger('hub', cfg.log.level);
  installProcessFaults(log);
  // Loaded only to run: the CLI reads this file for the options of every command it offers.
  const { Hub } = await import('./hub');
  const { WorkerDetector } = await import('./objectDetection/workerDetector');
  // The model loads in its worker on the first picture a camera sends, so a hub whose cameras
  // send none never pays its memory. It reports everything from the lowest minimum score a
  // camera may set; each camera's own minimum is applied after (hub/objectAlertPolicy.ts).
  const detector = new WorkerDetector({
    minScore: MIN_SCORE_BOUND.min,
    onLoaded: ({ model, backend }) => log.info({ model, backend }, 'object detector loaded'),
    // Debug only: a line per picture is too much for a normal log, but it is how a leak in the worker shows.
    onAnswer: ({ objects, ms, numTensors, numBytes }) => log.debug({ objects, ms: Math.round(ms), numTensors, numBytes }, 'object detector answered'),
  });
  const hub = new Hub(cfg, log, undefined, undefined, detector);
  await runService(log, async () => `serving ${(await hub.start()).url}`, () => hub.stop());
}

runIfMain(module, 'porchlight-hub', hubCommand);

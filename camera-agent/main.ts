import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../common/atomicFile';
import { createLogger } from '../common/logger';
import { installProcessFaults } from '../common/processFaults';
import { runService } from '../common/serviceLifecycle';
import { loadCommandConfig, runIfMain, withConfigOptions, type ConfigOptions } from '../common/serviceCommand';

export interface AgentRunOptions extends ConfigOptions {
  source?: string;
}

/** One camera's agent process: `porchlight agent run`, or `node dist/camera-agent/main.js`. */
export function agentRunCommand(cmd: Command): Command {
  return withConfigOptions(cmd.description('run a camera agent'))
    .option('--source <source>', 'sim:<scene>, a file, v4l2:/dev/videoN or rtsp://…')
    .action((opts: AgentRunOptions) => runAgent(opts));
}

export async function runAgent(opts: AgentRunOptions): Promise<void> {
  const cfg = loadCommandConfig(opts);
  if (opts.source) cfg.agent.source = opts.source;
  const log = createLogger(`agent:${cfg.agent.name}`, cfg.log.level);
  installProcessFaults(log);
  // Loaded only to run: the CLI reads this file for the options of every command it offers.
  const { CameraAgent } = await import('./agent');
  const cam = new CameraAgent(cfg, log);
  await runService(
    log,
    () => cam.start(),
    async () => {
      await cam.stop();
      // The demo reads what each camera saw once it has stopped.
      await fs.mkdir(path.join(cfg.dataDir, 'run'), { recursive: true });
      await writeFileAtomic(path.join(cfg.dataDir, 'run', 'agent-stats.json'), JSON.stringify(cam.stats), 0o644);
    },
    undefined,
    // systemd restarts an agent whose pipeline stopped making progress (see CameraHealth.progressing).
    () => cam.progressing(),
  );
}

runIfMain(module, 'porchlight-agent', agentRunCommand);

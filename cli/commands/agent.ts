import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { agentRunCommand } from '../../camera-agent/main';
import { loadCommandConfig, withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { CliError } from '../cliError';

interface PairOptions extends ConfigOptions {
  hub?: string;
  code?: string;
  uri?: string;
  name?: string;
  system?: boolean;
  source?: string;
  root?: string;
}

/** `porchlight agent run|pair`: the camera agent process and pairing a camera with a hub. */
export function agentCommands(program: Command): void {
  const agent = program.command('agent').description('camera agent commands');
  agentRunCommand(agent.command('run'));
  withConfigOptions(agent.command('pair').description('pair this camera with a hub using the code (or the pairing link) the hub shows'))
    .option('--hub <url>', 'hub URL, e.g. https://porchlight.local:9443')
    .option('--code <code>', 'one-time pairing code shown by the hub')
    .option('--uri <link>', "the pairing link under the hub's QR code (porchlight://pair?hub=…&code=…&fp=…), instead of --hub and --code; the hub must prove its CA fingerprint before pairing starts")
    .option('--name <name>', 'camera name (default: agent.name from the config)')
    .option('--system', 'an installed camera: write /etc/porchlight/agents/NAME.yaml and /var/lib/porchlight/agents/NAME for porchlight-agent@NAME')
    .option('--source <source>', 'with --system: the camera, v4l2:/dev/videoN, rtsp://… or a file (kept from the existing config when not given)')
    .addOption(new Option('--root <dir>', 'with --system: install into this tree instead of / (tests)').hideHelp())
    .action(pairAgent);
}

async function pairAgent(opts: PairOptions): Promise<void> {
  const cfg = loadCommandConfig(opts);
  if (opts.uri && (opts.hub || opts.code)) throw new CliError('give either --uri, or --hub and --code, not both');
  if (!opts.uri && !(opts.hub && opts.code)) throw new CliError('give --hub and --code, or --uri with the pairing link the hub shows');
  const { parsePairingUri } = await import('../../common/pairingUri');
  const invite = opts.uri ? parsePairingUri(opts.uri) : { hubUrl: opts.hub!, code: opts.code!, caFingerprint: undefined };
  if ((opts.source || opts.root) && !opts.system) throw new CliError('--source and --root go with --system');
  if (opts.system && !opts.name) throw new CliError('--system needs --name: the camera name is also the service name (porchlight-agent@NAME)');
  const { prepareSystemAgent, AGENT_CONFIG_DIR } = await import('../../camera-agent/agentSetup');
  if (!opts.system && !opts.config && !opts.data && !process.env.PORCHLIGHT_CONFIG && existsSync(AGENT_CONFIG_DIR)) {
    throw new CliError('Porchlight is installed on this machine: add --system --name NAME so that porchlight-agent@NAME finds the camera (or give --config)');
  }
  // Checked before pairing: a refused config must not spend the one-time code.
  const system = opts.system ? await prepareSystemAgent({ name: opts.name!, source: opts.source, root: opts.root }) : null;
  if (system) cfg.dataDir = system.dataDir;
  const { pairCamera } = await import('../../camera-agent/pairCamera');
  const identity = await pairCamera(cfg.dataDir, invite.hubUrl, invite.code, opts.name ?? cfg.agent.name, invite.caFingerprint);
  process.stdout.write(`paired "${identity.name}" as device ${identity.deviceId}; hub CA ${identity.caFingerprint}\n`);
  if (system) {
    await system.finish();
    process.stdout.write(`wrote ${system.configFile}; start the camera with:\n  sudo systemctl enable --now ${system.unit}\n`);
  }
}

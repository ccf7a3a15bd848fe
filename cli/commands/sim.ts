import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { loadCommandConfig, withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { checkRoute, ROUTES as PHONE_ROUTES, walkRoute } from '../../simulator/virtualPhone';
import { SCENE_SETS, type SceneSet } from '../../camera-agent/scenes';
import { CliError } from '../cliError';
import { existingDir, fraction, gpioLine, nonNegativeInteger, pinLevel, positiveInteger, positiveNumber, pressMs, videoSize } from '../optionParsers';

interface ScoreOptions extends ConfigOptions {
  periods: number;
  set: SceneSet;
  size?: { width: number; height: number };
  json?: boolean;
  minRecall?: number;
  maxFalse?: number;
}

interface PhoneOptions {
  hub: string;
  user: string;
  tokenFile: string;
  home: string;
  route: string;
  routeFile?: string;
  speed: number;
  every: number;
  ca?: string;
}

function sceneSet(value: string): SceneSet {
  const set = SCENE_SETS.find((s) => s === value);
  if (!set) throw new InvalidArgumentError(`must be one of ${SCENE_SETS.join(', ')}`);
  return set;
}

interface NetworkOptions {
  target: { host: string; port: number };
  listen: { host: string; port: number };
  delay: number;
  drop: number;
  script?: string;
}

/** "host:port" or "port" (127.0.0.1). */
function hostPort(value: string): { host: string; port: number } {
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new InvalidArgumentError('must be host:port or a port number (0–65535)');
  return { host: m[1] ?? '127.0.0.1', port };
}

/** `porchlight sim score|gpio|phone|network`: the hardware simulator's tools. */
export function simCommands(program: Command): void {
  const sim = program.command('sim').description('the hardware simulator');
  withConfigOptions(sim.command('score [scenes...]').description('run labelled scenes through the motion detector and score it (all scenes when none are named)'))
    .option('--periods <n>', 'how many times each scene plays', positiveInteger, 1)
    .option('--set <name>', `the scene set scored when no scenes are named: ${SCENE_SETS.join(', ')}`, sceneSet, 'tuning')
    .option('--size <WxH>', 'video size the scenes are rendered at (default: agent.video in the config)', videoSize)
    .option('--json', 'print the report as JSON')
    .option('--min-recall <r>', 'exit 1 when recall over the real events is below this (0–1)', fraction)
    .option('--max-false <n>', 'exit 1 when the nuisance scenes raise more false events than this', nonNegativeInteger)
    .action(async (names: string[], opts: ScoreOptions) => {
      const { runScoreCommand } = await import('../../simulator/scoreCommand');
      const cfg = loadCommandConfig(opts);
      const passed = await runScoreCommand(names, { ...opts, config: cfg }, (line) => process.stdout.write(line + '\n'));
      if (!passed) process.exitCode = 1;
    });
  gpioCommands(sim);
  sim
    .command('phone')
    .description("a virtual phone that walks a route in and out of the home's geofence, reporting like OwnTracks")
    .requiredOption('--hub <url>', 'the hub, e.g. https://192.168.1.20:9443')
    .requiredOption('--user <name>', 'the member whose phone this is')
    .requiredOption('--token-file <file>', 'the OwnTracks token made for that member in the hub')
    .requiredOption('--home <lat,lon>', "the home's location, as set in the hub")
    .option('--route <name>', `one of: ${Object.keys(PHONE_ROUTES).join(', ')}`, 'errand')
    .option('--route-file <file>', 'a route of your own (JSON: name, legs [{minutes, toMetresNorth}], accuracyM, jitterM)')
    .option('--speed <n>', 'play the route this many times faster than real time', positiveNumber, 60)
    .option('--every <seconds>', 'seconds of route time between reports', positiveNumber, 30)
    .option('--ca <file>', "the hub's CA certificate (PEM); without it the hub's certificate is not checked")
    .action(walkPhone);
  sim
    .command('network')
    .description('a flaky network between a camera and the hub: a TCP proxy you can cut, stall, delay and drop (commands on stdin, or --script)')
    .requiredOption('--target <host:port>', "the hub's HTTPS address", hostPort)
    .option('--listen <host:port>', 'where cameras connect instead (port 0: any free port)', hostPort, { host: '127.0.0.1', port: 0 })
    .option('--delay <ms>', 'hold each chunk this long', nonNegativeInteger, 0)
    .option('--drop <fraction>', 'reset this fraction of new connections', fraction, 0)
    .option('--script <steps>', 'a timeline instead of commands, e.g. "down 2m, up 30s, stall 10s, up"')
    .action(async (opts: NetworkOptions) => {
      const { parseNetworkScript, runNetworkCommand } = await import('../../simulator/networkCommand');
      let script;
      try {
        script = opts.script === undefined ? undefined : parseNetworkScript(opts.script);
      } catch (err) {
        throw new CliError(`--script: ${(err as Error).message}`);
      }
      const stop = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
      await runNetworkCommand({ target: opts.target, listen: opts.listen, delayMs: opts.delay, dropRate: opts.drop, script, say: (line) => process.stdout.write(line + '\n'), signal: stop.signal });
    });
}

function gpioCommands(sim: Command): void {
  const gpio = sim.command('gpio').description('simulated GPIO lines kept in a directory (gpio.simulatedDir) by a hub or camera');
  const dirOption = (cmd: Command) => cmd.requiredOption('--dir <dir>', 'the gpio.simulatedDir of the hub or camera', existingDir);
  dirOption(gpio.command('set').description('set a line to an electrical level (an input of the hub or camera)'))
    .argument('<line>', 'BCM GPIO number', gpioLine)
    .argument('<level>', '0 or 1', pinLevel)
    .action(async (line: number, level: 0 | 1, opts: { dir: string }) => {
      const { gpioSet } = await import('../../simulator/gpioCommand');
      gpioSet(opts.dir, line, level);
      process.stdout.write(`GPIO${line} set to ${level}\n`);
    });
  dirOption(gpio.command('get').description("print a line's electrical level (e.g. a recording LED: 1 = lit unless wired active-low)"))
    .argument('<line>', 'BCM GPIO number', gpioLine)
    .action(async (line: number, opts: { dir: string }) => {
      const { gpioGet } = await import('../../simulator/gpioCommand');
      process.stdout.write(`${gpioGet(opts.dir, line)}\n`);
    });
  dirOption(gpio.command('press').description('flip a line from its resting level and back: press a button, or a PIR seeing motion'))
    .argument('<line>', 'BCM GPIO number', gpioLine)
    .option('--ms <ms>', 'how long to hold it (1–60000)', pressMs, 200)
    .action(async (line: number, opts: { dir: string; ms: number }) => {
      const { gpioPress } = await import('../../simulator/gpioCommand');
      const rest = await gpioPress(opts.dir, line, opts.ms);
      process.stdout.write(`GPIO${line} held at ${rest === 1 ? 0 : 1} for ${opts.ms} ms, back at ${rest}\n`);
    });
}

async function walkPhone(opts: PhoneOptions): Promise<void> {
  const home = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(opts.home);
  if (!home || Math.abs(Number(home[1])) > 90 || Math.abs(Number(home[2])) > 180) throw new CliError('--home must be "lat,lon" with a latitude within ±90 and a longitude within ±180');
  let route;
  try {
    route = opts.routeFile ? checkRoute(JSON.parse(readFileSync(opts.routeFile, 'utf8'))) : PHONE_ROUTES[opts.route];
  } catch (err) {
    throw new CliError(`${opts.routeFile}: ${(err as Error).message}`);
  }
  if (!route) throw new CliError(`no route "${opts.route}"; use one of ${Object.keys(PHONE_ROUTES).join(', ')} or --route-file`);
  const url = new URL('/api/owntracks', opts.hub);
  if (url.protocol !== 'https:') throw new CliError('--hub must be an https:// URL');
  await walkRoute({
    url: url.toString(),
    creds: { username: opts.user, password: readFileSync(opts.tokenFile, 'utf8').trim() },
    route,
    home: { lat: Number(home[1]), lon: Number(home[2]) },
    speed: opts.speed,
    everySeconds: opts.every,
    ca: opts.ca ? readFileSync(opts.ca, 'utf8') : undefined,
    say: (line) => process.stdout.write(line + '\n'),
  });
}

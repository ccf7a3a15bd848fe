import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from './config';
import { installProcessFaults } from './processFaults';

/*
 * The command line every Porchlight process shares: where its config is found, the two
 * options that point at it, and the exit codes. The `porchlight` CLI mounts each process's
 * command under its own name; a process's main.ts can also run it as the whole program.
 */

/** An installed machine's config (systemd/install.sh), used when no --config is given. */
export const INSTALLED_CONFIG = '/etc/porchlight/porchlight.yaml';

export interface ConfigOptions {
  config?: string;
  data?: string;
}

/** The config file in effect: the one given, else $PORCHLIGHT_CONFIG, else an installed machine's. */
export function configFileOf(given: string | undefined): string | undefined {
  return given ?? process.env.PORCHLIGHT_CONFIG ?? (existsSync(INSTALLED_CONFIG) ? INSTALLED_CONFIG : undefined);
}

export function loadCommandConfig(opts: ConfigOptions): Config {
  return loadConfig(configFileOf(opts.config), { dataDir: opts.data });
}

export function withConfigOptions(cmd: Command): Command {
  return cmd.option('-c, --config <file>', `YAML config file (default: ${INSTALLED_CONFIG} when it exists)`).option('-d, --data <dir>', 'data directory (overrides dataDir)');
}

/**
 * A program whose parse errors come back to runCommandLine instead of exiting inside
 * commander, so that every exit code is decided in one place.
 */
export function commandLine(name: string): Command {
  return new Command(name).showHelpAfterError().exitOverride();
}

/**
 * Parses and runs. Help exits 0, a usage error with commander's code, and a config error 2:
 * systemd units list 2 in RestartPreventExitStatus, since restarting cannot fix a config.
 * Anything else is the caller's to print (exit 1).
 */
export async function runCommandLine(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(0);
    if (e.code?.startsWith('commander.')) process.exit(e.exitCode ?? 2);
    if (err instanceof ConfigError) {
      process.stderr.write(`porchlight: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * Runs a process's own command line when its main.ts is the file node started
 * (`node dist/hub/main.js --config …`), the way bin/porchlight.js runs the CLI's.
 */
export function runIfMain(mod: NodeModule, name: string, describe: (cmd: Command) => Command): void {
  if (require.main !== mod) return;
  installProcessFaults();
  runCommandLine(describe(commandLine(name)), process.argv).catch((err: unknown) => {
    process.stderr.write(`porchlight: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadCommandConfig, withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { CliError } from '../cliError';

/** `porchlight setup code`: the one-time code the hub's first-run web page asks for. */
export function setupCommands(program: Command): void {
  const setup = program.command('setup').description("the hub's first-run setup from the web page");
  withConfigOptions(setup.command('code').description('print the one-time code that the web setup asks for (only while no account exists)')).action(printSetupCode);
}

async function printSetupCode(opts: ConfigOptions): Promise<void> {
  const cfg = loadCommandConfig(opts);
  const { hubPaths } = await import('../../common/dataLayout');
  const { hasUsers, readSetupCode, setupCodePath } = await import('../../hub/firstRunSetup');
  const { openDatabase } = await import('../../common/database');
  const dbFile = hubPaths(cfg.dataDir).db;
  const unreadable = (err: unknown): never => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_CANTOPEN') {
      throw new CliError(`cannot read the hub's data in ${cfg.dataDir} as this user: run it with sudo (or as the porchlight user)`);
    }
    throw err;
  };
  if (existsSync(dbFile)) {
    let db: ReturnType<typeof openDatabase>;
    try {
      db = openDatabase(dbFile);
    } catch (err) {
      return unreadable(err);
    }
    let done: boolean;
    try {
      done = hasUsers(db);
    } finally {
      db.close();
    }
    if (done) throw new CliError('this hub is already set up: sign in on its web page (add people from the Household page, or with "porchlight user add")');
  }
  const code = await readSetupCode(cfg.dataDir).catch(unreadable);
  if (!code) throw new CliError(`no setup code in ${setupCodePath(cfg.dataDir)}: start the hub first ("porchlight hub"); it writes one while no account exists (check --config / --data)`);
  process.stdout.write(`${code}\n`);
}

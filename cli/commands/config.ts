import type { Command } from 'commander';
import { loadConfig } from '../../common/config';

/** `porchlight config validate`: a config file checked before a service is pointed at it; `config get`: one setting of it, for scripts (install.sh). */
export function configCommands(program: Command): void {
  const cfgCmd = program.command('config').description('configuration');
  cfgCmd
    .command('validate <file>')
    .description('check a config file and exit')
    .action((file: string) => {
      loadConfig(file);
      process.stdout.write(`${file}: ok\n`);
    });
  cfgCmd
    .command('get <file> <key>')
    .description('print one setting of a config file (a dotted name such as relay.target.credentialsFile), defaults applied; exit 1 if it is not set')
    .action((file: string, key: string) => {
      const value = settingAt(loadConfig(file), key);
      if (value === undefined) {
        process.stderr.write(`${key} is not set in ${file}\n`);
        process.exitCode = 1;
        return;
      }
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`${key} is a section, not one setting: name one of its settings`);
      process.stdout.write(`${value}\n`);
    });
}

/** The value at a dotted name in a parsed config, or undefined where a part of the name is missing. */
export function settingAt(config: unknown, key: string): unknown {
  if (!/^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$/.test(key)) throw new Error(`${JSON.stringify(key)} is not a setting's name: words joined by dots, such as relay.target.bucket`);
  let at: unknown = config;
  for (const part of key.split('.')) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

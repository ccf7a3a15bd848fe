import type { Command } from 'commander';
import { loadConfig } from '../../common/config';

/** `porchlight config validate`: a config file checked before a service is pointed at it. */
export function configCommands(program: Command): void {
  const cfgCmd = program.command('config').description('configuration');
  cfgCmd
    .command('validate <file>')
    .description('check a config file and exit')
    .action((file: string) => {
      loadConfig(file);
      process.stdout.write(`${file}: ok\n`);
    });
}

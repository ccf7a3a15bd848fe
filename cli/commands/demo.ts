import * as path from 'node:path';
import type { Command } from 'commander';
import { positiveNumber } from '../optionParsers';

/** `porchlight demo`: the whole system on simulated cameras, as separate processes. */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the whole system on simulated cameras: hub, two cameras with drawn scenes and one playing real footage (when found), relay to a local "cloud" folder')
    .option('-d, --data <dir>', 'where every file of the run is kept', 'demo-data')
    .option('--duration <seconds>', 'run this long, print a JSON summary and exit', positiveNumber)
    .action(async (opts: { data: string; duration?: number }) => {
      const { runDemo } = await import('../../simulator/demo');
      const summary = await runDemo({ dataDir: path.resolve(opts.data), duration: opts.duration, realFootage: true });
      process.stdout.write(JSON.stringify(summary) + '\n');
    });
}

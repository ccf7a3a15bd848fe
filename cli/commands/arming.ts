import type { Command } from 'commander';
import type { Cause } from '../../hub/arming/armingDecision';
import { withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { CliError } from '../cliError';
import { withHubState } from '../hubState';

/** `porchlight arming status|set`: the home's mode, read or set through the hub's database. */
export function armingCommands(program: Command): void {
  const arming = program.command('arming').description("the home's arming");
  withConfigOptions(arming.command('status').description('print the mode in force and who or what set it')).action(async (opts: ConfigOptions) => {
    const { ArmingStore } = await import('../../hub/arming/armingStore');
    const { decideArming } = await import('../../hub/arming/armingDecision');
    const d = await withHubState(opts, ({ db }) => decideArming(new ArmingStore(db).inputs(), Date.now()));
    process.stdout.write(`${d.mode} (${describeCause(d.cause)}${d.since ? `, since ${new Date(d.since).toISOString()}` : ''})\n`);
    if (d.nextScheduledAt !== null) process.stdout.write(`next scheduled change: ${new Date(d.nextScheduledAt).toISOString()}\n`);
  });
  withConfigOptions(arming.command('set <mode>').description('set the mode by hand: disarmed, armed_home, armed_away or privacy (the running hub applies it within seconds)'))
    .action(async (mode: string, opts: ConfigOptions) => {
      const { isMode, MODES } = await import('../../common/protocol');
      const { ArmingStore } = await import('../../hub/arming/armingStore');
      if (!isMode(mode)) throw new CliError(`"${mode}" is not a mode; use one of ${MODES.join(', ')}`);
      await withHubState(opts, ({ db, audit }) => {
        new ArmingStore(db).setManual({ mode, at: Date.now(), by: 'cli' });
        audit.append({ actor: 'cli', action: 'arming.mode_set', detail: { mode } });
      });
      process.stdout.write(`${mode}\n`);
    });
}

function describeCause(cause: Cause): string {
  if (cause.source === 'manual') return `set by ${cause.by}`;
  if (cause.source === 'schedule') return `schedule rule ${cause.ruleId}`;
  if (cause.source === 'geofence') return `geofence${cause.member ? ` (${cause.member})` : ''}`;
  return 'nothing set yet';
}

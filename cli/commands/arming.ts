import type { Command } from 'commander';
import type { Cause } from '../../hub/arming/armingDecision';
import { withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { CliError } from '../cliError';
import { withHubState } from '../hubState';

/**
 * `porchlight arming status|set|armed-in`: the home's mode, and in which armed modes each
 * camera records, read or set through the hub's database.
 */
export function armingCommands(program: Command): void {
  const arming = program.command('arming').description("the home's arming");
  withConfigOptions(arming.command('status').description('print the mode in force and who or what set it')).action(async (opts: ConfigOptions) => {
    const { ArmingStore } = await import('../../hub/arming/armingStore');
    const { decideArming } = await import('../../hub/arming/armingDecision');
    const { listDevices } = await import('../../hub/devices');
    const { describeArmedIn } = await import('../../common/armedIn');
    const { d, names } = await withHubState(opts, ({ db }) => ({ d: decideArming(new ArmingStore(db).inputs(), Date.now()), names: new Map(listDevices(db).map((c) => [c.id, c.name])) }));
    process.stdout.write(`${d.mode} (${describeCause(d.cause)}${d.since ? `, since ${new Date(d.since).toISOString()}` : ''})\n`);
    if (d.nextScheduledAt !== null) process.stdout.write(`next scheduled change: ${new Date(d.nextScheduledAt).toISOString()}\n`);
    for (const [id, c] of Object.entries(d.cameras)) {
      process.stdout.write(`${names.get(id) ?? id}: ${c.record ? 'recording' : 'not recording'}; records when armed: ${describeArmedIn(c.armedIn)}; motion ${c.motion ? 'on' : 'off'}\n`);
    }
  });
  withConfigOptions(
    arming
      .command('armed-in <camera> [modes]')
      .description("print or set in which armed modes a camera (id or name) records: home, away, home,away or none (the running hub applies it within seconds)"),
  ).action(async (camera: string, modes: string | undefined, opts: ConfigOptions) => {
    const { parseArmedInWords, describeArmedIn } = await import('../../common/armedIn');
    const { ArmingStore } = await import('../../hub/arming/armingStore');
    const { findDevice } = await import('../../hub/devices');
    // The words are checked before the database is opened: a typo changes nothing.
    const parsed = modes === undefined ? null : parseArmedInWords(modes);
    if (parsed && 'problem' in parsed) throw new CliError(parsed.problem);
    const result = await withHubState(opts, ({ db, audit }) => {
      const d = findDevice(db, camera);
      if (!d || d.revoked) throw new CliError(`no active camera named or numbered "${camera}" (see porchlight device list)`);
      const store = new ArmingStore(db);
      if (parsed) {
        store.setCameraArmedIn(d.id, parsed.modes);
        audit.append({ actor: 'cli', action: 'arming.camera_armed_in', target: `device:${d.id}`, detail: { modes: parsed.modes } });
      }
      return { name: d.name, armedIn: store.cameras().find((c) => c.id === d.id)?.armedIn ?? [] };
    });
    process.stdout.write(`${result.name} records when armed: ${describeArmedIn(result.armedIn)}\n`);
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

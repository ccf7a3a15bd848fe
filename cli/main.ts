import type { Command } from 'commander';
import { acmeCommands } from './commands/acme';
import { agentCommands } from './commands/agent';
import { armingCommands } from './commands/arming';
import { auditCommands } from './commands/audit';
import { clipCommands } from './commands/clip';
import { cloudCommands } from './commands/cloud';
import { configCommands } from './commands/config';
import { demoCommand } from './commands/demo';
import { deviceCommands } from './commands/device';
import { doctorCommand } from './commands/doctor';
import { keysCommands } from './commands/keys';
import { pairingCommands } from './commands/pairing';
import { remoteCommands } from './commands/remote';
import { setupCommands } from './commands/setup';
import { simCommands } from './commands/sim';
import { userCommands } from './commands/user';
import { hubCommand } from '../hub/main';
import { relayCommand } from '../cloud-relay/main';
import { commandLine, runCommandLine } from '../common/serviceCommand';
import { installProcessFaults } from '../common/processFaults';

/*
 * The `porchlight` command: a table of sub-commands. The processes' own commands come from
 * their main.ts; every other command lives in cli/commands/, named for the area it serves.
 * The order here is the order of `porchlight --help`.
 */

export function buildProgram(): Command {
  const program = commandLine('porchlight').description('Self-hosted home camera system: camera agents, hub and cloud relay');
  hubCommand(program.command('hub'));
  agentCommands(program);
  relayCommand(program.command('relay'));
  pairingCommands(program);
  deviceCommands(program);
  setupCommands(program);
  userCommands(program);
  auditCommands(program);
  keysCommands(program);
  armingCommands(program);
  cloudCommands(program);
  remoteCommands(program);
  clipCommands(program);
  configCommands(program);
  acmeCommands(program);
  doctorCommand(program);
  simCommands(program);
  demoCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // A service command (hub, relay, agent run) makes these write to its own logger once it has one.
  installProcessFaults();
  await runCommandLine(buildProgram(), argv);
}

import type { Command } from 'commander';
import { configFileOf, INSTALLED_CONFIG } from '../../common/serviceCommand';

interface DoctorOptions {
  config?: string;
  agents: string;
  user: string;
  json?: boolean;
}

/** `porchlight doctor`: the checks live in cli/doctor/; this is their command line. */
export function doctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check this machine: ffmpeg and its encoders, cameras, GPIO, clock, disk, certificate, ports, and whether each camera reaches its hub')
    .option('-c, --config <file>', `the hub's config (default: ${INSTALLED_CONFIG} when it exists)`)
    .option('--agents <dir>', "folder of the cameras' configs", '/etc/porchlight/agents')
    .option('--user <name>', 'the account the services run as', 'porchlight')
    .option('--json', 'print the findings as JSON')
    .action(async (opts: DoctorOptions) => {
      const { loadDoctorSetup, runDoctor } = await import('../doctor/doctor');
      const { systemProbes } = await import('../doctor/probes');
      const { exitCodeOf, formatFindings } = await import('../doctor/checks');
      const setup = loadDoctorSetup({ configFile: configFileOf(opts.config), agentsDir: opts.agents, user: opts.user });
      const findings = await runDoctor(setup, systemProbes());
      process.stdout.write(opts.json ? JSON.stringify(findings, null, 2) + '\n' : formatFindings(findings));
      process.exitCode = exitCodeOf(findings);
    });
}

import { execFile } from 'node:child_process';
import * as path from 'node:path';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The compiled CLI beside these tests, so a private build (tsc --outDir) runs its own code. */
const MAIN = path.join(__dirname, '..', '..', 'cli', 'main.js');

const LAUNCHER = `require(${JSON.stringify(MAIN)}).main(['node', 'porchlight', ...process.argv.slice(1)]).catch((err) => { process.stderr.write('porchlight: ' + (err && err.message) + '\\n'); process.exit(1); });`;

/** Runs `porchlight ARGS…` as its own process, as an installer would, and gives its exit code and output. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', LAUNCHER, '--', ...args], { env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The same launcher, for a long-running command a test starts and stops itself. */
export function cliLauncherArgs(args: string[]): string[] {
  return ['-e', LAUNCHER, '--', ...args];
}

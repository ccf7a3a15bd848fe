import * as path from 'node:path';
import type { Command } from 'commander';
import { loadCommandConfig, withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { readSecret } from '../prompt';
import { withHubState } from '../hubState';
import { CliError } from '../cliError';

interface KeysWrapOptions extends ConfigOptions {
  passphraseFile?: string;
}

interface KeysExportOptions extends ConfigOptions {
  out: string;
  passphraseFile?: string;
}

/** `porchlight keys export`: the recovery file that keeps cloud copies readable after a hub is lost. */
export function keysCommands(program: Command): void {
  const keys = program.command('keys').description('footage keys');
  withConfigOptions(keys.command('export').description('write the footage secret key, wrapped with a passphrase, for recovery'))
    .requiredOption('--out <file>', 'recovery file to write')
    .option('--passphrase-file <file>', 'read the passphrase from this file instead of asking')
    .action(async (opts: KeysExportOptions) => {
      const cfg = loadCommandConfig(opts);
      const { hubPaths } = await import('../../common/dataLayout');
      const { exportWrappedKey, loadFootageKeyPair } = await import('../../common/footageKeys');
      const passphrase = await readSecret('Passphrase for the recovery file: ', opts.passphraseFile);
      if (passphrase.length < 12) throw new Error('the passphrase must have at least 12 characters');
      const pair = await loadFootageKeyPair(hubPaths(cfg.dataDir).footageKey, () => readSecret("Passphrase of the hub's footage key (it is wrapped): "));
      await exportWrappedKey(path.resolve(opts.out), pair, passphrase);
      process.stdout.write(`footage key written to ${opts.out}; keep it and its passphrase somewhere safe\n`);
    });
  // The hub's own key file (docs/security.md, "Footage key at rest"); the web UI's System page does the same for owners.
  withConfigOptions(keys.command('wrap').description("protect the hub's footage key with a passphrase: after each restart no clip plays until an owner unlocks it on the System page"))
    .option('--passphrase-file <file>', 'read the passphrase from this file instead of asking')
    .action(async (opts: KeysWrapOptions) => {
      const { readFootageKeyFile, wrapFootageKeyFile, MIN_PASSPHRASE_LENGTH } = await import('../../common/footageKeys');
      const passphrase = await readSecret('New passphrase for the footage key: ', opts.passphraseFile);
      if (passphrase.length < MIN_PASSPHRASE_LENGTH) throw new CliError(`the passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters`);
      await withHubState(opts, async ({ paths, audit }) => {
        const kf = await readFootageKeyFile(paths.footageKey);
        if (kf.wrapped) throw new CliError('the footage key is wrapped already: change its passphrase on the System page, or "porchlight keys unwrap" first');
        await wrapFootageKeyFile(paths.footageKey, kf.keys, passphrase);
        audit.append({ actor: 'cli', action: 'footage_key.wrapped' });
      });
      process.stdout.write('the footage key is wrapped with the passphrase; a running hub keeps it unlocked until it restarts, then an owner unlocks it on the System page\n');
    });
  withConfigOptions(keys.command('unwrap').description("keep the hub's footage key without a passphrase again (a stolen hub or SD card then decrypts every clip)"))
    .option('--passphrase-file <file>', 'read the passphrase from this file instead of asking')
    .action(async (opts: KeysWrapOptions) => {
      const { openWrappedKeyFile, readFootageKeyFile, unwrapFootageKeyFile, WrongPassphraseError } = await import('../../common/footageKeys');
      await withHubState(opts, async ({ paths, audit }) => {
        if (!(await readFootageKeyFile(paths.footageKey)).wrapped) throw new CliError('the footage key is not wrapped with a passphrase');
        const passphrase = await readSecret('Passphrase of the footage key: ', opts.passphraseFile);
        let keys;
        try {
          keys = await openWrappedKeyFile(paths.footageKey, passphrase);
        } catch (err) {
          if (err instanceof WrongPassphraseError) {
            audit.append({ actor: 'cli', action: 'footage_key.unwrap_refused', detail: { reason: 'wrong passphrase' } });
            throw new CliError('that passphrase does not open the footage key');
          }
          throw err;
        }
        await unwrapFootageKeyFile(paths.footageKey, keys);
        audit.append({ actor: 'cli', action: 'footage_key.unwrapped' });
      });
      process.stdout.write('the footage key is kept without a passphrase; the hub starts unlocked from its next start\n');
    });
  withConfigOptions(keys.command('unlock').description("give the running hub its wrapped footage key's passphrase (after a restart it plays no clip until unlocked)"))
    .option('--passphrase-file <file>', 'read the passphrase from this file instead of asking')
    .action(async (opts: KeysWrapOptions) => {
      const cfg = loadCommandConfig(opts);
      const { hubPaths } = await import('../../common/dataLayout');
      const passphrase = await readSecret('Passphrase of the footage key: ', opts.passphraseFile);
      const answer = await askHub(hubPaths(cfg.dataDir).unlockSocket, passphrase);
      if (!answer.ok) throw new CliError(answer.message);
      process.stdout.write(`${answer.message}\n`);
    });
}

/** One request on the running hub's unlock socket (hub/unlockSocket.ts). */
async function askHub(socketPath: string, passphrase: string): Promise<{ ok: boolean; message: string }> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    let answer = '';
    socket.on('connect', () => socket.write(`${JSON.stringify({ passphrase })}\n`));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('end', () => {
      try {
        resolve(JSON.parse(answer) as { ok: boolean; message: string });
      } catch {
        reject(new CliError('the hub gave no answer'));
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? new CliError(`the hub is not running (no ${socketPath})`) : err),
    );
  });
}

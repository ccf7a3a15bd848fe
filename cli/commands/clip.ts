import type { Command } from 'commander';
import { readSecret } from '../prompt';

/** `porchlight clip decrypt`: a stored or uploaded clip back to an MP4, with the recovery file. */
export function clipCommands(program: Command): void {
  const clip = program.command('clip').description('clip files');
  clip
    .command('decrypt <input> <output>')
    .description('decrypt a stored or uploaded clip to an MP4')
    .requiredOption('--key <file>', 'exported recovery file (or the hub key file)')
    .option('--passphrase-file <file>', 'passphrase of the recovery file')
    .action(async (input: string, output: string, opts: { key: string; passphraseFile?: string }) => {
      const { loadFootageKeyPair } = await import('../../common/footageKeys');
      const { decryptClipFile } = await import('../../common/clipDecryption');
      const pair = await loadFootageKeyPair(opts.key, () => readSecret('Passphrase: ', opts.passphraseFile));
      const bytes = await decryptClipFile(pair, input, output);
      process.stdout.write(`wrote ${bytes} bytes to ${output}\n`);
    });
}

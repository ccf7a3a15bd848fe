import type { Command } from 'commander';
import { withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { withHubState } from '../hubState';

/** `porchlight pair open`: a pairing window on this hub, as the web page's button opens one. */
export function pairingCommands(program: Command): void {
  const pair = program.command('pair').description('pairing windows on this hub');
  withConfigOptions(pair.command('open').description('open a pairing window and print its one-time code')).action(async (opts: ConfigOptions) => {
    const { openPairingWindow } = await import('../../hub/pairing');
    await (await import('../../common/pairingBinding')).pakeReady();
    const window = await withHubState(opts, async ({ db, cfg, audit }) => {
      const w = await openPairingWindow(db, cfg.hub.pairingWindowSeconds * 1000);
      audit.append({ actor: 'cli', action: 'pairing.opened', detail: { expiresAt: w.expiresAt } });
      return w;
    });
    process.stdout.write(`${window.code}\nvalid until ${new Date(window.expiresAt).toISOString()}\n`);
  });
}

import type { Command } from 'commander';
import { withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { CliError } from '../cliError';
import { withHubState } from '../hubState';

/** `porchlight device list|revoke|reprovision`: the paired cameras of this hub. */
export function deviceCommands(program: Command): void {
  const device = program.command('device').description('paired cameras on this hub');
  withConfigOptions(device.command('list').description('list paired cameras')).action(async (opts: ConfigOptions) => {
    const { listDevices } = await import('../../hub/devices');
    const devices = await withHubState(opts, ({ db }) => listDevices(db));
    if (devices.length === 0) process.stdout.write('no paired cameras: open a pairing window with "porchlight pair open"\n');
    for (const d of devices) {
      const seen = d.lastSeenAt ? new Date(d.lastSeenAt).toISOString() : 'never';
      process.stdout.write(`${d.id}  ${d.name}  ${d.revoked ? 'REVOKED' : 'active'}  last seen ${seen}\n`);
    }
  });
  withConfigOptions(device.command('revoke <camera>').description("revoke a camera's token (by id or name); its clips stay")).action(
    async (camera: string, opts: ConfigOptions) => {
      const { findDevice, revokeDevice } = await import('../../hub/devices');
      const name = await withHubState(opts, ({ db, audit }) => {
        const d = findDevice(db, camera);
        if (!d) throw new CliError(`no camera named or numbered "${camera}" (see porchlight device list)`);
        const { alreadyRevoked } = revokeDevice(db, d.id);
        if (!alreadyRevoked) audit.append({ actor: 'cli', action: 'device.revoked', target: `device:${d.id}` });
        return { name: d.name, id: d.id, alreadyRevoked };
      });
      process.stdout.write(
        name.alreadyRevoked ? `"${name.name}" (${name.id}) was already revoked\n` : `revoked "${name.name}" (${name.id}): its token is refused from now on\n`,
      );
    },
  );
  withConfigOptions(device.command('reprovision <camera>').description('revoke a camera\'s token and print a pairing code that gives it a new one')).action(
    async (camera: string, opts: ConfigOptions) => {
      const { findDevice } = await import('../../hub/devices');
      const { openPairingWindow } = await import('../../hub/pairing');
      await (await import('../../common/pairingBinding')).pakeReady();
      const window = await withHubState(opts, async ({ db, cfg, audit }) => {
        const d = findDevice(db, camera);
        if (!d) throw new CliError(`no camera named or numbered "${camera}" (see porchlight device list)`);
        const w = await openPairingWindow(db, cfg.hub.pairingWindowSeconds * 1000, Date.now(), d.id);
        audit.append({ actor: 'cli', action: 'device.token_rotated', target: `device:${d.id}` });
        return w;
      });
      process.stdout.write(`${window.code}\nvalid until ${new Date(window.expiresAt).toISOString()}\nrun "porchlight agent pair" on the camera with this code\n`);
    },
  );
}

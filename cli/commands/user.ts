import type { Command } from 'commander';
import { withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { withHubState } from '../hubState';
import { readSecret } from '../prompt';

interface UserAddOptions extends ConfigOptions {
  role: string;
  passwordFile?: string;
  email?: string;
}

/** `porchlight user add`: a household account made on the hub itself (the first owner, usually). */
export function userCommands(program: Command): void {
  const user = program.command('user').description('household accounts');
  withConfigOptions(user.command('add <username>').description('add a user'))
    .option('--role <role>', 'owner, member, viewer or installer', 'owner')
    .option('--password-file <file>', 'read the password from this file instead of asking')
    .option('--email <address>', 'their email address (counted as verified: the installer typed it on the hub)')
    .action(async (username: string, opts: UserAddOptions) => {
      const { addUser } = await import('../../hub/users');
      const password = await readSecret('Password: ', opts.passwordFile);
      const added = await withHubState(opts, async ({ db, audit }) => {
        const u = await addUser(db, username, password, opts.role as never, { email: opts.email, emailVerified: true });
        audit.append({ actor: 'cli', action: 'user.created', target: `user:${u.username}`, detail: { role: u.role } });
        return u;
      }, { create: true });
      process.stdout.write(`added ${added.role} "${added.username}"\n`);
    });
}

import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { CliError } from '../cliError';
import { withHubState, type HubState } from '../hubState';
import { readSecret } from '../prompt';

interface UserAddOptions extends ConfigOptions {
  role: string;
  passwordFile?: string;
  email?: string;
}

interface PasswordOptions extends ConfigOptions {
  passwordFile?: string;
}

/** The hub's mailer and secret as the running hub has them (hub.smtp, keys/hub-secret.key), for a one-shot command. */
async function mailTools(state: HubState) {
  const { createMailer } = await import('../../common/mailer');
  const { createLogger } = await import('../../common/logger');
  const { HubSecret } = await import('../../hub/hubSecret');
  const log = createLogger('porchlight-cli', 'warn');
  return { log, mailer: await createMailer(state.cfg.hub.smtp, log), secret: await HubSecret.load(state.paths.hubSecret) };
}

/** The address the hub last said it listens on (its runtime file), else its configured port on this machine. */
function hubUrlOf(state: HubState): string {
  try {
    if (existsSync(state.paths.runtime)) return (JSON.parse(readFileSync(state.paths.runtime, 'utf8')) as { url: string }).url;
  } catch {
    // An unreadable runtime file only changes the link in the mail.
  }
  return `https://localhost:${state.cfg.hub.httpsPort || 443}/`;
}

/** `porchlight user …`: household accounts managed on the hub itself (the first owner, a forgotten password). */
export function userCommands(program: Command): void {
  const user = program.command('user').description('household accounts');
  withConfigOptions(user.command('add <username>').description('add a user'))
    .option('--role <role>', 'owner, member, viewer or installer', 'owner')
    .option('--password-file <file>', 'read the password from this file instead of asking')
    .option('--email <address>', 'their email address: not confirmed until the code sent to it comes back ("porchlight user verify-email")')
    .action(async (username: string, opts: UserAddOptions) => {
      const { addUser } = await import('../../hub/users');
      const { startEmailVerification } = await import('../../hub/emailCodes');
      const password = await readSecret('Password: ', opts.passwordFile);
      const { added, sent, mailConfigured } = await withHubState(opts, async (state) => {
        const { db, audit } = state;
        // Typing an address on the hub proves nothing about who reads it: it gets a code like any other.
        const u = await addUser(db, username, password, opts.role as never, { email: opts.email });
        audit.append({ actor: 'cli', action: 'user.created', target: `user:${u.username}`, detail: { role: u.role, email: u.email !== null } });
        if (!u.email) return { added: u, sent: false, mailConfigured: false };
        const { mailer, secret } = await mailTools(state);
        const result = await startEmailVerification(db, secret, mailer, { userId: u.id, email: u.email, hubUrl: hubUrlOf(state) });
        return { added: u, sent: result.sent, mailConfigured: mailer.configured };
      }, { create: true });
      process.stdout.write(`added ${added.role} "${added.username}"\n`);
      if (added.email) {
        const how = sent
          ? `a confirmation code was mailed to ${added.email}`
          : mailConfigured
            ? 'the confirmation code could not be mailed (see above); the owner finds it under "Pending codes" in the hub'
            : 'no mail server is set up (hub.smtp): the owner finds the code under "Pending codes" in the hub';
        process.stdout.write(
          `the address ${added.email} is not confirmed yet: ${how}. Confirm it on the Security page, or here with "porchlight user verify-email ${added.username} CODE".\n`,
        );
      }
    });

  withConfigOptions(user.command('verify-email <username> <code>').description("confirm a user's email address with the code sent to it"))
    .action(async (username: string, code: string, opts: ConfigOptions) => {
      const { findUser } = await import('../../hub/users');
      const { confirmEmail } = await import('../../hub/emailCodes');
      const email = await withHubState(opts, ({ db, audit }) => {
        const u = findUser(db, username);
        if (!u) throw new CliError(`there is no user named "${username}"`);
        const confirmed = confirmEmail(db, u.id, code);
        audit.append({ actor: 'cli', action: 'user.email_verified', target: `user:${u.username}` });
        return confirmed.email;
      });
      process.stdout.write(`the address ${email} of "${username}" is confirmed\n`);
    });

  withConfigOptions(user.command('reset-password <username>').description("set a user's password on the hub (they forgot it); signs out all their sessions"))
    .option('--password-file <file>', 'read the new password from this file instead of asking')
    .action(async (username: string, opts: PasswordOptions) => {
      const { findUser, setPassword } = await import('../../hub/users');
      const { deleteUserSessions } = await import('../../hub/sessions');
      const { voidResetCodes } = await import('../../hub/passwordResets');
      const { tellPasswordReset } = await import('../../hub/passwordResetNotice');
      const password = await readSecret('New password: ', opts.passwordFile);
      const sessions = await withHubState(opts, async (state) => {
        const { db, audit } = state;
        const u = findUser(db, username);
        if (!u) throw new CliError(`there is no user named "${username}"`);
        // The CLI plays the OPAQUE client here, as "user add" does: the record is made on this machine.
        await setPassword(db, u.id, password);
        const now = Date.now();
        voidResetCodes(db, u.id, now);
        const ended = deleteUserSessions(db, u.id);
        audit.append({ actor: 'cli', action: 'user.password_reset', target: `user:${u.username}`, detail: { via: 'console', sessionsEnded: ended } });
        const { mailer, log } = await mailTools(state);
        await tellPasswordReset(db, mailer, log, u, "by the hub's owner on its console", now);
        return ended;
      });
      process.stdout.write(`the password of "${username}" is reset; ${sessions} session(s) signed out; 2FA, if on, stays on\n`);
    });
}

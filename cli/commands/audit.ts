import type { Command } from 'commander';
import type { AuditEntry } from '../../common/auditLog';
import { withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { withHubState } from '../hubState';
import { auditLimit, sequenceNumber } from '../optionParsers';

interface AuditListOptions extends ConfigOptions {
  limit: number;
  action?: string;
  before?: number;
}

/**
 * `porchlight audit verify` re-walks the hash chain and checks the head file;
 * `porchlight audit list` prints recent entries.
 */
export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('the hub audit log');
  withConfigOptions(audit.command('verify').description('check the audit log has not been edited, cut short or had entries removed')).action(
    async (opts: ConfigOptions) => {
      const { verifyAuditLog } = await import('../../common/auditLog');
      await withHubState(opts, ({ db, paths, audit }) => {
        const result = verifyAuditLog(db, paths.auditHead);
        if (result.ok) {
          const last = result.lastSeq > 0 ? audit.list({ limit: 1, beforeSeq: result.lastSeq + 1 })[0] : undefined;
          process.stdout.write(
            last
              ? `audit log ok: ${result.entries} entries, chain head #${result.lastSeq} ${last.hash.slice(0, 12)}\n`
              : 'audit log ok: 0 entries (empty)\n',
          );
        } else {
          const where = result.seq === null ? '' : ` at entry #${result.seq}`;
          process.stderr.write(`audit log BROKEN${where}: ${result.problem}\n`);
          process.exitCode = 1;
        }
      });
    },
  );
  withConfigOptions(audit.command('list').description('print recent audit entries, newest first'))
    .option('--limit <n>', 'how many entries (1–1000)', auditLimit, 50)
    .option('--action <action>', 'only this action, e.g. auth.login_failed')
    .option('--before <seq>', 'only entries older than this sequence number', sequenceNumber)
    .action(async (opts: AuditListOptions) => {
      await withHubState(opts, ({ audit }) => {
        for (const e of audit.list({ limit: opts.limit, action: opts.action, beforeSeq: opts.before })) process.stdout.write(auditLine(e) + '\n');
      });
    });
}

/** Fields may hold outside input (a tried username): anything but plain printable ASCII is quoted. */
function auditLine(e: AuditEntry): string {
  const c1 = (json: string) => json.replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const shown = (v: string) => (/^[\x21-\x7e]+$/.test(v) ? v : c1(JSON.stringify(v)));
  const parts = [`#${e.seq}`, new Date(e.at).toISOString(), shown(e.actor), shown(e.action)];
  if (e.target !== null) parts.push(`target=${shown(e.target)}`);
  if (e.ip !== null) parts.push(`ip=${shown(e.ip)}`);
  if (e.detail !== null) parts.push(c1(JSON.stringify(e.detail)));
  return parts.join(' ');
}

import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { AuditLog } from '../common/auditLog';
import { WrongPassphraseError } from '../common/footageKeys';
import type { Logger } from '../common/logger';
import { AlreadyUnlockedError, type FootageKeyring } from './footageKeyring';
import { humanDuration } from './httpError';
import { ipAfterFailure, ipVerdict, type ThrottleState } from './loginThrottlePolicy';

/*
 * `porchlight keys unlock` on the hub's console: the passphrase goes to the running hub over a
 * Unix socket in its data dir (run/unlock.sock, 0600), so only the hub's user and root reach
 * it — whoever could read the wrapped key file anyway. Wrong passphrases are counted like
 * failed sign-ins from one address (hub/loginThrottlePolicy.ts: 5 lock it for 10 minutes) and
 * audited; the count is the running hub's, in memory.
 */

export interface UnlockAnswer {
  ok: boolean;
  message: string;
}

const MAX_LINE = 4096;

export class UnlockSocket {
  private server: net.Server | null = null;
  private throttle: ThrottleState | undefined;

  constructor(
    private readonly file: string,
    private readonly keyring: FootageKeyring,
    private readonly audit: AuditLog,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  async start(): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    // A socket file left by a hub that was killed: nobody listens on it.
    await fs.rm(this.file, { force: true });
    const server = net.createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.file, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await fs.chmod(this.file, 0o600);
    // The HTTPS server keeps the hub running; this one alone must not keep a failed start alive.
    server.unref();
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await fs.rm(this.file, { force: true });
  }

  private serve(socket: net.Socket): void {
    socket.setTimeout(60_000, () => socket.destroy());
    socket.on('error', () => undefined);
    let buffered = '';
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      if (answered) return;
      buffered += chunk.toString('utf8');
      const end = buffered.indexOf('\n');
      if (end < 0) {
        if (buffered.length > MAX_LINE) socket.destroy();
        return;
      }
      answered = true;
      void this.answer(buffered.slice(0, end)).then((a) => socket.end(`${JSON.stringify(a)}\n`));
    });
  }

  /** One request: `{"passphrase": "…"}`. */
  async answer(line: string): Promise<UnlockAnswer> {
    let passphrase: unknown;
    try {
      passphrase = (JSON.parse(line) as { passphrase?: unknown }).passphrase;
    } catch {
      passphrase = undefined;
    }
    if (typeof passphrase !== 'string' || passphrase.length === 0) return { ok: false, message: 'send {"passphrase": "…"} on one line' };
    if (!this.keyring.locked) return { ok: true, message: 'the footage key is unlocked already' };
    const now = this.now();
    const verdict = ipVerdict(this.throttle, now);
    if (!verdict.allowed) return { ok: false, message: `too many wrong passphrases: try again in ${humanDuration(verdict.retryAt - now)}` };
    // Counted before it waits its turn, so guesses sent in parallel meet the limit as serial ones do.
    const before = this.throttle;
    this.throttle = ipAfterFailure(this.throttle, now);
    try {
      await this.keyring.unlock(passphrase);
    } catch (err) {
      if (!(err instanceof WrongPassphraseError)) {
        this.throttle = before;
        if (err instanceof AlreadyUnlockedError) return { ok: true, message: 'the footage key is unlocked already' };
        // Answered, never thrown: an error here would be an unhandled rejection that ends the hub.
        this.log.error({ err: (err as Error).message }, 'the footage key could not be unlocked from the console');
        return { ok: false, message: `the footage key cannot be unlocked: ${(err as Error).message}` };
      }
      this.audit.append({ actor: 'cli', action: 'footage_key.unlock_failed', detail: { failures: this.throttle.failures } }, now);
      this.log.warn({ failures: this.throttle.failures }, 'a wrong passphrase for the footage key was given on the console');
      if (this.throttle.lockedUntil !== null) {
        this.audit.append({ actor: 'system', action: 'footage_key.unlock_locked_out', detail: { until: this.throttle.lockedUntil } }, now);
        return { ok: false, message: `that passphrase does not open the footage key; that was too many: try again in ${humanDuration(this.throttle.lockedUntil - now)}` };
      }
      return { ok: false, message: 'that passphrase does not open the footage key' };
    }
    this.throttle = undefined;
    this.audit.append({ actor: 'cli', action: 'footage_key.unlocked' }, now);
    return { ok: true, message: 'the footage key is unlocked: clips play again (it stays in the hub\'s memory only, until the hub stops)' };
  }
}

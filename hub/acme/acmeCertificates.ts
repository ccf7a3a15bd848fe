import { promises as fs, watchFile, unwatchFile } from 'node:fs';
import { Backoff } from '../../common/backoff';
import type { Clock } from '../../common/clock';
import { ConfigError, type AcmeConfig } from '../../common/config';
import type { Logger } from '../../common/logger';
import type { NoticeContent } from '../../common/notices';
import { loadAccountKey } from './accountKey';
import { acmePaths, emptyState, installCertificate, readLiveCertificate, readState, writeState, type AcmePaths, type AcmeState } from './acmeStore';
import { orderCertificate } from './certificateOrder';
import { DnsHookError } from './dnsHook';
import type { Http01Responder } from './http01Responder';
import { daysLeft, describeCertificate, renewalReason, shouldNotifyOwners, type LiveCertificate } from './renewalPolicy';

/*
 * Keeps the hub's certificate from an ACME server (Let's Encrypt) current: orders one when
 * there is none, when fewer than 30 days are left, when the configured names changed, or
 * when `porchlight acme renew` asks. The new pair is installed beside the old one and the
 * TLS manager reloads, so browsers get it on their next connection, without a restart. A
 * failed attempt changes nothing that is served: it is logged, retried with backoff, and
 * after a few in a row the owners get a notice (once per run of failures).
 */

const CHECK_INTERVAL_MS = 12 * 3600 * 1000;
const RETRY_BASE_MS = 5 * 60 * 1000;
const RETRY_MAX_MS = 6 * 3600 * 1000;
const REQUEST_POLL_MS = 1000;
const STOP_WAIT_MS = 5000;

export interface AcmeCertificatesDeps {
  config: AcmeConfig;
  /** <dataDir>/acme */
  dir: string;
  http01: Http01Responder;
  /** The TLS manager's reload: re-reads the live pair and swaps it into the servers. */
  reload: () => Promise<void>;
  notifyOwners: (notice: NoticeContent) => Promise<void>;
  log: Logger;
  /** The policy clock (due dates, the state's times); the wait between checks is real time. */
  clock: Clock;
  /** Tests replace the ACME exchange. */
  order?: typeof orderCertificate;
}

export interface AttemptOutcome {
  renewed: boolean;
  error: string | null;
}

export class AcmeCertificates {
  readonly paths: AcmePaths;
  private state: AcmeState;
  private readonly backoff = new Backoff(RETRY_BASE_MS, RETRY_MAX_MS);
  private running: Promise<AttemptOutcome> | null = null;
  private wake: AbortController | null = null;
  private stopped = true;
  private loop: Promise<void> | null = null;
  private caPem: string | undefined;

  constructor(private readonly deps: AcmeCertificatesDeps) {
    this.paths = acmePaths(deps.dir);
    this.state = emptyState(deps.config.domains);
  }

  /** The live pair's files, for the TLS manager: they exist once the first certificate is issued. */
  get files(): { certFile: string; keyFile: string } {
    return { certFile: this.paths.certFile, keyFile: this.paths.keyFile };
  }

  /** Reads the record and the CA; throws (start-up fails) when hub.acme.caFile cannot be read. */
  async init(): Promise<void> {
    await fs.mkdir(this.paths.dir, { recursive: true, mode: 0o700 });
    const { caFile } = this.deps.config;
    if (caFile) {
      try {
        this.caPem = await fs.readFile(caFile, 'utf8');
      } catch (err) {
        throw new ConfigError(`setting "hub.acme.caFile" is invalid: cannot read ${caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      }
    }
    const saved = await readState(this.paths).catch(() => null);
    if (saved) this.state = { ...saved, domains: this.deps.config.domains };
  }

  /** Checks now and then every few hours; `porchlight acme renew` is noticed within a second. */
  start(): void {
    this.stopped = false;
    watchFile(this.paths.renewRequest, { interval: REQUEST_POLL_MS }, (cur) => {
      if (cur.isFile()) this.wake?.abort();
    });
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    unwatchFile(this.paths.renewRequest);
    this.wake?.abort();
    // An attempt in progress may wait minutes on a DNS hook: the hub's shutdown does not. Its
    // outcome still lands in state.json; the servers it would reload are closed by then.
    await Promise.race([this.loop, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    this.loop = null;
  }

  get record(): AcmeState {
    return { ...this.state };
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      // Made before the check, so a `porchlight acme renew` that lands while an attempt is
      // running aborts the sleep that follows it; the next check then finds the request.
      const wake = new AbortController();
      this.wake = wake;
      const waitMs = await this.checkOnce();
      if (this.stopped) return;
      this.state.nextAttemptAt = this.deps.clock.now() + waitMs;
      await writeState(this.paths, this.state).catch((err: Error) => this.deps.log.warn({ err: err.message }, 'could not write the ACME state'));
      await this.deps.clock.sleep(waitMs, wake.signal);
    }
  }

  /** One check: renews when due or asked; returns how long to wait before the next. */
  private async checkOnce(): Promise<number> {
    const requested = await fs.rm(this.paths.renewRequest).then(
      () => true,
      () => false,
    );
    const outcome = requested ? await this.renew('asked from the console') : await this.check();
    if (!outcome) return CHECK_INTERVAL_MS;
    return outcome.error ? this.backoff.next() : CHECK_INTERVAL_MS;
  }

  /** What the timer does: renews if the certificate is due (see renewalPolicy.ts); null when it is not. */
  async check(): Promise<AttemptOutcome | null> {
    const reason = renewalReason(await this.live(), this.deps.config.domains, this.deps.clock.now());
    return reason ? this.renew(reason) : null;
  }

  private async live(): Promise<LiveCertificate | null> {
    try {
      const pem = await readLiveCertificate(this.paths);
      return pem ? describeCertificate(pem) : null;
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'the installed ACME certificate cannot be read; ordering a new one');
      return null;
    }
  }

  /** Orders a certificate now, whatever is due; one attempt at a time (a second caller shares it). */
  renew(reason = 'asked'): Promise<AttemptOutcome> {
    this.running ??= this.attempt(reason).finally(() => (this.running = null));
    return this.running;
  }

  private async attempt(reason: string): Promise<AttemptOutcome> {
    const { config, log, clock } = this.deps;
    const started = clock.now();
    this.state.lastAttemptAt = started;
    this.state.attempts += 1;
    log.info({ domains: config.domains, directory: config.directoryUrl, challenge: config.challenge, reason }, 'ordering a certificate from the ACME server');
    let outcome: AttemptOutcome;
    try {
      const accountKey = await loadAccountKey(this.paths.accountKey);
      const issued = await (this.deps.order ?? orderCertificate)(config, { accountKey, http01: this.deps.http01, ...(this.caPem ? { caPem: this.caPem } : {}) });
      await installCertificate(this.paths, issued.certPem, issued.keyPem, clock.now());
      await this.deps.reload();
      const cert = describeCertificate(issued.certPem);
      log.info({ domains: cert.names, validTo: new Date(cert.notAfter).toISOString() }, 'new certificate from the ACME server in use');
      const wasNotified = this.state.notifiedAt !== null;
      this.state = { ...this.state, lastSuccessAt: clock.now(), lastError: null, failures: 0, notifiedAt: null };
      this.backoff.reset();
      if (wasNotified) {
        await this.notify({
          kind: 'certificate-renewed',
          subject: 'The hub has its certificate again',
          message: `The hub got a new certificate for ${config.domains.join(', ')}; it is valid until ${new Date(cert.notAfter).toUTCString()}.`,
        });
      }
      outcome = { renewed: true, error: null };
    } catch (err) {
      const error = (err as Error).message || String(err);
      this.state = { ...this.state, lastError: error, failures: this.state.failures + 1 };
      const live = await this.live();
      // The hook's own words go to this log only, never to the state, the page or a notice (dnsHook.ts).
      const hookOutput = err instanceof DnsHookError && err.output ? { hookOutput: err.output } : {};
      log.error({ domains: config.domains, failures: this.state.failures, err: error, ...hookOutput }, live ? 'certificate renewal failed; the current certificate stays in use' : 'could not get a certificate from the ACME server; browsers get the hub-made one');
      if (shouldNotifyOwners(this.state.failures, this.state.notifiedAt !== null)) {
        this.state.notifiedAt = clock.now();
        await this.notify(failureNotice(config.domains, this.state.failures, error, live, clock.now()));
      }
      outcome = { renewed: false, error };
    }
    await writeState(this.paths, this.state).catch((e: Error) => log.warn({ err: e.message }, 'could not write the ACME state'));
    return outcome;
  }

  private async notify(notice: NoticeContent): Promise<void> {
    await this.deps.notifyOwners(notice).catch((err: Error) => this.deps.log.warn({ err: err.message }, 'could not record the certificate notice'));
  }
}

function failureNotice(domains: string[], failures: number, error: string, live: LiveCertificate | null, now: number): NoticeContent {
  const names = domains.join(', ');
  const until = live
    ? `The current certificate stays in use until it expires on ${new Date(live.notAfter).toUTCString()} (in ${daysLeft(live.notAfter, now)} days); after that, browsers warn that the hub is not safe.`
    : "Until it succeeds, browsers get the hub's own certificate, which they ask you to trust.";
  return {
    kind: 'certificate-renewal-failed',
    subject: `The hub could not renew its certificate for ${names}`,
    message: `${failures} attempts in a row to get a certificate for ${names} failed; the last said: ${error}. ${until} The hub keeps trying; "porchlight acme status" shows the latest attempt.`,
    push: { title: 'Certificate renewal failing', body: `${names}: ${error}`.slice(0, 180), url: '/#/system' },
  };
}

import * as path from 'node:path';
import { Backoff } from '../common/backoff';
import { systemClock, type Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import { HubRequestError, type HubClient } from './hubClient';
import { afterReport, noteDrops, noteFailure, noteSuccess, OutageLedger, type OutageReason } from './outageLedger';
import { LEDGER_FILE, type Spool, type SpooledClip } from './spool';

/** What delivery needs of the hub client (a fake in unit tests). */
export type ClipUploader = Pick<HubClient, 'uploadClip' | 'reportSpoolDrops'>;

export interface DeliveryOptions {
  /** First wait after the hub could not be reached (default 1 s). */
  baseDelayMs?: number;
  /** Longest wait between tries (default 60 s). */
  maxDelayMs?: number;
  /** How often the spool's disk budget is checked while nothing else happens (default 2 s; 0: only when a clip is ready). */
  budgetCheckMs?: number;
  clock?: Clock;
  /** In [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

/**
 * Sends spooled clips to the hub, oldest first. A clip is deleted only after the hub
 * acknowledged it; while the hub is unreachable the clips wait and retries back off with the
 * shared jittered backoff (common/backoff.ts). A new clip tries again at once.
 *
 * It also keeps the spool within its disk budget (checked when a clip is ready and every
 * few seconds, since the clip being written grows), records what the budget dropped and
 * since when the hub was out of reach (OutageLedger), and tells the hub once clips go
 * through again.
 */
export class Delivery {
  private wait: AbortController | null = null;
  private running: Promise<void> | null = null;
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  private readonly ledger: OutageLedger;
  private ledgerLoaded: Promise<void> | null = null;
  private budgetTimer: NodeJS.Timeout | null = null;
  private budgetRun: Promise<void> | null = null;
  private stopped = false;
  /** A kick came while a pass was running: that pass may have listed the spool too early. */
  private again = false;
  delivered = 0;
  /** Clips the disk budget dropped since this agent started. */
  dropped = 0;

  constructor(
    private readonly spool: Spool,
    private readonly hub: ClipUploader,
    private readonly log: Logger,
    private readonly options: DeliveryOptions = {},
  ) {
    this.backoff = new Backoff(options.baseDelayMs ?? 1000, options.maxDelayMs ?? 60_000, options.random);
    this.clock = options.clock ?? systemClock;
    this.ledger = new OutageLedger(path.join(spool.dir, LEDGER_FILE));
  }

  /** Try now (a new clip is ready). */
  kick(): void {
    if (this.stopped) return;
    this.startBudgetTimer();
    this.wait?.abort();
    this.wait = null;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: Error) => {
        // A spool that cannot be read (disk gone) must not stop delivery for good.
        this.log.error({ err: err.message }, 'delivery pass failed; trying again later');
        this.schedule(this.backoff.next());
      })
      .finally(() => {
        this.running = null;
        if (!this.again) return;
        this.again = false;
        this.kick();
      });
  }

  private loadLedger(): Promise<void> {
    this.ledgerLoaded ??= this.ledger.load().then((r) => {
      if (!r.ok) this.log.warn({ file: this.ledger.file, problem: r.problem }, 'the outage record was unreadable and has been reset: an earlier outage may go unreported');
    });
    return this.ledgerLoaded;
  }

  private startBudgetTimer(): void {
    const every = this.options.budgetCheckMs ?? 2000;
    if (this.budgetTimer || every <= 0 || this.spool.maxBytes === Number.POSITIVE_INFINITY) return;
    this.budgetTimer = setInterval(() => void this.enforceBudget(), every);
    this.budgetTimer.unref();
  }

  /** Applies the spool's disk budget now and records what it dropped. One run at a time. */
  enforceBudget(): Promise<void> {
    this.budgetRun ??= (async () => {
      try {
        await this.loadLedger();
        const dropped = await this.spool.enforceBudget();
        if (dropped.length === 0) return;
        this.dropped += dropped.length;
        const bytes = dropped.reduce((s, c) => s + c.bytes, 0);
        await this.ledger.set(noteDrops(this.ledger.current, dropped.length, bytes, this.clock.now()));
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'could not apply the spool budget');
      } finally {
        this.budgetRun = null;
      }
    })();
    return this.budgetRun;
  }

  private async drain(): Promise<void> {
    await this.loadLedger();
    await this.enforceBudget();
    for (const clip of await this.spool.list()) {
      if (this.stopped) return;
      // Dropped by the budget since the list was made.
      if (!this.spool.claim(clip)) continue;
      try {
        const outcome = await this.send(clip);
        if (outcome === 'retry') return;
      } finally {
        this.spool.release(clip);
      }
    }
    await this.sendReport();
  }

  private async send(clip: SpooledClip): Promise<'sent' | 'rejected' | 'retry'> {
    try {
      await this.hub.uploadClip(clip.meta, clip.file);
    } catch (err) {
      if (err instanceof HubRequestError && err.permanent) {
        this.log.error({ clipId: clip.meta.clipId, status: err.status, code: err.code }, `hub refused clip: ${err.message}`);
        await this.spool.reject(clip);
        return 'rejected';
      }
      const reason: OutageReason = err instanceof HubRequestError && err.status === 507 ? 'hub-full' : 'unreachable';
      await this.ledger.set(noteFailure(this.ledger.current, this.clock.now(), reason));
      const retryInMs = this.backoff.next();
      this.log.warn({ clipId: clip.meta.clipId, err: (err as Error).message, retryInMs }, reason === 'hub-full' ? "the hub's disk cannot take clips; clip kept in spool" : 'hub unreachable; clip kept in spool');
      this.schedule(retryInMs);
      return 'retry';
    }
    await this.spool.remove(clip);
    this.backoff.reset();
    const { state } = noteSuccess(this.ledger.current, this.clock.now());
    await this.ledger.set(state);
    // Counted once the outage record is settled too, so a count that went up means the spool is done with the clip.
    this.delivered += 1;
    this.log.info({ clipId: clip.meta.clipId, bytes: clip.bytes }, 'clip delivered to hub');
    return 'sent';
  }

  /** Tells the hub what the last outage cost, once clips go through again; kept for later when it cannot. */
  private async sendReport(): Promise<void> {
    const state = this.ledger.current;
    if (!state || state.until === null) return;
    const { report } = noteSuccess(state, this.clock.now());
    if (!report) return;
    try {
      await this.hub.reportSpoolDrops(report);
      this.log.info({ reportId: report.reportId, droppedClips: report.droppedClips, droppedBytes: report.droppedBytes }, 'told the hub what the spool budget dropped during the outage');
      await this.ledger.set(afterReport(this.ledger.current, report));
    } catch (err) {
      if (err instanceof HubRequestError && err.permanent) {
        this.log.error({ reportId: report.reportId, status: err.status, code: err.code }, `hub refused the dropped-clips report: ${err.message}`);
        await this.ledger.set(null);
        return;
      }
      this.log.warn({ err: (err as Error).message }, 'could not tell the hub about dropped clips yet; will retry');
      this.schedule(this.backoff.next());
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    const wait = new AbortController();
    this.wait = wait;
    void this.clock.sleep(ms, wait.signal).then(() => {
      // Aborted: a new clip (or stop) came first.
      if (wait.signal.aborted) return;
      this.wait = null;
      this.kick();
    });
  }

  /** Waits for the send in progress; with `flush`, tries once more to empty the spool. */
  async stop(flush: boolean): Promise<void> {
    if (flush) {
      await this.running;
      this.kick();
    }
    this.stopped = true;
    if (this.budgetTimer) clearInterval(this.budgetTimer);
    this.budgetTimer = null;
    this.wait?.abort();
    this.wait = null;
    await this.running;
    await this.budgetRun;
  }
}

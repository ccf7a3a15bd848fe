import { Backoff } from '../common/backoff';
import { systemClock, type Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import { HubRequestError, type HubClient } from './hubClient';
import type { Spool } from './spool';

/** What delivery needs of the hub client (a fake in unit tests). */
export type ClipUploader = Pick<HubClient, 'uploadClip'>;

export interface DeliveryOptions {
  /** First wait after the hub could not be reached (default 1 s). */
  baseDelayMs?: number;
  /** Longest wait between tries (default 60 s). */
  maxDelayMs?: number;
  clock?: Clock;
  /** In [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

/**
 * Sends spooled clips to the hub, oldest first. A clip is deleted only after the hub
 * acknowledged it; while the hub is unreachable the clips wait and retries back off with the
 * shared jittered backoff (common/backoff.ts). A new clip tries again at once.
 */
export class Delivery {
  private wait: AbortController | null = null;
  private running: Promise<void> | null = null;
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  private stopped = false;
  /** A kick came while a pass was running: that pass may have listed the spool too early. */
  private again = false;
  delivered = 0;

  constructor(
    private readonly spool: Spool,
    private readonly hub: ClipUploader,
    private readonly log: Logger,
    options: DeliveryOptions = {},
  ) {
    this.backoff = new Backoff(options.baseDelayMs ?? 1000, options.maxDelayMs ?? 60_000, options.random);
    this.clock = options.clock ?? systemClock;
  }

  /** Try now (a new clip is ready). */
  kick(): void {
    if (this.stopped) return;
    this.wait?.abort();
    this.wait = null;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (!this.again) return;
      this.again = false;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    for (const clip of await this.spool.list()) {
      if (this.stopped) return;
      try {
        await this.hub.uploadClip(clip.meta, clip.file);
        await this.spool.remove(clip);
        this.delivered += 1;
        this.backoff.reset();
        this.log.info({ clipId: clip.meta.clipId, bytes: clip.bytes }, 'clip delivered to hub');
      } catch (err) {
        if (err instanceof HubRequestError && err.permanent) {
          this.log.error({ clipId: clip.meta.clipId, status: err.status, code: err.code }, `hub refused clip: ${err.message}`);
          await this.spool.reject(clip);
          continue;
        }
        const retryInMs = this.backoff.next();
        this.log.warn({ clipId: clip.meta.clipId, err: (err as Error).message, retryInMs }, 'hub unreachable; clip kept in spool');
        this.schedule(retryInMs);
        return;
      }
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
    this.wait?.abort();
    this.wait = null;
    await this.running;
  }
}

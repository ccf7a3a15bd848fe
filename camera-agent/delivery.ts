import type { Logger } from '../common/logger';
import { HubRequestError, type HubClient } from './hubClient';
import type { Spool } from './spool';

/**
 * Sends spooled clips to the hub, oldest first. A clip is deleted only after the hub
 * acknowledged it; while the hub is unreachable the clips wait and retries back off.
 */
export class Delivery {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private delay = 1000;
  private stopped = false;
  delivered = 0;

  constructor(
    private readonly spool: Spool,
    private readonly hub: HubClient,
    private readonly log: Logger,
  ) {}

  /** Try now (a new clip is ready). */
  kick(): void {
    if (this.stopped) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    for (const clip of await this.spool.list()) {
      if (this.stopped) return;
      try {
        await this.hub.uploadClip(clip.meta, clip.file);
        await this.spool.remove(clip);
        this.delivered += 1;
        this.delay = 1000;
        this.log.info({ clipId: clip.meta.clipId, bytes: clip.bytes }, 'clip delivered to hub');
      } catch (err) {
        if (err instanceof HubRequestError && err.permanent) {
          this.log.error({ clipId: clip.meta.clipId, status: err.status, code: err.code }, `hub refused clip: ${err.message}`);
          await this.spool.reject(clip);
          continue;
        }
        this.log.warn({ clipId: clip.meta.clipId, err: (err as Error).message, retryInMs: this.delay }, 'hub unreachable; clip kept in spool');
        this.schedule();
        this.delay = Math.min(this.delay * 2, 60_000);
        return;
      }
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    const jittered = this.delay * (0.8 + Math.random() * 0.4);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, jittered);
  }

  /** Waits for the send in progress; with `flush`, tries once more to empty the spool. */
  async stop(flush: boolean): Promise<void> {
    if (flush) {
      await this.running;
      this.kick();
    }
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

import { promises as fs } from 'node:fs';
import type { Logger } from '../common/logger';
import { writeFileAtomic } from '../common/atomicFile';
import { parseCameraArming, type CameraArming } from '../common/protocol';
import type { HubClient } from './hubClient';

/**
 * Keeps a camera obeying the hub's arming: the hub pushes it on the device channel the moment
 * it changes; the last state is kept on disk, so a camera that restarts while the hub is
 * unreachable goes on obeying it. Reconnects with a capped backoff.
 */
export class ArmingFollower {
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private writes: Promise<void> = Promise.resolve();
  current: CameraArming | null = null;

  constructor(
    private readonly hub: HubClient,
    private readonly file: string,
    private readonly apply: (a: CameraArming) => void,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const saved = await fs.readFile(this.file, 'utf8').then(parseCameraArming, () => null);
    if (saved) {
      this.current = saved;
      this.apply(saved);
      this.log.info({ mode: saved.mode, record: saved.record }, 'obeying the last arming the hub sent until it answers');
    }
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let delay = 1000;
    while (!this.abort.signal.aborted) {
      try {
        await this.hub.channel((event, data) => {
          if (event !== 'arming') return;
          const arming = parseCameraArming(data);
          if (!arming) {
            this.log.warn('the hub sent an arming message this camera does not understand; ignored');
            return;
          }
          delay = 1000;
          // In order, and awaited by stop(): the file on disk is always the last state obeyed.
          this.writes = this.writes.then(() => this.take(arming));
        }, this.abort.signal);
      } catch (err) {
        this.log.debug({ err: (err as Error).message }, 'hub channel not open');
      }
      if (this.abort.signal.aborted) return;
      await new Promise((r) => setTimeout(r, delay).unref());
      delay = Math.min(30_000, delay * 2);
    }
  }

  private async take(arming: CameraArming): Promise<void> {
    const changed = JSON.stringify(arming) !== JSON.stringify(this.current);
    this.current = arming;
    if (!changed) return;
    this.apply(arming);
    this.log.info({ mode: arming.mode, record: arming.record, live: arming.live }, 'arming from the hub');
    try {
      await writeFileAtomic(this.file, JSON.stringify(arming), 0o600);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not keep the arming on disk');
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.writes;
  }
}

import { promises as fs } from 'node:fs';
import type { Logger } from '../common/logger';
import { writeFileAtomic } from '../common/atomicFile';
import { parseCameraArming, type CameraArming } from '../common/protocol';

/**
 * Keeps a camera obeying the hub's arming: the hub pushes it on the device channel (an
 * `arming` event, see deviceChannel.ts) when the channel opens and the moment it changes; the
 * last state is kept on disk (written atomically), so a camera that restarts while the hub is
 * unreachable goes on obeying it.
 */
export class ArmingFollower {
  private writes: Promise<void> = Promise.resolve();
  current: CameraArming | null = null;

  constructor(
    private readonly file: string,
    private readonly apply: (a: CameraArming) => void,
    private readonly log: Logger,
  ) {}

  /** Obeys the arming kept on disk, if any; call before the channel starts. */
  async start(): Promise<void> {
    const saved = await fs.readFile(this.file, 'utf8').then(parseCameraArming, () => null);
    if (saved) {
      this.current = saved;
      this.apply(saved);
      this.log.info({ record: saved.record, privacy: saved.privacy }, 'obeying the last arming the hub sent until it answers');
    }
  }

  /** One `arming` event from the channel (its raw data). */
  receive(data: string): void {
    const arming = parseCameraArming(data);
    if (!arming) {
      this.log.warn('the hub sent an arming message this camera does not understand; ignored');
      return;
    }
    // In order, and awaited by stop(): the file on disk is always the last state obeyed.
    this.writes = this.writes.then(() => this.take(arming));
  }

  private async take(arming: CameraArming): Promise<void> {
    const changed = JSON.stringify(arming) !== JSON.stringify(this.current);
    this.current = arming;
    if (!changed) return;
    this.apply(arming);
    this.log.info({ record: arming.record, live: arming.live, motion: arming.motion, privacy: arming.privacy }, 'arming from the hub');
    try {
      await writeFileAtomic(this.file, JSON.stringify(arming), 0o600);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not keep the arming on disk');
    }
  }

  /** Waits until the last arming received is on disk. */
  async stop(): Promise<void> {
    await this.writes;
  }
}

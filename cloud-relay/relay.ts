import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sha256Of } from '../common/fileHash';
import type { Config } from '../common/config';
import { openDatabase, type DB } from '../common/database';
import type { Logger } from '../common/logger';
import { DirectoryTarget } from './directoryTarget';
import { S3Target } from './s3Target';
import { retryDelayMs, UploadQueue } from './uploadQueue';
import { TargetConfigError, type UploadTarget } from './uploadTarget';

export function createTarget(config: Config): UploadTarget {
  const t = config.relay.target ?? { type: 'directory' as const, path: path.join(config.dataDir, 'cloud') };
  return t.type === 'directory' ? new DirectoryTarget(path.resolve(t.path)) : new S3Target(t);
}


/**
 * Uploads the hub's encrypted clips. It reads the hub's clip folder and queue table but
 * holds no key that could decrypt footage. Offline is logged once when it starts and
 * once when it ends, not per attempt.
 */
export class Relay {
  private db: DB | null = null;
  private queue: UploadQueue | null = null;
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private stopped = false;
  private offline = false;
  uploaded = 0;

  constructor(
    private readonly config: Config,
    private readonly hubDataDir: string,
    private readonly target: UploadTarget,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.db = openDatabase(path.join(this.hubDataDir, 'hub.db'));
    this.queue = new UploadQueue(this.db);
    this.log.info({ target: this.target.description, ...this.queue.counts() }, 'relay started');
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    this.busy = this.runOnce()
      .catch((err: Error) => this.log.error({ err: err.message }, 'relay pass failed'))
      .finally(() => {
        this.busy = null;
        if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.config.relay.pollSeconds * 1000);
      });
  }

  /** One pass over the due items. Exposed for tests. */
  async runOnce(): Promise<void> {
    const queue = this.queue!;
    for (;;) {
      const items = queue.due(Date.now());
      if (items.length === 0 || this.stopped) return;
      for (const item of items) {
        if (this.stopped) return;
        const file = path.join(this.hubDataDir, 'clips', `${item.clipId}.plc`);
        try {
          const { size } = await fs.stat(file);
          const sha = await sha256Of(file);
          await this.target.put(item.objectName, file, sha, size);
          queue.markUploaded(item.clipId, Date.now());
          this.uploaded += 1;
          this.log.info({ clipId: item.clipId, bytes: size }, 'clip uploaded');
          if (this.offline) {
            this.offline = false;
            this.log.info('upload target reachable again; draining backlog');
            queue.retryAllNow(Date.now());
          }
        } catch (err) {
          const message = (err as Error).message;
          const delay = retryDelayMs(item.attempts + 1, this.config.relay.retryBaseSeconds * 1000, this.config.relay.retryMaxSeconds * 1000);
          queue.markFailed(item.clipId, message, Date.now() + delay);
          if (!this.offline) {
            this.offline = true;
            const hint = err instanceof TargetConfigError ? 'configuration problem' : 'offline';
            this.log.warn({ err: message, target: this.target.description }, `upload target ${hint}; clips stay safe locally`);
          }
          return;
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.busy;
    this.db?.close();
    if (this.target instanceof S3Target) this.target.close();
  }
}

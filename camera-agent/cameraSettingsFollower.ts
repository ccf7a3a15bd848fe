import { promises as fs } from 'node:fs';
import type { Logger } from '../common/logger';
import { writeFileAtomic } from '../common/atomicFile';
import { parseSettingsMessage, type CameraSettingsMessage } from '../common/cameraSettings';

/**
 * Keeps a camera on the settings the household saved on the hub (sensitivity, object size,
 * clip length, retrigger, pre/post-roll, zones, masks). The hub pushes them on the device
 * channel when they change and whenever the channel opens; each one is checked exactly as
 * the hub checked it, applied at once, and kept on disk so a camera that restarts while the
 * hub is unreachable keeps watching the way it was told to. Until the hub has sent any, the
 * camera runs on its config file.
 */
export class CameraSettingsFollower {
  private writes: Promise<void> = Promise.resolve();
  current: CameraSettingsMessage | null = null;

  constructor(
    private readonly file: string,
    /** Applies settings to the running detector and recorder; throws when it cannot. */
    private readonly apply: (m: CameraSettingsMessage) => void,
    private readonly log: Logger,
  ) {}

  /** Applies the settings kept on disk, if any. */
  async start(): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch {
      return;
    }
    const saved = parseSettingsMessage(text);
    if (!saved) {
      this.log.warn({ file: this.file }, 'the settings kept on disk are unreadable; using the config file until the hub sends them again');
      return;
    }
    if (this.use(saved)) this.log.info({ version: saved.version }, 'using the last settings the hub sent until it answers');
  }

  /** One `settings` event from the channel (its raw data). */
  receive(data: string): void {
    const message = parseSettingsMessage(data);
    if (!message) {
      this.log.warn('the hub sent settings this camera does not understand; ignored');
      return;
    }
    if (JSON.stringify(message) === JSON.stringify(this.current)) return;
    if (!this.use(message)) return;
    this.log.info({ version: message.version }, 'settings from the hub');
    // In order, and awaited by stop(): the file on disk is always the last settings applied.
    this.writes = this.writes.then(async () => {
      try {
        await writeFileAtomic(this.file, JSON.stringify(message), 0o600);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'could not keep the settings on disk');
      }
    });
  }

  private use(message: CameraSettingsMessage): boolean {
    try {
      this.apply(message);
    } catch (err) {
      this.log.warn({ version: message.version, err: (err as Error).message }, 'the settings from the hub could not be applied; keeping the previous ones');
      return false;
    }
    this.current = message;
    return true;
  }

  async stop(): Promise<void> {
    await this.writes;
  }
}

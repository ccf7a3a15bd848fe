import type { Logger } from '../common/logger';
import type { HubClient } from './hubClient';

type Handler = (data: string) => void;

/**
 * Keeps one device channel to the hub open and hands each event to whoever subscribed to
 * its name; reconnects with a capped backoff. The hub sends the current state of what it
 * pushes (settings) each time a channel opens, so a reconnect needs no catching up here.
 */
export class ChannelListener {
  private readonly abort = new AbortController();
  private readonly handlers = new Map<string, Handler[]>();
  private loop: Promise<void> | null = null;

  constructor(
    private readonly hub: HubClient,
    private readonly log: Logger,
    private readonly maxDelayMs = 30_000,
  ) {}

  on(event: string, handler: Handler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    let delay = 1000;
    while (!this.abort.signal.aborted) {
      try {
        await this.hub.channel((event, data) => {
          delay = 1000;
          for (const handler of this.handlers.get(event) ?? []) {
            try {
              handler(data);
            } catch (err) {
              this.log.warn({ event, err: (err as Error).message }, 'a channel event could not be handled');
            }
          }
        }, this.abort.signal);
      } catch (err) {
        this.log.debug({ err: (err as Error).message }, 'hub channel not open');
      }
      if (this.abort.signal.aborted) return;
      await new Promise((r) => setTimeout(r, delay).unref());
      delay = Math.min(this.maxDelayMs, delay * 2);
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }
}

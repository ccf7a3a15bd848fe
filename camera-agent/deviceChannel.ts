import { Backoff } from '../common/backoff';
import { systemClock, type Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import type { HubClient } from './hubClient';

/** Receives the raw data of one pushed event. */
export type ChannelHandler = (data: string) => void;

/** What the channel needs of the hub client (a fake in unit tests). */
export type ChannelOpener = Pick<HubClient, 'channel'>;

export interface DeviceChannelOptions {
  /** First wait after the channel dropped or could not open (default 1 s). */
  baseDelayMs?: number;
  /** Longest wait between tries (default 30 s). */
  maxDelayMs?: number;
  clock?: Clock;
  /** In [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

/**
 * The camera's one channel to the hub: a single server-sent-events connection carrying
 * everything the hub pushes (`arming`, `settings`, `snapshot`, `live`), each event handed to
 * whoever subscribed to its name. One reconnect loop with the shared jittered backoff
 * (common/backoff.ts), started again from the first delay as soon as the hub answers. The hub
 * sends the current state of what it pushes (arming, settings) each time a channel opens, so
 * a reconnect needs no catching up here.
 */
export class DeviceChannel {
  private readonly abort = new AbortController();
  private readonly handlers = new Map<string, ChannelHandler[]>();
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly hub: ChannelOpener,
    private readonly log: Logger,
    options: DeviceChannelOptions = {},
  ) {
    this.backoff = new Backoff(options.baseDelayMs ?? 1000, options.maxDelayMs ?? 30_000, options.random);
    this.clock = options.clock ?? systemClock;
  }

  /** Subscribes to one event name; subscribe before `start()` so the first push is not missed. */
  on(event: string, handler: ChannelHandler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        await this.hub.channel((event, data) => this.dispatch(event, data), signal);
      } catch (err) {
        this.log.debug({ err: (err as Error).message }, 'hub channel not open');
      }
      if (signal.aborted) return;
      const waitMs = this.backoff.next();
      this.log.debug({ waitMs, failures: this.backoff.failures }, 'hub channel closed; reconnecting');
      await this.clock.sleep(waitMs, signal);
    }
  }

  private dispatch(event: string, data: string): void {
    // The hub answered: the next drop waits the first delay again.
    this.backoff.reset();
    for (const handler of this.handlers.get(event) ?? []) {
      try {
        handler(data);
      } catch (err) {
        this.log.warn({ event, err: (err as Error).message }, 'a channel event could not be handled');
      }
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }
}

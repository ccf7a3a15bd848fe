import type { RecordingLedConfig } from '../common/config';
import type { GpioProvider, OutputPin } from '../common/gpio';
import type { Logger } from '../common/logger';

/*
 * The recording LED is a privacy promise: it is lit whenever this camera records a clip
 * or streams live. Every user of the camera takes a hold (`hold('recording')`,
 * `hold('live')`) for as long as it captures and releases it after its last frame; the LED
 * is on while any hold is outstanding.
 *
 * - A failure to write the pin is logged, never thrown: recording goes on with a dark LED
 *   rather than losing the clip, and the log says so.
 * - Stopping waits until every hold is released (stop the recorder first), then switches
 *   the LED off: it never goes dark while a clip is still being written.
 * - If the process exits without stopping (a crash, the stop deadline), the LED is switched
 *   off on the way out: nothing records once the process is gone.
 * - After close() the LED stays off; a hold taken then is refused with a warning.
 */

/** What a recorder or live stream needs: take a hold while capturing, call the returned release when done. */
export interface RecordingIndicator {
  hold(reason: string): () => void;
}

/** For cameras without an LED. */
export const NO_RECORDING_INDICATOR: RecordingIndicator = { hold: () => () => undefined };

export class RecordingLed implements RecordingIndicator {
  private pin: OutputPin | null = null;
  private readonly holds = new Map<number, string>();
  private nextHold = 1;
  private closed = false;
  /** What the pin shows as far as we know; null = unknown (not written yet, or a write failed). */
  private shown: 0 | 1 | null = null;
  private failing = false;
  private drained: Array<() => void> = [];
  private readonly onExit = () => this.switchOffNow();

  constructor(
    private readonly gpio: GpioProvider,
    private readonly settings: RecordingLedConfig,
    private readonly log: Logger,
  ) {}

  /** True while any hold is outstanding (what the LED should show). */
  get lit(): boolean {
    return this.holds.size > 0;
  }

  /** Reasons of the outstanding holds, e.g. ['recording', 'live']. */
  get reasons(): string[] {
    return [...this.holds.values()];
  }

  /** Opens the pin and shows the current state (holds taken before start count). */
  start(): void {
    if (this.pin || this.closed) return;
    const { line, activeLow } = this.settings;
    this.pin = this.gpio.output({ line, activeLow, label: 'recording LED' });
    process.on('exit', this.onExit);
    this.log.info({ line, activeLow, gpio: this.gpio.kind }, 'recording LED ready');
    this.show();
  }

  hold(reason: string): () => void {
    if (this.closed) {
      this.log.warn({ reason }, 'capture started after the recording LED was closed: the LED stays off');
      return () => undefined;
    }
    const id = this.nextHold++;
    this.holds.set(id, reason);
    this.show();
    return () => {
      if (!this.holds.delete(id)) return;
      this.show();
      if (this.holds.size === 0) this.drain();
    };
  }

  /**
   * Refuses new holds, waits until the outstanding ones are released, then switches the
   * LED off and releases the pin. Call it after the recorder and live streams stopped.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.holds.size > 0) {
      this.log.info({ holds: this.reasons }, 'recording LED stays on until capture stops');
      await new Promise<void>((resolve) => this.drained.push(resolve));
    }
    this.switchOffNow();
  }

  private drain(): void {
    const waiting = this.drained;
    this.drained = [];
    for (const resolve of waiting) resolve();
  }

  private show(): void {
    const pin = this.pin;
    if (!pin) return;
    const want = this.holds.size > 0 ? 1 : 0;
    if (want === this.shown) return;
    try {
      pin.write(want);
      this.shown = want;
      if (this.failing) this.log.info({ on: want === 1 }, 'recording LED works again');
      this.failing = false;
    } catch (err) {
      this.shown = null;
      // Logged once per run of failures: a broken wire must not flood the log.
      if (!this.failing) {
        this.log.error({ err: (err as Error).message, on: want === 1 }, 'recording LED could not be switched; capture goes on');
      }
      this.failing = true;
    }
  }

  /** Synchronous (it also runs in the process 'exit' handler). */
  private switchOffNow(): void {
    this.closed = true;
    process.off('exit', this.onExit);
    const pin = this.pin;
    this.pin = null;
    if (!pin) return;
    try {
      pin.close();
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'recording LED could not be switched off');
    }
  }
}

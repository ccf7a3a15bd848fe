import { EventEmitter } from 'node:events';
import type { PirConfig } from '../common/config';
import type { GpioProvider, InputPin } from '../common/gpio';
import type { Logger } from '../common/logger';

/*
 * A PIR motion sensor on a GPIO input: PirSensor turns the (debounced) line into motion
 * start / end events dated in wall-clock ms. How they combine with video motion is
 * motionFusion.ts.
 */

export interface PirEvent {
  kind: 'start' | 'end';
  /** Wall-clock ms of the edge. */
  at: number;
}

interface PirSensorEvents {
  motion: [PirEvent];
}

export class PirSensor extends EventEmitter<PirSensorEvents> {
  private pin: InputPin | null = null;
  private motion = false;

  constructor(
    private readonly gpio: GpioProvider,
    private readonly settings: Pick<PirConfig, 'line' | 'activeLow' | 'debounceMs'>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  /** True while the sensor reports motion. */
  get active(): boolean {
    return this.motion;
  }

  /** Opens the line and starts reporting; a sensor already high at start is motion from now. */
  start(): void {
    const { line, activeLow, debounceMs } = this.settings;
    const pin = this.gpio.input({ line, activeLow, debounceMs, label: 'PIR sensor' });
    this.pin = pin;
    pin.watch((value, at) => this.set(value === 1, at));
    if (pin.read() === 1) this.set(true, this.now());
    this.log.info({ line, activeLow, debounceMs, gpio: this.gpio.kind }, 'PIR sensor watching');
  }

  /** Releases the line; open motion ends now. */
  stop(): void {
    if (!this.pin) return;
    this.pin.close();
    this.pin = null;
    this.set(false, this.now());
  }

  private set(on: boolean, at: number): void {
    if (on === this.motion) return;
    this.motion = on;
    this.log.debug({ at, motion: on }, 'PIR');
    this.emit('motion', { kind: on ? 'start' : 'end', at });
  }
}

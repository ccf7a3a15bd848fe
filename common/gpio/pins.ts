/*
 * Hardware behind a small interface: a digital input (PIR sensor, sync button) and a
 * digital output (recording LED), with a real implementation on `onoff` (Linux sysfs GPIO)
 * and a simulated one (an in-memory pin bank) behind the same shape. Callers only ever see
 * LOGICAL values: 1 = active (motion, pressed, LED lit), whatever the wiring; `activeLow`
 * says the wire is at 0 V when active and is applied by the implementation.
 */

export type PinLevel = 0 | 1;

/** Called with the new logical value and the wall-clock time (ms) the change happened. */
export type EdgeListener = (value: PinLevel, at: number) => void;

export interface InputPinOptions {
  /** GPIO number as printed on pinout diagrams: BCM numbering (GPIO17 = 17), not the header pin. */
  line: number;
  /** The line is at 0 V when active (a button to ground with a pull-up, an open-collector sensor). */
  activeLow?: boolean;
  /**
   * A change is reported only after the level has stayed put this long (trailing debounce,
   * as onoff does it), so contact bounce and pulses shorter than this are not reported.
   */
  debounceMs?: number;
  /** What the pin is for, in log lines and errors: "PIR sensor", "sync button". */
  label?: string;
}

export interface OutputPinOptions {
  line: number;
  /** The line is driven to 0 V to switch the load on (LED between 3V3 and the pin). */
  activeLow?: boolean;
  label?: string;
}

export interface InputPin {
  readonly line: number;
  readonly label: string;
  /** Logical value now (1 = active). */
  read(): PinLevel;
  /**
   * Debounced changes of the logical value. Each change is reported once (never the same
   * value twice in a row). Returns a function that stops this listener.
   */
  watch(listener: EdgeListener): () => void;
  /** Stops watching and releases (unexports) the line. Safe to call twice. */
  close(): void;
}

export interface OutputPin {
  readonly line: number;
  readonly label: string;
  /** Sets the logical value (1 = on). Throws when the line cannot be written. */
  write(value: PinLevel): void;
  /** Last value written (0 until written). */
  readonly value: PinLevel;
  /** Switches the output off (logical 0), then releases the line. Safe to call twice. */
  close(): void;
}

export type GpioKind = 'onoff' | 'simulated';

/** Opens pins on one GPIO implementation. A line can be open once at a time. */
export interface GpioProvider {
  readonly kind: GpioKind;
  input(options: InputPinOptions): InputPin;
  output(options: OutputPinOptions): OutputPin;
}

export class GpioError extends Error {}

export function pinLabel(options: { line: number; label?: string }): string {
  return options.label ?? `GPIO${options.line}`;
}

/** Keeps track of which lines are open so a line is never claimed by two features. */
export class LineClaims {
  private readonly owners = new Map<number, string>();

  claim(line: number, label: string): void {
    const owner = this.owners.get(line);
    if (owner !== undefined) {
      throw new GpioError(`GPIO${line} is already used by the ${owner}; give the ${label} a line of its own`);
    }
    this.owners.set(line, label);
  }

  release(line: number): void {
    this.owners.delete(line);
  }

  has(line: number): boolean {
    return this.owners.has(line);
  }
}

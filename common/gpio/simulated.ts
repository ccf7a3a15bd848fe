import {
  GpioError,
  LineClaims,
  pinLabel,
  type EdgeListener,
  type GpioProvider,
  type InputPin,
  type InputPinOptions,
  type OutputPin,
  type OutputPinOptions,
  type PinLevel,
} from './pins';

/*
 * Simulated GPIO: a bank of lines that the simulator and tests drive from the outside (a
 * PIR output going high, a button shorting a line to ground) and read back (is the LED
 * lit?). Pins opened on it behave like the onoff ones: trailing debounce, active-low
 * applied, one owner per line, writes that can be made to fail.
 *
 * Levels in the bank are ELECTRICAL (what a multimeter on the line would show); `drive()`
 * and `isOn()` speak in logical terms using how the pin was opened. The levels live in a
 * PinStorage: in memory (one process, tests) or in a directory another process can drive
 * (simulatedDir.ts). An input opened on a line with no level yet gives it its resting level.
 */

export type OutputListener = (line: number, on: boolean) => void;

/** Where a bank keeps the electrical level of each line. */
export interface PinStorage {
  /** The stored level; undefined = none (the line rests at its inactive level). */
  get(line: number): PinLevel | undefined;
  set(line: number, level: PinLevel): void;
  delete(line: number): void;
  /** Lines that have a stored level. */
  lines(): number[];
  /**
   * Calls `changed` whenever the line may have been set from outside this bank (it may be
   * called when nothing changed). Returns a function that stops it.
   */
  watch(line: number, changed: () => void): () => void;
}

/** Levels in this process only: nothing outside the bank changes them. */
export class MemoryPinStorage implements PinStorage {
  private readonly levels = new Map<number, PinLevel>();

  get(line: number): PinLevel | undefined {
    return this.levels.get(line);
  }

  set(line: number, level: PinLevel): void {
    this.levels.set(line, level);
  }

  delete(line: number): void {
    this.levels.delete(line);
  }

  lines(): number[] {
    return [...this.levels.keys()];
  }

  watch(): () => void {
    return () => undefined;
  }
}

interface OpenInput {
  kind: 'in';
  activeLow: boolean;
  label: string;
  /** Looks at the stored level and reports it if it moved. */
  sync(): void;
}

interface OpenOutput {
  kind: 'out';
  activeLow: boolean;
  label: string;
}

const flip = (level: PinLevel): PinLevel => (level === 1 ? 0 : 1);

export class SimulatedGpioBank {
  private readonly open = new Map<number, OpenInput | OpenOutput>();
  private readonly faults = new Map<number, string>();
  private readonly claims = new LineClaims();
  private readonly outputListeners = new Set<OutputListener>();

  /** `now` dates the edges reported to watchers (tests pass a fake clock). */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly storage: PinStorage = new MemoryPinStorage(),
  ) {}

  /** A GpioProvider whose pins live in this bank. */
  provider(): GpioProvider {
    return {
      kind: 'simulated',
      input: (options) => this.openInput(options),
      output: (options) => this.openOutput(options),
    };
  }

  /** Sets the electrical level of a line, open or not, as the device wired to it would. */
  setLevel(line: number, level: PinLevel): void {
    this.storage.set(line, level);
    const pin = this.open.get(line);
    if (pin?.kind === 'in') pin.sync();
  }

  /** Makes an open input active (motion, pressed) or inactive, whichever way it is wired. */
  drive(line: number, active: boolean): void {
    const pin = this.open.get(line);
    if (pin?.kind !== 'in') throw new GpioError(`simulated GPIO${line} is not open as an input`);
    const logical: PinLevel = active ? 1 : 0;
    this.setLevel(line, pin.activeLow ? flip(logical) : logical);
  }

  /** Electrical level of a line; an input nobody drove rests at its inactive level. */
  level(line: number): PinLevel {
    const set = this.storage.get(line);
    if (set !== undefined) return set;
    return this.open.get(line)?.activeLow ? 1 : 0;
  }

  /** True while an open output is switched on (LED lit). False for closed or input lines. */
  isOn(line: number): boolean {
    const pin = this.open.get(line);
    if (pin?.kind !== 'out') return false;
    return (pin.activeLow ? flip(this.level(line)) : this.level(line)) === 1;
  }

  isOpen(line: number): boolean {
    return this.open.has(line);
  }

  /** Called whenever an output line switches on or off. Returns an unsubscribe function. */
  onOutput(listener: OutputListener): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  /** Makes writes to `line` throw `message` (a broken wire, EIO), or heals it with null. */
  setFault(line: number, message: string | null): void {
    if (message === null) this.faults.delete(line);
    else this.faults.set(line, message);
  }

  /** Forgets the levels and faults of lines nobody has open (between tests). */
  reset(): void {
    for (const line of this.storage.lines()) if (!this.open.has(line)) this.storage.delete(line);
    for (const line of [...this.faults.keys()]) if (!this.open.has(line)) this.faults.delete(line);
  }

  /** Runs the first I/O on a just-claimed line; a failure releases the claim. */
  private claimed(line: number, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.claims.release(line);
      throw err;
    }
  }

  private openInput(options: InputPinOptions): InputPin {
    const { line } = options;
    const label = pinLabel(options);
    const activeLow = options.activeLow ?? false;
    const debounceMs = options.debounceMs ?? 0;
    this.claims.claim(line, label);
    const listeners = new Set<EdgeListener>();
    let closed = false;
    let timer: NodeJS.Timeout | null = null;
    let lastRawChangeAt = this.now();
    const read = (): PinLevel => {
      const level = this.level(line);
      return activeLow ? flip(level) : level;
    };
    let reported: PinLevel;
    const settle = () => {
      timer = null;
      const value = read();
      if (closed || value === reported) return;
      reported = value;
      for (const listener of [...listeners]) listener(value, lastRawChangeAt);
    };
    this.claimed(line, () => {
      if (this.storage.get(line) === undefined) this.storage.set(line, activeLow ? 1 : 0);
    });
    let raw = this.level(line);
    const entry: OpenInput = {
      kind: 'in',
      activeLow,
      label,
      sync: () => {
        const level = this.level(line);
        if (closed || level === raw) return;
        raw = level;
        lastRawChangeAt = this.now();
        if (debounceMs <= 0) return settle();
        if (timer) clearTimeout(timer);
        timer = setTimeout(settle, debounceMs);
        timer.unref();
      },
    };
    this.open.set(line, entry);
    const unwatch = this.storage.watch(line, () => entry.sync());
    reported = read();
    return {
      line,
      label,
      read,
      watch(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close: () => {
        if (closed) return;
        closed = true;
        if (timer) clearTimeout(timer);
        unwatch();
        listeners.clear();
        this.open.delete(line);
        this.claims.release(line);
      },
    };
  }

  private openOutput(options: OutputPinOptions): OutputPin {
    const { line } = options;
    const label = pinLabel(options);
    const activeLow = options.activeLow ?? false;
    this.claims.claim(line, label);
    // Like onoff's 'low' / 'high' direction: the line starts switched off.
    this.claimed(line, () => this.storage.set(line, activeLow ? 1 : 0));
    this.open.set(line, { kind: 'out', activeLow, label });
    let value: PinLevel = 0;
    let closed = false;
    const put = (v: PinLevel) => {
      const fault = this.faults.get(line);
      if (fault !== undefined) throw new GpioError(`simulated GPIO${line} (${label}): ${fault}`);
      const wasOn = this.isOn(line);
      this.storage.set(line, activeLow ? flip(v) : v);
      value = v;
      const on = v === 1;
      if (on !== wasOn) for (const listener of [...this.outputListeners]) listener(line, on);
    };
    return {
      line,
      label,
      get value() {
        return value;
      },
      write(v) {
        if (closed) throw new GpioError(`${label} (GPIO${line}) is closed`);
        put(v);
      },
      close: () => {
        if (closed) return;
        closed = true;
        try {
          put(0);
        } finally {
          this.open.delete(line);
          this.claims.release(line);
        }
      },
    };
  }
}

/**
 * The bank simulated pins use unless one is passed in: one per process, so the simulator
 * and in-process tests can reach the pins a hub or agent opened from config.
 */
export const simulatedGpio = new SimulatedGpioBank();

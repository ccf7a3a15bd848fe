import type { BinaryValue, Gpio as OnoffGpio } from 'onoff';
import type { Logger } from '../logger';
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
import { resolveHeaderLine, SYSFS_GPIO_ROOT } from './sysfs';

/*
 * Real GPIO through onoff (Linux sysfs GPIO + epoll interrupts). onoff applies active-low
 * in the kernel (sysfs active_low), debounces in user space (trailing: the value is read
 * once the line has been quiet for debounceTimeout) and reports the value read then, which
 * can repeat; repeats are dropped here so watchers see changes only.
 *
 * An edge is reported debounceMs after it settled, so its time is dated back by debounceMs.
 */

export type OnoffModule = typeof import('onoff');

/** sysfs lines are global to the machine: one claim table per process. */
const claims = new LineClaims();

function openError(label: string, line: number, sysfs: number, err: unknown): GpioError {
  const e = err as NodeJS.ErrnoException;
  const hint =
    e.code === 'EACCES'
      ? ': the service user may not use GPIO (add it to the "gpio" group)'
      : e.code === 'EBUSY' || e.code === 'EINVAL'
        ? ': the line is in use by a kernel driver or another program (check config.txt overlays and `pinctrl get`)'
        : '';
  return new GpioError(`cannot open the ${label} on GPIO${line} (sysfs ${sysfs}): ${e.message}${hint}`);
}

export function createOnoffProvider(onoff: OnoffModule, log: Logger, sysfsRoot = SYSFS_GPIO_ROOT): GpioProvider {
  const open = <T>(options: { line: number; label?: string }, make: (sysfs: number) => T): { value: T; sysfs: number; label: string } => {
    const label = pinLabel(options);
    const { sysfs, chip } = resolveHeaderLine(options.line, sysfsRoot);
    claims.claim(options.line, label);
    try {
      const value = make(sysfs);
      log.debug({ line: options.line, sysfs, chip: chip.label, label }, 'GPIO line opened');
      return { value, sysfs, label };
    } catch (err) {
      claims.release(options.line);
      throw openError(label, options.line, sysfs, err);
    }
  };

  const release = (gpio: OnoffGpio, line: number, label: string) => {
    try {
      gpio.unexport();
    } catch (err) {
      log.warn({ line, label, err: (err as Error).message }, 'GPIO line could not be released');
    } finally {
      claims.release(line);
    }
  };

  return {
    kind: 'onoff',

    input(options: InputPinOptions): InputPin {
      const debounceMs = options.debounceMs ?? 0;
      const { value: gpio, label } = open(options, (sysfs) =>
        new onoff.Gpio(sysfs, 'in', 'both', { debounceTimeout: debounceMs, activeLow: options.activeLow ?? false }),
      );
      const listeners = new Set<EdgeListener>();
      let reported: PinLevel = gpio.readSync();
      let closed = false;
      const onInterrupt = (err: Error | null | undefined, value: BinaryValue) => {
        if (closed) return;
        if (err) {
          log.warn({ line: options.line, label, err: err.message }, 'GPIO read failed');
          return;
        }
        if (value === reported) return;
        reported = value;
        const at = Date.now() - debounceMs;
        for (const listener of [...listeners]) listener(value, at);
      };
      return {
        line: options.line,
        label,
        read: () => gpio.readSync(),
        watch(listener) {
          listeners.add(listener);
          if (listeners.size === 1) gpio.watch(onInterrupt);
          return () => {
            if (listeners.delete(listener) && listeners.size === 0 && !closed) gpio.unwatch(onInterrupt);
          };
        },
        close() {
          if (closed) return;
          closed = true;
          listeners.clear();
          release(gpio, options.line, label);
        },
      };
    },

    output(options: OutputPinOptions): OutputPin {
      const activeLow = options.activeLow ?? false;
      // 'low' / 'high' make the line an output already switched off (these are electrical
      // levels, written before active_low would apply), so the LED never flashes on.
      const { value: gpio, label } = open(options, (sysfs) => new onoff.Gpio(sysfs, activeLow ? 'high' : 'low', undefined, { activeLow }));
      let value: PinLevel = 0;
      let closed = false;
      return {
        line: options.line,
        label,
        get value() {
          return value;
        },
        write(v) {
          if (closed) throw new GpioError(`${label} (GPIO${options.line}) is closed`);
          gpio.writeSync(v);
          value = v;
        },
        close() {
          if (closed) return;
          closed = true;
          try {
            gpio.writeSync(0);
            value = 0;
          } finally {
            release(gpio, options.line, label);
          }
        },
      };
    },
  };
}

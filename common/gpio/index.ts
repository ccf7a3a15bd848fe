import type { Logger } from '../logger';
import { createOnoffProvider, type OnoffModule } from './onoff';
import { GpioError, type GpioProvider } from './pins';
import { simulatedGpio, type SimulatedGpioBank } from './simulated';
import { SYSFS_GPIO_ROOT } from './sysfs';

export * from './pins';
export { SimulatedGpioBank, simulatedGpio, type OutputListener } from './simulated';
export { resolveHeaderLine, listGpioChips, HEADER_CHIP_LABELS, type GpioChip, type HeaderLine } from './sysfs';

/** The `gpio.simulate` setting: true = always simulated, false = real pins required, unset = real when available. */
export interface GpioSettings {
  simulate?: boolean;
}

export interface GpioDeps {
  /** Bank for simulated pins (default: the per-process `simulatedGpio`). */
  bank?: SimulatedGpioBank;
  /** Loads onoff (tests replace it); onoff loads the native epoll addon as it is required. */
  loadOnoff?: () => OnoffModule;
  sysfsRoot?: string;
}

function loadOnoff(): OnoffModule {
  return require('onoff') as OnoffModule;
}

/**
 * Real pins through onoff where the machine has accessible sysfs GPIO, simulated pins
 * otherwise (or when `simulate` is true). Logs which one runs. With `simulate: false` a
 * machine without usable GPIO is a start-up error, so a Pi that lost its GPIO permission
 * does not silently run with a dark recording LED.
 */
export function createGpio(settings: GpioSettings, log: Logger, deps: GpioDeps = {}): GpioProvider {
  const bank = deps.bank ?? simulatedGpio;
  const root = deps.sysfsRoot ?? SYSFS_GPIO_ROOT;
  if (settings.simulate === true) {
    log.info({ gpio: 'simulated' }, 'GPIO: simulated pins (gpio.simulate is true)');
    return bank.provider();
  }
  let onoff: OnoffModule | null = null;
  let unavailable: string;
  try {
    onoff = (deps.loadOnoff ?? loadOnoff)();
    unavailable = onoff.Gpio.accessible ? '' : `${root}/export cannot be opened (no sysfs GPIO on this machine, or no permission)`;
  } catch (err) {
    unavailable = `the onoff module did not load (${(err as Error).message.split('\n')[0]})`;
  }
  if (onoff && !unavailable) {
    log.info({ gpio: 'onoff' }, 'GPIO: real pins through onoff (sysfs)');
    return createOnoffProvider(onoff, log, root);
  }
  if (settings.simulate === false) {
    throw new GpioError(
      `real GPIO is required (gpio.simulate: false) but ${unavailable}. On a Raspberry Pi add the service user to the "gpio" group; ` +
        'elsewhere set gpio.simulate: true',
    );
  }
  log.warn({ gpio: 'simulated', reason: unavailable }, 'GPIO not available: using simulated pins, so the configured sensor, LED and buttons do nothing');
  return bank.provider();
}

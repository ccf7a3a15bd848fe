import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../logger';
import { createOnoffProvider, type OnoffModule } from './onoff';
import { GpioError, type GpioProvider } from './pins';
import { simulatedGpio, type SimulatedGpioBank } from './simulated';
import { directoryGpioBank } from './simulatedDir';
import { SYSFS_GPIO_ROOT } from './sysfs';

export * from './pins';
export { SimulatedGpioBank, simulatedGpio, MemoryPinStorage, type OutputListener, type PinStorage } from './simulated';
export { DirectoryPinStorage, directoryGpioBank, simulatedLineFile } from './simulatedDir';
export { resolveHeaderLine, listGpioChips, HEADER_CHIP_LABELS, type GpioChip, type HeaderLine } from './sysfs';

export interface GpioSettings {
  /** true = always simulated, false = real pins required, unset = real when available. */
  simulate?: boolean;
  /** Simulated pins live in files here (one per line) that other processes can drive; unset = in memory. */
  simulatedDir?: string;
}

export interface GpioDeps {
  /** Bank for simulated pins (default: one on `simulatedDir`, else the per-process `simulatedGpio`). */
  bank?: SimulatedGpioBank;
  /** Loads onoff (tests replace it); onoff loads the native epoll addon as it is required. */
  loadOnoff?: () => OnoffModule;
  sysfsRoot?: string;
}

function loadOnoff(): OnoffModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- onoff loads its native epoll addon as it is required: only where GPIO is used
  return require('onoff') as OnoffModule;
}

/**
 * Real pins through onoff where the machine has accessible sysfs GPIO, simulated pins
 * otherwise (or when `simulate` is true). Logs which one runs. With `simulate: false` a
 * machine without usable GPIO is a start-up error, so a Pi that lost its GPIO permission
 * does not silently run with a dark recording LED.
 */
export function createGpio(settings: GpioSettings, log: Logger, deps: GpioDeps = {}): GpioProvider {
  const root = deps.sysfsRoot ?? SYSFS_GPIO_ROOT;
  if (settings.simulate === true) {
    const { bank, where } = simulatedBank(settings, deps);
    log.info({ gpio: 'simulated', dir: settings.simulatedDir }, `GPIO: simulated pins (gpio.simulate is true)${where}`);
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
  const { bank, where } = simulatedBank(settings, deps);
  log.warn(
    { gpio: 'simulated', reason: unavailable, dir: settings.simulatedDir },
    settings.simulatedDir
      ? `GPIO not available: using simulated pins${where}`
      : 'GPIO not available: using simulated pins, so the configured sensor, LED and buttons do nothing',
  );
  return bank.provider();
}

function simulatedBank(settings: GpioSettings, deps: GpioDeps): { bank: SimulatedGpioBank; where: string } {
  if (deps.bank) return { bank: deps.bank, where: '' };
  if (settings.simulatedDir === undefined) return { bank: simulatedGpio, where: '' };
  const dir = path.resolve(settings.simulatedDir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new GpioError(`cannot create gpio.simulatedDir ${dir}: ${(err as Error).message}`);
  }
  return { bank: directoryGpioBank(dir), where: `, one file per line in ${dir} (drive them with "porchlight sim gpio")` };
}

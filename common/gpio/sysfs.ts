import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GpioError } from './pins';

/*
 * Config names GPIO lines by their BCM number (GPIO17 = 17), as every Raspberry Pi pinout
 * does. The sysfs interface onoff uses numbers lines globally: BCM number + the base of
 * the chip that drives the 40-pin header. That base was 0 for years; kernels from 6.6 on
 * (Raspberry Pi OS bookworm) number dynamically, e.g. 512 on a Pi 4 and 571 on a Pi 5.
 * So the header chip is found by its label and its base is added.
 */

export const SYSFS_GPIO_ROOT = '/sys/class/gpio';

/** Pin controllers behind the 40-pin header, by board: Pi 5 (RP1), Pi 4 / 400 / CM4, Pi 0–3. */
export const HEADER_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const;

export interface GpioChip {
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

export interface HeaderLine {
  /** The number onoff exports: base + BCM line. */
  sysfs: number;
  chip: GpioChip;
}

/** The gpiochips sysfs lists; empty when sysfs GPIO is missing. */
export function listGpioChips(root = SYSFS_GPIO_ROOT): GpioChip[] {
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => /^gpiochip\d+$/.test(n));
  } catch {
    return [];
  }
  const chips: GpioChip[] = [];
  for (const name of names) {
    try {
      const read = (f: string) => readFileSync(path.join(root, name, f), 'utf8').trim();
      const base = Number.parseInt(read('base'), 10);
      const ngpio = Number.parseInt(read('ngpio'), 10);
      if (Number.isSafeInteger(base) && Number.isSafeInteger(ngpio)) chips.push({ name, label: read('label'), base, ngpio });
    } catch {
      // A chip directory we cannot read is not one we can use.
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

/** Maps a BCM line number to its sysfs number, or says which chips were found instead. */
export function resolveHeaderLine(line: number, root = SYSFS_GPIO_ROOT): HeaderLine {
  const chips = listGpioChips(root);
  for (const label of HEADER_CHIP_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (!chip) continue;
    if (line >= chip.ngpio) {
      throw new GpioError(`GPIO${line} does not exist on this board: ${chip.label} has lines 0–${chip.ngpio - 1}`);
    }
    return { sysfs: chip.base + line, chip };
  }
  const found = chips.length ? chips.map((c) => `${c.name} "${c.label}" (base ${c.base})`).join(', ') : 'none';
  throw new GpioError(
    `no Raspberry Pi GPIO header controller (${HEADER_CHIP_LABELS.join(', ')}) under ${root}; gpiochips found: ${found}. ` +
      'On other boards GPIO is not supported yet; set gpio.simulate: true to run without it',
  );
}

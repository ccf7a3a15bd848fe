import { DirectoryPinStorage, simulatedLineFile, type PinLevel } from '../common/gpio';

/*
 * `porchlight sim gpio`: the developer's hand on simulated pins that a hub or camera keeps
 * in a directory (gpio.simulatedDir). Levels are electrical, as on the wire: an active-low
 * sync button rests at 1 and reads 0 while pressed. `press` therefore flips the line from
 * the level it rests at and puts it back, whichever way the pin is wired.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function noLevel(dir: string, line: number): Error {
  return new Error(
    `GPIO${line} has no level in ${dir} yet (no ${simulatedLineFile(dir, line)}): start the hub or camera that uses the line first, ` +
      'or give it one with "porchlight sim gpio set"',
  );
}

export function gpioSet(dir: string, line: number, level: PinLevel): void {
  new DirectoryPinStorage(dir).set(line, level);
}

export function gpioGet(dir: string, line: number): PinLevel {
  const level = new DirectoryPinStorage(dir).get(line);
  if (level === undefined) throw noLevel(dir, line);
  return level;
}

/** Holds the line at the other level for `ms`, then puts it back; returns the resting level. */
export async function gpioPress(dir: string, line: number, ms: number): Promise<PinLevel> {
  const storage = new DirectoryPinStorage(dir);
  const rest = storage.get(line);
  if (rest === undefined) throw noLevel(dir, line);
  storage.set(line, rest === 1 ? 0 : 1);
  await sleep(ms);
  storage.set(line, rest);
  return rest;
}

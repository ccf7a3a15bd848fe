import { statSync } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from 'commander';

/*
 * Value parsers for commander: a bad value is refused while parsing, with the rule it broke,
 * before any command starts work.
 */

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more');
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of 0 or more');
  return n;
}

export function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be a number from 0 to 1');
  return n;
}

export function videoSize(value: string): { width: number; height: number } {
  const m = /^(\d{2,4})x(\d{2,4})$/.exec(value);
  const width = Number(m?.[1]);
  const height = Number(m?.[2]);
  if (!m || width % 2 || height % 2 || width < 160 || height < 120) throw new InvalidArgumentError('must look like 640x360 (even numbers, at least 160x120)');
  return { width, height };
}

export function gpioLine(value: string): number {
  const n = Number(value);
  if (!/^\d{1,4}$/.test(value) || n > 1023) throw new InvalidArgumentError('must be a GPIO line: the BCM number, a whole number from 0 to 1023');
  return n;
}

export function pinLevel(value: string): 0 | 1 {
  if (value !== '0' && value !== '1') throw new InvalidArgumentError('must be 0 or 1');
  return value === '1' ? 1 : 0;
}

export function existingDir(value: string): string {
  let isDir = false;
  try {
    isDir = statSync(value).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDir) throw new InvalidArgumentError('must be an existing directory: the gpio.simulatedDir of the hub or camera');
  return path.resolve(value);
}

export function pressMs(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 60_000) throw new InvalidArgumentError('must be a whole number of milliseconds from 1 to 60000');
  return n;
}

export function auditLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be a whole number from 1 to 1000');
  return n;
}

export function sequenceNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

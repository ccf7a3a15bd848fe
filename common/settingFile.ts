import { promises as fs } from 'node:fs';
import { ConfigError } from './config';

/** Reads a file a setting names (a password, a CA), failing with the setting's name in the message. */
export async function readSettingFile(file: string, setting: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${file} (setting "${setting}"): ${(err as Error).message}`);
  }
}

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as opaque from '@serenity-kit/opaque';
import { readOrCreateSecretFile } from '../common/atomicFile';
import type { DB } from '../common/database';
import { hubPaths } from '../common/dataLayout';

/*
 * The OPAQUE server setup: the hub's OPRF seed and long-term key pair, made once, kept beside
 * the footage key and the hub secret (file mode 0600, written atomically). Every password
 * record in hub.db is bound to it: a stolen database without this file cannot test a single
 * password guess offline, and losing it means every account must set its password again.
 */

const loaded = new Map<string, Promise<string>>();
/** Files whose setup has been read back from disk (so a missing file now means it was wiped). */
const settled = new Set<string>();

/**
 * Loads the server setup from `file`, creating it on first use. `hasRecords`: whether accounts
 * already hold records bound to a setup; then a missing file is not made anew (every one of
 * them would fail as "wrong password" with no clue why) but refused, naming the file.
 */
export function loadOpaqueSetup(file: string, hasRecords: () => boolean = () => false): Promise<string> {
  // A data dir wiped and made again under the same path must get its own setup, written to disk.
  if (settled.has(file) && !existsSync(file)) {
    loaded.delete(file);
    settled.delete(file);
  }
  let setup = loaded.get(file);
  if (!setup) {
    setup = (async () => {
      await opaque.ready;
      if (!existsSync(file) && hasRecords()) {
        throw new Error(`${file} is missing, but accounts hold password records made with it: restore it from a backup of the data directory (without it every account must be given a new password on the console with \`porchlight user reset-password\`)`);
      }
      const text = (await readOrCreateSecretFile(file, () => opaque.server.createSetup() + '\n')).trim();
      try {
        opaque.server.getPublicKey(text);
      } catch {
        throw new Error(`${file} is not an OPAQUE server setup`);
      }
      settled.add(file);
      return text;
    })();
    setup.catch(() => loaded.delete(file));
    loaded.set(file, setup);
  }
  return setup;
}

/** The server setup of the data dir that holds `db` (the CLI and the hub share it through the files). */
export function opaqueSetupOf(db: DB): Promise<string> {
  return loadOpaqueSetup(hubPaths(path.dirname(db.name)).opaqueSetup, () => hasOpaqueRecords(db));
}

/** Whether any account holds an OPAQUE record (bound to the setup file). */
export function hasOpaqueRecords(db: DB): boolean {
  return db.prepare('SELECT 1 FROM users WHERE opaque_record IS NOT NULL LIMIT 1').get() !== undefined;
}

import { randomInt } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicFile';
import type { DB } from '../common/database';
import { safeEqual } from '../common/tokens';

/*
 * First-run setup. A hub with no accounts would otherwise belong to whoever on the LAN opens
 * its page first, so creating the first owner from the web needs a one-time setup code that
 * only someone with a shell on the Pi can read (like a Jupyter token): the hub writes it to
 * `<dataDir>/setup-code` (0600) while nobody has an account, and `porchlight setup code`
 * prints it. The code is never logged and is gone once the owner exists.
 */

export const SETUP_CODE_FILE = 'setup-code';

/** Crockford base32: no I, L, O or U, so a code read off a terminal cannot be mistyped as another. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 12 symbols = 60 bits: far beyond what the sign-in lockout lets anyone guess. */
const CODE_LENGTH = 12;

export function setupCodePath(dataDir: string): string {
  return path.join(dataDir, SETUP_CODE_FILE);
}

export function hasUsers(db: DB): boolean {
  return db.prepare('SELECT 1 FROM users LIMIT 1').get() !== undefined;
}

/** A fresh code, shown in groups of four: `7KQ2-M9XD-4TRB`. */
export function newSetupCode(): string {
  let raw = '';
  for (let i = 0; i < CODE_LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
  return raw.replace(/(.{4})(?=.)/g, '$1-');
}

/** What a person typed, in the code's canonical form: case, spaces and dashes do not matter, nor O for 0 or I/L for 1. */
export function normalizeSetupCode(input: string): string {
  return input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

function isWellFormed(code: string): boolean {
  const raw = normalizeSetupCode(code);
  return raw.length === CODE_LENGTH && [...raw].every((c) => ALPHABET.includes(c));
}

/** The code the hub left in `dataDir`, or null when there is none (or it is not a code); other read errors are thrown. */
export async function readSetupCode(dataDir: string): Promise<string | null> {
  const text = await fs.readFile(setupCodePath(dataDir), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  const code = text?.trim() ?? '';
  return isWellFormed(code) ? code : null;
}

export class FirstRunSetup {
  private code: string | null = null;

  constructor(
    private readonly db: DB,
    private readonly dataDir: string,
  ) {}

  /** While no account exists, until the owner is created. */
  needed(): boolean {
    return !hasUsers(this.db);
  }

  /**
   * At hub start: while nobody has an account, make sure a code is waiting (the one already
   * written survives a restart, so a code just printed stays good); once someone has, remove
   * any code left over (an owner added with `porchlight user add`).
   */
  async prepare(): Promise<'waiting' | 'done'> {
    if (!this.needed()) {
      await this.discard();
      return 'done';
    }
    const existing = await readSetupCode(this.dataDir);
    this.code = existing ?? newSetupCode();
    if (!existing) await writeFileAtomic(setupCodePath(this.dataDir), `${this.code}\n`, 0o600);
    return 'waiting';
  }

  /** Constant-time, on the canonical forms: the comparison says nothing about how close a guess was. */
  matches(input: string): boolean {
    if (this.code === null) return false;
    return safeEqual(normalizeSetupCode(input), normalizeSetupCode(this.code));
  }

  /** Spends the code: it opens nothing once the owner exists. */
  async discard(): Promise<void> {
    this.code = null;
    await fs.rm(setupCodePath(this.dataDir), { force: true });
  }
}

import type { UserSummary } from '../common/api/users';
import type { DB } from '../common/database';
import { opaqueSetupOf } from './opaqueSetup';
import { passwordProblem } from './passwords';
import { runPasswordJob } from './passwordWorkerPool';
import { ROLES, type Role } from '../common/roles';

export { DEVICE_ROLES, FOOTAGE_ROLES, ROLES, type Role } from '../common/roles';

export interface User {
  id: number;
  username: string;
  role: Role;
  /** Argon2id hash of an account made before OPAQUE, '' once its next sign-in replaced it. */
  passwordHash: string;
  /** The OPAQUE registration record (RFC 9807); null until an old account's next sign-in. */
  opaqueRecord: string | null;
  email: string | null;
  emailVerified: boolean;
  totpEnabled: boolean;
}

export type { UserSummary };

export class UserError extends Error {}

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$/;

/** A checked account with its OPAQUE record already made, not yet stored. */
export interface NewUser {
  username: string;
  role: Role;
  opaqueRecord: string;
  email: string | null;
  emailVerified: boolean;
}

/**
 * The OPAQUE record for `password`, made on this machine playing the client (the CLI, and the
 * hub where a password still reaches it in a form). The key stretching runs in the password
 * worker thread. The record is bound to the user name, the OPAQUE user identifier.
 */
export async function opaqueRecordFor(db: DB, username: string, password: string): Promise<string> {
  const serverSetup = await opaqueSetupOf(db);
  return (await runPasswordJob({ op: 'opaqueRegister', serverSetup, userIdentifier: username, password })) as string;
}

/**
 * Checks what a new account's name, role and address may be (not its password): the part the
 * hub can check when the password stays in the browser.
 */
export function checkNewAccount(db: DB, username: string, role: Role, options: { email?: string } = {}): void {
  if (!USERNAME_PATTERN.test(username)) {
    throw new UserError('the user name must be 2–64 letters, digits or . _ @ - and start with a letter or digit');
  }
  if (!ROLES.includes(role)) throw new UserError(`unknown role "${role}" (one of ${ROLES.join(', ')})`);
  if (findUser(db, username)) throw new UserError(`a user named "${username}" already exists`);
  if (options.email && db.prepare('SELECT 1 FROM users WHERE email = ? COLLATE NOCASE').get(options.email)) {
    throw new UserError(`another user already has the address ${options.email}`);
  }
}

/** Checks a new account and makes its OPAQUE record (key stretching: slow, so outside any transaction). */
export async function prepareUser(
  db: DB,
  username: string,
  password: string,
  role: Role,
  options: { email?: string; emailVerified?: boolean } = {},
): Promise<NewUser> {
  checkNewAccount(db, username, role, options);
  const problem = passwordProblem(password, { username, email: options.email });
  if (problem) throw new UserError(problem);
  return { username, role, opaqueRecord: await opaqueRecordFor(db, username, password), email: options.email ?? null, emailVerified: Boolean(options.emailVerified) };
}

/** Stores a prepared account; the unique indexes still refuse a name or address taken in the meantime. */
export function insertUser(db: DB, u: NewUser, now = Date.now()): User {
  try {
    const info = db
      .prepare("INSERT INTO users (username, password_hash, opaque_record, role, created_at, email, email_verified_at) VALUES (?, '', ?, ?, ?, ?, ?)")
      .run(u.username, u.opaqueRecord, u.role, now, u.email, u.email && u.emailVerified ? now : null);
    return getUser(db, Number(info.lastInsertRowid))!;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new UserError(`the user name "${u.username}" or the address is already taken`);
    throw err;
  }
}

export async function addUser(
  db: DB,
  username: string,
  password: string,
  role: Role,
  options: { email?: string; emailVerified?: boolean; now?: number } = {},
): Promise<User> {
  return insertUser(db, await prepareUser(db, username, password, role, options), options.now);
}

interface UserRow {
  id: number;
  username: string;
  role: Role;
  password_hash: string;
  opaque_record: string | null;
  email: string | null;
  email_verified_at: number | null;
  totp_enabled_at: number | null;
}

const USER_COLUMNS = 'id, username, role, password_hash, opaque_record, email, email_verified_at, totp_enabled_at';

function toUser(row: UserRow | undefined): User | undefined {
  return (
    row && {
      id: row.id,
      username: row.username,
      role: row.role,
      passwordHash: row.password_hash,
      opaqueRecord: row.opaque_record,
      email: row.email,
      emailVerified: row.email_verified_at !== null,
      totpEnabled: row.totp_enabled_at !== null,
    }
  );
}

export function findUser(db: DB, username: string): User | undefined {
  return toUser(db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE username = ?`).get(username) as UserRow | undefined);
}

export function getUser(db: DB, id: number): User | undefined {
  return toUser(db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`).get(id) as UserRow | undefined);
}

export function listUsers(db: DB): UserSummary[] {
  const rows = db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY id`).all() as UserRow[];
  return rows.map((r) => {
    const u = toUser(r)!;
    return { id: u.id, username: u.username, role: u.role, email: u.email, emailVerified: u.emailVerified, totpEnabled: u.totpEnabled, grants: grantsOf(db, u.id) };
  });
}

function ownerCount(db: DB): number {
  return (db.prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'owner'").get() as { n: number }).n;
}

/** Changes a role; the last owner cannot be demoted, so the household never loses control. */
export function setRole(db: DB, userId: number, role: Role): void {
  db.transaction(() => {
    const user = getUser(db, userId);
    if (!user) throw new UserError('no such user');
    if (user.role === 'owner' && role !== 'owner' && ownerCount(db) === 1) throw new UserError('the last owner cannot be given another role');
    db.prepare('UPDATE users SET role = ? WHERE id = ?').run(role, userId);
  }).immediate();
}

export function deleteUser(db: DB, userId: number): void {
  db.transaction(() => {
    const user = getUser(db, userId);
    if (!user) throw new UserError('no such user');
    if (user.role === 'owner' && ownerCount(db) === 1) throw new UserError('the last owner cannot be removed');
    db.prepare('DELETE FROM users WHERE id = ?').run(userId);
  }).immediate();
}

/** Sets a password the hub was handed (`porchlight user reset-password` on the console): checked, then made into an OPAQUE record. */
export async function setPassword(db: DB, userId: number, password: string): Promise<void> {
  const user = getUser(db, userId);
  if (!user) throw new UserError('no such user');
  const problem = passwordProblem(password, { username: user.username, email: user.email ?? undefined });
  if (problem) throw new UserError(problem);
  setOpaqueRecord(db, userId, await opaqueRecordFor(db, user.username, password));
}

/** Replaces the account's password record; an Argon2id hash left from before OPAQUE goes with it. */
export function setOpaqueRecord(db: DB, userId: number, record: string): void {
  db.prepare("UPDATE users SET opaque_record = ?, password_hash = '' WHERE id = ?").run(record, userId);
}

/** Whether any account still waits for its next sign-in to move from Argon2id to OPAQUE. */
export function hasLegacyAccounts(db: DB): boolean {
  return db.prepare('SELECT 1 FROM users WHERE opaque_record IS NULL LIMIT 1').get() !== undefined;
}

export function grantsOf(db: DB, userId: number): string[] {
  return (db.prepare('SELECT device_id FROM camera_grants WHERE user_id = ? ORDER BY device_id').all(userId) as Array<{ device_id: string }>).map((r) => r.device_id);
}

/** Replaces a user's camera grants; every id must name a paired camera. */
export function setGrants(db: DB, userId: number, deviceIds: readonly string[]): void {
  db.transaction(() => {
    if (!getUser(db, userId)) throw new UserError('no such user');
    for (const id of deviceIds) {
      if (!db.prepare('SELECT 1 FROM devices WHERE id = ?').get(id)) throw new UserError(`no camera with id ${id}`);
    }
    db.prepare('DELETE FROM camera_grants WHERE user_id = ?').run(userId);
    const insert = db.prepare('INSERT INTO camera_grants (user_id, device_id) VALUES (?, ?)');
    for (const id of new Set(deviceIds)) insert.run(userId, id);
  }).immediate();
}

/**
 * The cameras whose footage a user may see: 'all', or an explicit list (empty for
 * installers). Every footage route filters through this, so a grant is enforced once.
 */
export function visibleCameras(db: DB, user: Pick<User, 'id' | 'role'>): 'all' | string[] {
  if (user.role === 'owner' || user.role === 'member') return 'all';
  if (user.role === 'viewer') return grantsOf(db, user.id);
  return [];
}

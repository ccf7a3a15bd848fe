import type { DB } from '../common/database';
import { hashPassword, passwordProblem } from './passwords';

export type Role = 'owner' | 'member' | 'viewer' | 'installer';
export const ROLES: readonly Role[] = ['owner', 'member', 'viewer', 'installer'];

export interface User {
  id: number;
  username: string;
  role: Role;
  passwordHash: string;
}

export class UserError extends Error {}

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$/;

export async function addUser(db: DB, username: string, password: string, role: Role, now = Date.now()): Promise<User> {
  if (!USERNAME_PATTERN.test(username)) {
    throw new UserError('the user name must be 2–64 letters, digits or . _ @ - and start with a letter or digit');
  }
  if (!ROLES.includes(role)) throw new UserError(`unknown role "${role}" (one of ${ROLES.join(', ')})`);
  const problem = passwordProblem(password);
  if (problem) throw new UserError(problem);
  if (findUser(db, username)) throw new UserError(`a user named "${username}" already exists`);
  const passwordHash = await hashPassword(password);
  const info = db
    .prepare('INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)')
    .run(username, passwordHash, role, now);
  return { id: Number(info.lastInsertRowid), username, role, passwordHash };
}

interface UserRow {
  id: number;
  username: string;
  role: Role;
  password_hash: string;
}

function toUser(row: UserRow | undefined): User | undefined {
  return row && { id: row.id, username: row.username, role: row.role, passwordHash: row.password_hash };
}

export function findUser(db: DB, username: string): User | undefined {
  return toUser(db.prepare('SELECT id, username, role, password_hash FROM users WHERE username = ?').get(username) as UserRow | undefined);
}

export function getUser(db: DB, id: number): User | undefined {
  return toUser(db.prepare('SELECT id, username, role, password_hash FROM users WHERE id = ?').get(id) as UserRow | undefined);
}

export function userCount(db: DB): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
}

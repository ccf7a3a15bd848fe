/** Who is signed in at this screen, as the hub last said. */

import type { SessionAnswer, SessionUser } from '../../../common/api/users';
import type { Role } from '../../../common/roles';

export { ARMING_ROLES, DEVICE_ROLES, FOOTAGE_ROLES, ROLES, type Role } from '../../../common/roles';
/** The signed-in user, as the hub describes them. */
export type User = SessionUser;
export type { SessionAnswer };

export const session: { user: User | null; csrf: string } = { user: null, csrf: '' };

export function setSession(answer: SessionAnswer): void {
  session.user = answer.user;
  session.csrf = answer.csrfToken;
}

export function clearSession(): void {
  session.user = null;
  session.csrf = '';
}

export function hasRole(...roles: readonly Role[]): boolean {
  return session.user !== null && roles.includes(session.user.role);
}

/** The signed-in user; pages only run while someone is signed in. */
export function currentUser(): User {
  if (!session.user) throw new Error('nobody is signed in');
  return session.user;
}

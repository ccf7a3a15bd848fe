/** Who is signed in at this screen, as the hub last said. */

export type Role = 'owner' | 'member' | 'viewer' | 'installer';
export const ROLES: readonly Role[] = ['owner', 'member', 'viewer', 'installer'];
/** Roles that see footage (installers manage devices and never see footage). */
export const FOOTAGE_ROLES: readonly Role[] = ['owner', 'member', 'viewer'];
export const DEVICE_ROLES: readonly Role[] = ['owner', 'installer'];
/** Roles that may change the arming. */
export const ARMING_ROLES: readonly Role[] = ['owner', 'member'];

export interface User {
  id: number;
  username: string;
  role: Role;
  email: string | null;
  emailVerified: boolean;
  totpEnabled: boolean;
  recoveryCodesLeft: number;
  mustEnroll2fa: boolean;
}

export interface SessionAnswer {
  user: User;
  csrfToken: string;
}

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

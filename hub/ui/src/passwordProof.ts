import type { PasswordRegistration } from '../../../common/api/account';
import type { LoginStartAnswer, PasswordProof } from '../../../common/api/users';
import { opaquePasswordProof, opaqueRegistration } from '../../../common/opaqueSignIn';
import { newPasswordProblem } from './newPassword';
import { api } from './api';
import { session } from './session';

/*
 * Proving and changing the password from a signed-in page, through OPAQUE: the current
 * password is proven without being sent, and the new one becomes a record made here.
 */

/** A fresh proof of `password`, for routes that ask for it again (turning 2FA off). */
export function provePassword(password: string): Promise<PasswordProof> {
  return opaquePasswordProof((startLoginRequest) => api<LoginStartAnswer>('POST', '/api/me/reauth/start', { startLoginRequest }), password);
}

/** Changes the password: checks the new one here (the hub cannot), proves the current one, sends the new record. */
export async function changePassword(current: string, next: string): Promise<void> {
  const problem = await newPasswordProblem(next, { username: session.user?.username, email: session.user?.email ?? undefined });
  if (problem) throw new Error(problem);
  const proof = await provePassword(current);
  let changeId = '';
  const registrationRecord = await opaqueRegistration(async (registrationRequest) => {
    const answer = await api<PasswordRegistration>('POST', '/api/me/password/registration', { proof, registrationRequest });
    changeId = answer.changeId;
    return answer.registrationResponse;
  }, next);
  await api('POST', '/api/me/password', { changeId, registrationRecord });
}

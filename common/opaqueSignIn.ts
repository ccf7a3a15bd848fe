import * as opaque from '@serenity-kit/opaque';
import type { LoginStartAnswer, PasswordProof } from './api/users';

/*
 * The browser's side of signing in (the UI, and the tests and tools that sign in as a browser
 * would): one OPAQUE exchange, RFC 9807, through @serenity-kit/opaque. The password and its
 * key stretching stay here; the hub receives KE1 and KE3 only. The one exception is an
 * account made before OPAQUE: when the hub says some such account exists and the exchange
 * failed, the password goes once, over TLS, to /api/login/legacy, which replaces the old hash.
 */

/** Posts `body` as JSON to `path` on the hub and returns the answer however the caller reads answers. */
export type Post<R> = (path: string, body: object) => Promise<R>;

/** Runs the sign-in; returns the hub's last answer (signed in, totp_required, or a refusal). `started` reads the start answer, null when it is a refusal. */
export async function opaqueSignIn<R>(post: Post<R>, started: (answer: R) => LoginStartAnswer | null, username: string, password: string): Promise<R> {
  await opaque.ready;
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password });
  const startAnswer = await post('/api/login/start', { username, startLoginRequest });
  const start = started(startAnswer);
  if (!start) return startAnswer;
  const result = opaque.client.finishLogin({ clientLoginState, loginResponse: start.loginResponse, password });
  if (!result && start.legacyAccounts) return post('/api/login/legacy', { loginId: start.loginId, password });
  return post('/api/login/finish', result ? { loginId: start.loginId, finishLoginRequest: result.finishLoginRequest } : { loginId: start.loginId });
}

/**
 * A fresh proof of the password for a signed-in person; `start` posts KE1 to /api/me/reauth/start.
 * A wrong password gives a proof without KE3, which the hub counts and refuses with its message.
 */
export async function opaquePasswordProof(
  start: (startLoginRequest: string) => Promise<{ loginId: string; loginResponse: string }>,
  password: string,
): Promise<PasswordProof> {
  await opaque.ready;
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password });
  const answer = await start(startLoginRequest);
  const result = opaque.client.finishLogin({ clientLoginState, loginResponse: answer.loginResponse, password });
  return result ? { loginId: answer.loginId, finishLoginRequest: result.finishLoginRequest } : { loginId: answer.loginId };
}

/** The record for a new password: `respond` sends the registration request to the hub and returns its response. */
export async function opaqueRegistration(respond: (registrationRequest: string) => Promise<string>, password: string): Promise<string> {
  await opaque.ready;
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password });
  const registrationResponse = await respond(registrationRequest);
  return opaque.client.finishRegistration({ clientRegistrationState, registrationResponse, password }).registrationRecord;
}

import type { ResetRequestAnswer, ResetStartAnswer } from '../../../common/api/passwordReset';
import { opaqueRegistration } from '../../../common/opaqueSignIn';
import { newPasswordProblem, preloadOnFocus } from './newPassword';
import { api } from './api';
import { $, clearMessages, onSubmit, say } from './dom';

/*
 * "Forgot password?" on the sign-in screen: ask for a code (mailed to the account's confirmed
 * address), then choose the new password; it becomes an OPAQUE record made in this page, so
 * the hub never sees it. An account with 2FA also gives a current code or a recovery code.
 */

const FORMS = ['login-form', 'reset-request-form', 'reset-form'] as const;

function show(id: (typeof FORMS)[number]): void {
  clearMessages();
  for (const f of FORMS) $(f).hidden = f !== id;
}

function backToSignIn(message: string): void {
  for (const f of ['reset-request-form', 'reset-form'] as const) $<HTMLFormElement>(f).reset();
  show('login-form');
  if (message) say($('login-form'), message);
  $('username').focus();
}

export function initPasswordReset(): void {
  preloadOnFocus($('reset-password'));
  $('reset-open').addEventListener('click', () => {
    $<HTMLInputElement>('reset-name').value = $<HTMLInputElement>('username').value.trim();
    show('reset-request-form');
    $('reset-name').focus();
  });
  $('reset-have-code').addEventListener('click', () => {
    show('reset-form');
    $('reset-code').focus();
  });
  for (const back of document.querySelectorAll<HTMLButtonElement>('.reset-back')) back.addEventListener('click', () => backToSignIn(''));

  onSubmit($<HTMLFormElement>('reset-request-form'), async () => {
    const answer = await api<ResetRequestAnswer>('POST', '/api/password-reset/request', { name: $<HTMLInputElement>('reset-name').value.trim() });
    if (!answer.mailConfigured) return say($('reset-request-form'), answer.message);
    show('reset-form');
    say($('reset-form'), answer.message);
    $('reset-code').focus();
  });

  onSubmit($<HTMLFormElement>('reset-form'), async () => {
    const name = $<HTMLInputElement>('reset-name').value.trim();
    if (!name) throw new Error('enter your user name or email address first ("Back to sign-in", then "Forgot password?")');
    const next = $<HTMLInputElement>('reset-password').value;
    if (next !== $<HTMLInputElement>('reset-password-again').value) throw new Error('the two new passwords are not the same');
    const problem = await newPasswordProblem(next, { username: name.includes('@') ? undefined : name, email: name.includes('@') ? name : undefined });
    if (problem) throw new Error(problem);
    const second = $<HTMLInputElement>('reset-totp').value.replace(/\s/g, '');
    const factor = second === '' ? {} : /^\d{6,8}$/.test(second) ? { totpCode: second } : { recoveryCode: second };
    let changeId = '';
    const registrationRecord = await opaqueRegistration(async (registrationRequest) => {
      const answer = await api<ResetStartAnswer>('POST', '/api/password-reset/start', { name, code: $<HTMLInputElement>('reset-code').value.trim(), registrationRequest, ...factor });
      changeId = answer.changeId;
      return answer.registrationResponse;
    }, next);
    await api('POST', '/api/password-reset/finish', { name, changeId, registrationRecord });
    backToSignIn('Your password is changed: sign in with it');
  });
}

import type { RecoveryCodes, TotpEnrollment } from '../../../common/api/account';
import { api } from './api';
import { $, el, guard, onSubmit, say } from './dom';
import { provePassword } from './passwordProof';
import { currentUser } from './session';

/*
 * Two-factor sign-in: turn on (QR, confirm, recovery codes), see codes left, turn off. One
 * panel in the markup, moved to where it is needed: the enrollment screen or the security page.
 */

const STEPS = ['off', 'setup', 'codes', 'on'] as const;
type Step = (typeof STEPS)[number] | '';

/** Asks the shell to reload the session (2FA changes what the user may open). */
let refresh: () => Promise<void> = async () => undefined;

function step(name: Step): void {
  for (const s of STEPS) $(`totp-${s}`).hidden = s !== name;
}

export function renderTotp(): void {
  // Recovery codes stay on screen until the user says they stored them.
  if (!$('totp-codes').hidden && $('recovery-codes').childElementCount) return;
  const user = currentUser();
  if (user.totpEnabled) {
    const left = user.recoveryCodesLeft;
    $('totp-on-text').textContent = `Two-factor sign-in is on. Recovery codes left: ${left}.${left < 3 ? ' Turn it off and on again for new ones.' : ''}`;
    step('on');
  } else if ($('totp-setup').hidden) {
    step('off');
  }
}

/** Puts the panel inside `slot` and shows its current step. */
export function showTotpIn(slot: HTMLElement): void {
  slot.append($('totp-panel'));
  renderTotp();
}

export function resetTotp(): void {
  $('totp-secret').textContent = '';
  $('totp-qr').removeAttribute('src');
  $('recovery-codes').textContent = '';
  step('');
}

export function initTotpPanel(refreshSession: () => Promise<void>): void {
  refresh = refreshSession;
  const area = $('totp-panel');

  $('totp-start').addEventListener('click', guard(area, async () => {
    const setup = await api<TotpEnrollment>('POST', '/api/me/totp');
    $<HTMLImageElement>('totp-qr').src = setup.qrSvgDataUrl;
    $('totp-secret').textContent = setup.secret.replace(/(.{4})/g, '$1 ').trim();
    say(area, '');
    step('setup');
    $('totp-confirm-code').focus();
  }));

  onSubmit($<HTMLFormElement>('totp-confirm-form'), async () => {
    const code = $<HTMLInputElement>('totp-confirm-code').value.replace(/\s/g, '');
    const { recoveryCodes } = await api<RecoveryCodes>('POST', '/api/me/totp/confirm', { code });
    $<HTMLFormElement>('totp-confirm-form').reset();
    $('totp-secret').textContent = '';
    $('totp-qr').removeAttribute('src');
    const list = $('recovery-codes');
    list.textContent = '';
    for (const c of recoveryCodes) list.append(el('li', {}, el('code', { textContent: c })));
    step('codes');
    $('totp-codes-done').focus();
  });

  $('totp-codes-done').addEventListener('click', () => {
    $('recovery-codes').textContent = '';
    $('totp-codes').hidden = true;
    void refresh(); // picks up totpEnabled, and leaves the enrollment-only screen
  });

  onSubmit($<HTMLFormElement>('totp-disable-form'), async () => {
    await api('POST', '/api/me/totp/disable', {
      proof: await provePassword($<HTMLInputElement>('totp-disable-password').value),
      code: $<HTMLInputElement>('totp-disable-code').value.replace(/\s/g, ''),
    });
    $<HTMLFormElement>('totp-disable-form').reset();
    await refresh();
    say(area, 'Two-factor sign-in is off');
  });
}

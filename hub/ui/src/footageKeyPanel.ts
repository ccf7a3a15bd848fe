import type { FootageKeyState } from '../../../common/api/footageKey';
import { FOOTAGE_PASSPHRASE_MIN } from '../../../common/api/footageKeyPassphrase';
import { api } from './api';
import { $, el, field, guard, onSubmit, panel, say } from './dom';
import { provePassword } from './passwordProof';
import { hasRole } from './session';

/*
 * The footage key's protection (docs/security.md, "Footage key at rest"), on the System page
 * for owners: wrap it with a passphrase or unwrap it (both ask for the password again), and
 * unlock it after a restart. The banner above every page tells everyone signed in that clips
 * do not play while the key is locked.
 */

const LOCKED_BANNER = 'The footage key is locked since the hub restarted: cameras keep recording, but no clip plays until an owner unlocks it on the System page.';

let lastState: FootageKeyState | null = null;

/** Shows or hides the locked banner; called with the health check (nothing while signed out). */
export async function refreshFootageBanner(): Promise<void> {
  try {
    lastState = await api<FootageKeyState>('GET', '/api/system/footage-key');
  } catch {
    lastState = null;
  }
  const banner = $('footage-banner');
  banner.textContent = lastState?.locked ? LOCKED_BANNER : '';
  banner.hidden = !lastState?.locked;
}

function input(id: string, autocomplete: string, minLength = 1): HTMLInputElement {
  return el('input', { id, type: 'password', required: true, autocomplete, minLength });
}

export function footageKeyPanel(): { panel: HTMLDivElement; show(): void } {
  const status = el('p', { id: 'footage-key-status' });

  const unlockPass = input('footage-unlock-passphrase', 'off');
  const unlockForm = el('form', { id: 'footage-unlock-form' }, field('Passphrase of the footage key', unlockPass), el('button', { type: 'submit', textContent: 'Unlock' }));

  const wrapPass = input('footage-wrap-passphrase', 'new-password', FOOTAGE_PASSPHRASE_MIN);
  const wrapAgain = input('footage-wrap-passphrase-again', 'new-password', FOOTAGE_PASSPHRASE_MIN);
  const wrapPassword = input('footage-wrap-password', 'current-password');
  const wrapButton = el('button', { type: 'submit', textContent: 'Protect with this passphrase' });
  const wrapForm = el('form', { id: 'footage-wrap-form' },
    field(`New passphrase (at least ${FOOTAGE_PASSPHRASE_MIN} characters)`, wrapPass),
    field('The passphrase again', wrapAgain),
    field('Your password', wrapPassword),
    wrapButton);

  const unwrapPassword = input('footage-unwrap-password', 'current-password');
  const unwrapForm = el('form', { id: 'footage-unwrap-form' }, field('Your password', unwrapPassword), el('button', { type: 'submit', textContent: 'Remove the passphrase' }));

  const box = panel('Footage key',
    el('p', { textContent: 'The footage key decrypts every clip, here and in the cloud. Kept without a passphrase (the default), whoever takes the hub or its SD card can decrypt them all. With a passphrase, a hub taken while switched off decrypts nothing; but after every restart no clip plays until an owner unlocks the key here (cameras keep recording meanwhile, and their clips play once it is unlocked). A lost passphrase cannot be recovered: keep a recovery file ("porchlight keys export").' }),
    status, unlockForm, wrapForm, unwrapForm);
  box.id = 'footage-key-panel';

  function draw(s: FootageKeyState): void {
    lastState = s;
    const heldClips = s.heldClips ?? 0;
    const held = heldClips === 1 ? '1 clip recorded while locked is waiting for its check.' : heldClips > 1 ? `${heldClips} clips recorded while locked are waiting for their check.` : '';
    status.textContent = s.locked
      ? `Locked: clips are recorded but do not play until you unlock the key. ${held}`
      : s.wrapped
        ? `Protected with a passphrase, and unlocked until the hub restarts. ${held}`
        : 'Not protected with a passphrase: a stolen hub or SD card decrypts every clip.';
    unlockForm.hidden = !s.locked;
    wrapForm.hidden = s.locked;
    wrapButton.textContent = s.wrapped ? 'Change the passphrase' : 'Protect with this passphrase';
    unwrapForm.hidden = s.locked || !s.wrapped;
    const banner = $('footage-banner');
    banner.hidden = !s.locked;
  }

  onSubmit(unlockForm, async () => {
    draw(await api<FootageKeyState>('POST', '/api/system/footage-key/unlock', { passphrase: unlockPass.value }));
    unlockForm.reset();
    say(box, 'Unlocked: clips play again. The key stays in the hub\'s memory only, until it restarts.');
  });
  onSubmit(wrapForm, async () => {
    if (wrapPass.value !== wrapAgain.value) throw new Error('the two passphrases differ');
    const was = lastState?.wrapped;
    draw(await api<FootageKeyState>('POST', '/api/system/footage-key/wrap', { passphrase: wrapPass.value, proof: await provePassword(wrapPassword.value) }));
    wrapForm.reset();
    say(box, was ? 'The passphrase is changed.' : 'The footage key is protected: after a restart, unlock it here.');
  });
  onSubmit(unwrapForm, async () => {
    draw(await api<FootageKeyState>('POST', '/api/system/footage-key/unwrap', { proof: await provePassword(unwrapPassword.value) }));
    unwrapForm.reset();
    say(box, 'The passphrase is removed: the hub starts unlocked again.');
  });

  const load = guard(box, async () => draw(await api<FootageKeyState>('GET', '/api/system/footage-key')));
  return {
    panel: box,
    show() {
      box.hidden = !hasRole('owner');
      if (!box.hidden) void load();
    },
  };
}

import type { NoticePictureChoices } from '../../../common/api/alerts';
import { api } from './api';
import { el, guard, onSubmit, panel, say } from './dom';

/*
 * The owner's choice, for the whole household, of pictures in notices: both off by default,
 * because each sends a picture of the home out of it (docs/phone.md, "Pictures in notifications").
 */

export function noticePicturesPanel(): { element: HTMLElement; load: () => Promise<void> } {
  const mail = el('input', { type: 'checkbox', id: 'notice-pictures-mail' });
  const push = el('input', { type: 'checkbox', id: 'notice-pictures-push' });
  const form = el('form', { id: 'notice-pictures-form' },
    el('label', { className: 'check', htmlFor: mail.id }, mail, 'Attach a picture to email notices'),
    el('p', { className: 'indent', textContent: 'The picture travels to your mail provider and sits in the mailbox unencrypted, like any attachment.' }),
    el('label', { className: 'check', htmlFor: push.id }, push, 'Include a small picture in phone notifications'),
    el('p', { className: 'indent', textContent: "A tiny, coarse picture, encrypted to each phone; it passes through the browser maker's push service (Google, Mozilla, Apple), which cannot read it." }),
    el('button', { type: 'submit', textContent: 'Save pictures' }));
  const element = panel('Pictures in notifications',
    el('p', { textContent: 'For everyone in the household. Only alerts that name what the detector saw ("Person at the porch") carry a picture: the one it chose, with its box. None is sent while the footage key is locked.' }),
    form);
  element.id = 'notice-pictures-panel';

  const show = (c: NoticePictureChoices) => {
    mail.checked = c.mail;
    push.checked = c.push;
  };

  onSubmit(form, async () => {
    const saved = await api<NoticePictureChoices>('PUT', '/api/notifications/pictures', { mail: mail.checked, push: push.checked });
    show(saved);
    say(form, saved.mail || saved.push ? 'Saved: notices carry a picture where chosen' : 'Saved: notices carry no picture');
  });

  const load = guard(element, async () => show(await api<NoticePictureChoices>('GET', '/api/notifications/pictures')));
  return { element, load };
}

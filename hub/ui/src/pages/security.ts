import type { EmailSet, NoticeList, SessionInfo, SessionList } from '../../../../common/api/account';
import { api } from '../api';
import { $, el, fail, guard, onSubmit, say, when } from '../dom';
import type { Page } from '../page';
import { ROLES, currentUser, setSession, type SessionAnswer } from '../session';
import { shell } from '../shell';
import { showTotpIn } from '../totpPanel';
import { notificationsPanel } from '../notificationsPanel';
import { pushPanel, snoozePanel } from '../pushPanel';
import { preloadOnFocus } from '../newPassword';
import { changePassword, provePassword } from '../passwordProof';
import { webhooksPanel } from '../webhooksPanel';
import { noticePicturesPanel } from '../noticePicturesPanel';

/* Account security for everyone: 2FA, email, password, where you are signed in, notices. */

function renderEmail(): void {
  const { email, emailVerified } = currentUser();
  $('email-state').textContent = email ? `Your address: ${email} (${emailVerified ? 'confirmed' : 'not confirmed yet'}).` : 'You have not set an email address.';
}

onSubmit($<HTMLFormElement>('email-form'), async () => {
  const email = $<HTMLInputElement>('email-address').value.trim();
  // The address is where a password reset goes: changing it takes the password, proven without sending it.
  const proof = await provePassword($<HTMLInputElement>('email-password').value);
  const result = await api<EmailSet>('POST', '/api/me/email', { email, proof });
  $<HTMLInputElement>('email-password').value = '';
  const form = $('email-form');
  if (!result.mailConfigured) say(form, 'No mail server is set up: ask the owner of this home for your code');
  else if (result.sent) say(form, `A code was sent to ${email}: enter it below`);
  else say(form, 'The code could not be mailed: ask the owner of this home for your code');
  $('email-code').focus();
});

onSubmit($<HTMLFormElement>('email-confirm-form'), async () => {
  await api('POST', '/api/me/email/confirm', { code: $<HTMLInputElement>('email-code').value.trim() });
  $<HTMLFormElement>('email-confirm-form').reset();
  setSession(await api<SessionAnswer>('GET', '/api/session'));
  renderEmail();
  say($('email-confirm-form'), 'Your email address is confirmed');
});

preloadOnFocus($('new-password'));

onSubmit($<HTMLFormElement>('password-form'), async () => {
  const next = $<HTMLInputElement>('new-password').value;
  if (next !== $<HTMLInputElement>('new-password-again').value) throw new Error('the two new passwords are not the same');
  await changePassword($<HTMLInputElement>('current-password').value, next);
  $<HTMLFormElement>('password-form').reset();
  say($('password-form'), 'Your password is changed, and your other sessions were signed out');
  void loadSessions();
});

const sessionsPanel = $('sessions-panel');

const endSession = guard(sessionsPanel, async (s: SessionInfo) => {
  await api('DELETE', `/api/sessions/${encodeURIComponent(s.handle)}`);
  if (s.current) return shell.signedOut('You are signed out');
  say(sessionsPanel, 'That session is signed out');
  return loadSessions();
});

const loadSessions = guard(sessionsPanel, async () => {
  const { sessions } = await api<SessionList>('GET', '/api/sessions');
  const list = $('sessions');
  list.textContent = '';
  for (const s of sessions) {
    const what = `${s.userAgent ? s.userAgent.slice(0, 80) : 'Unknown browser'}${s.ip ? ` from ${s.ip}` : ''}`;
    const button = el('button', { type: 'button', textContent: 'Sign out', 'aria-label': `Sign out ${s.current ? 'this device' : what}` });
    button.addEventListener('click', () => void endSession(s));
    list.append(el('li', {},
      el('div', {}, s.current ? el('strong', { textContent: 'This device: ' }) : null, what,
        el('br'), el('small', { textContent: `Signed in ${when(s.createdAt)} · last active ${when(s.lastSeenAt)} · ends ${when(s.expiresAt)}` })),
      button));
  }
});

$('sign-out-everywhere').addEventListener('click', guard(sessionsPanel, async () => {
  await api('POST', '/api/sessions/sign-out-everywhere');
  shell.signedOut('You are signed out everywhere');
}));

async function loadNotices(): Promise<void> {
  const area = $('notices-panel');
  try {
    const { notices } = await api<NoticeList>('GET', '/api/me/notices');
    const unread = notices.filter((n) => !n.read);
    const list = $('notices');
    list.textContent = '';
    for (const n of unread) list.append(el('li', {}, el('small', { textContent: `${when(n.at)}: ` }), n.message));
    area.hidden = unread.length === 0;
    // They are on screen now: mark them read so they do not come back next time.
    if (unread.length) await api('POST', '/api/me/notices/read');
  } catch (err) {
    area.hidden = false;
    fail(area, err);
  }
}

const alerts = notificationsPanel();
const phone = pushPanel();
const snooze = snoozePanel();
const webhooks = webhooksPanel();
const pictures = noticePicturesPanel();
$('security-view').append(alerts.element, phone.element, snooze.element, pictures.element, webhooks.element);

export const securityPage: Page = {
  view: 'security',
  label: 'Security',
  roles: ROLES,
  section: $('security-view'),
  enter() {
    $('notices-panel').hidden = true;
    showTotpIn($('security-slot'));
    renderEmail();
    void loadNotices();
    void loadSessions();
    // Alerts are about footage (an installer sees none); webhooks are the owner's.
    alerts.element.hidden = currentUser().role === 'installer';
    if (!alerts.element.hidden) void alerts.load();
    pictures.element.hidden = currentUser().role !== 'owner';
    if (!pictures.element.hidden) void pictures.load();
    // Everyone may be told things by push (an installer: cameras going offline); snoozes quiet motion, which an installer is never told of.
    void phone.load();
    snooze.element.hidden = alerts.element.hidden;
    if (!snooze.element.hidden) void snooze.load();
    webhooks.element.hidden = currentUser().role !== 'owner';
    if (!webhooks.element.hidden) void webhooks.load();
  },
};

import type { AuditPage, InvitationSent, PendingCodes, SecuritySettings, UserList } from '../../../../common/api/users';
import { api } from '../api';
import { $, actionButton, el, fail, guard, headRow, onSubmit, say, when } from '../dom';
import type { Page } from '../page';
import { ROLES, currentUser, type Role } from '../session';
import { shell } from '../shell';
import { grantsPanel } from '../grantsPanel';

/* The owner's page: people and their roles, invitations, codes to hand over, household security, the audit log. */

function roleSelect(id: string, value: Role): HTMLSelectElement {
  const select = el('select', { id });
  for (const role of ROLES) select.append(el('option', { value: role, textContent: role }));
  select.value = value;
  return select;
}

const usersPanel = $('users-panel');

const loadUsers = guard(usersPanel, async () => {
  const { users } = await api<UserList>('GET', '/api/users');
  const table = $('users');
  table.textContent = '';
  const body = el('tbody');
  const me = currentUser();
  for (const u of users) {
    const self = u.id === me.id;
    const selectId = `role-${u.id}`;
    const select = roleSelect(selectId, u.role);
    select.addEventListener('change', async () => {
      try {
        await api('PATCH', `/api/users/${u.id}`, { role: select.value });
        say(usersPanel, `${u.username} is now ${select.value}`);
        void grants.load(); // only viewers have camera grants to choose
        u.role = select.value as Role;
        if (self) void shell.refreshSession(); // an owner who changed their own role may lose this page
      } catch (err) {
        select.value = u.role;
        fail(usersPanel, err);
      }
    });
    const actions = el('div', { className: 'actions' }); // a div: flex on a <td> breaks table semantics
    if (u.totpEnabled) {
      actions.append(actionButton(usersPanel, 'Reset 2FA', `Reset 2FA for ${u.username}`,
        `Turn off two-factor sign-in for ${u.username}? Their sessions end and they sign in with their password only.`,
        async () => {
          await api('POST', `/api/users/${u.id}/reset-2fa`);
          return `Two-factor sign-in is off for ${u.username}`;
        }, loadUsers));
    }
    if (!self) {
      actions.append(actionButton(usersPanel, 'Remove', `Remove ${u.username}`, `Remove ${u.username} from this home? They can no longer sign in.`,
        async () => {
          await api('DELETE', `/api/users/${u.id}`);
          return `${u.username} is removed`;
        }, loadUsers));
    }
    body.append(el('tr', {},
      el('th', { scope: 'row', textContent: self ? `${u.username} (you)` : u.username }),
      el('td', {}, el('label', { htmlFor: selectId, className: 'vh', textContent: `Role of ${u.username}` }), select),
      el('td', { textContent: u.email ? `${u.email}${u.emailVerified ? '' : ' (not confirmed)'}` : '—' }),
      el('td', { textContent: u.totpEnabled ? 'On' : 'Off' }),
      el('td', {}, actions)));
  }
  table.append(headRow('User', 'Role', 'Email', 'Two-factor', 'Actions'), body);
});

const inviteRole = $<HTMLSelectElement>('invite-role');
for (const role of ROLES) inviteRole.append(el('option', { value: role, textContent: role }));
inviteRole.value = 'member';

onSubmit($<HTMLFormElement>('invite-create-form'), async () => {
  const input = $<HTMLInputElement>('invite-email');
  const email = input.value.trim();
  const result = await api<InvitationSent>('POST', '/api/users/invitations', { email, role: inviteRole.value });
  input.value = '';
  const form = $('invite-create-form');
  if (result.code) {
    say(form, `Give this invitation code to them: ${result.code} (or the link ${location.origin}/#invite=${result.code}). It works until ${when(result.expiresAt)}`);
  } else {
    say(form, `The invitation was mailed to ${email}. It works until ${when(result.expiresAt)}`);
  }
  void loadCodes();
});

const codesPanel = $('codes-panel');

const loadCodes = guard(codesPanel, async () => {
  const { mailConfigured, codes } = await api<PendingCodes>('GET', '/api/email-codes');
  $('codes-mail').textContent = codes.length === 0 ? 'No codes are waiting.'
    : mailConfigured ? 'Codes that were not mailed have to be handed over by you.' : 'No mail server is set up: hand these codes over yourself.';
  const list = $('codes');
  list.textContent = '';
  for (const c of codes) {
    const kind = ({ invite: 'Invitation', verify: 'Email confirmation' } as Record<string, string>)[c.purpose] ?? c.purpose;
    const button = actionButton(codesPanel, 'Withdraw', `Withdraw code for ${c.email}`, null, async () => {
      await api('DELETE', `/api/email-codes/${c.id}`);
      return `The code for ${c.email} is withdrawn`;
    }, loadCodes);
    list.append(el('li', {},
      el('div', {}, `${kind} for ${c.email}: `, el('code', { className: 'secret', textContent: c.code ?? '(unreadable)' }),
        el('br'), el('small', { textContent: `${c.sent ? 'Mailed' : 'Not mailed'} · works until ${when(c.expiresAt)}` })),
      button));
  }
});

const settingsPanel = $('settings-panel');
const require2fa = $<HTMLInputElement>('require-2fa');

const loadSettings = guard(settingsPanel, async () => {
  require2fa.checked = (await api<SecuritySettings>('GET', '/api/settings/security')).require2fa;
});

require2fa.addEventListener('change', async () => {
  try {
    const settings = await api<SecuritySettings>('PUT', '/api/settings/security', { require2fa: require2fa.checked });
    require2fa.checked = settings.require2fa;
    say(settingsPanel, require2fa.checked ? 'Everyone now needs two-factor sign-in' : 'Two-factor sign-in is now optional');
  } catch (err) {
    require2fa.checked = !require2fa.checked; // the hub refused: show what is really in force
    fail(settingsPanel, err);
  }
});

const loadAudit = guard($('audit-panel'), async () => {
  const { entries } = await api<AuditPage>('GET', '/api/audit?limit=50');
  const table = $('audit');
  table.textContent = '';
  const body = el('tbody');
  for (const e of entries) {
    body.append(el('tr', {},
      el('td', { textContent: when(e.at) }),
      el('td', { textContent: e.actor }),
      el('td', { textContent: e.action }),
      el('td', { textContent: e.target ?? '' })));
  }
  table.append(headRow('Time', 'Who', 'What', 'Target'), body);
});

const grants = grantsPanel();
usersPanel.after(grants.element);

export const householdPage: Page = {
  view: 'household',
  label: 'Household',
  roles: ['owner'],
  section: $('household-view'),
  enter() {
    void loadUsers();
    void grants.load();
    void loadCodes();
    void loadSettings();
    void loadAudit();
  },
};

'use strict';
// Porchlight web UI: sign-in (with 2FA), clips, account security and the household.
// Plain DOM code: the CSP forbids inline scripts and styles, and nothing from the server is
// ever parsed as HTML (textContent only), so a user name or email cannot inject markup.
(function () {
  const state = { user: null, csrf: '', view: '', ticket: '', useRecovery: false };
  const ROLES = ['owner', 'member', 'viewer', 'installer'];
  const FOOTAGE_ROLES = ['owner', 'member', 'viewer'];
  const DEVICE_ROLES = ['owner', 'installer'];
  const VIEWS = ['login', 'invite', 'enroll', 'clips', 'cameras', 'security', 'household'];
  const $ = (id) => document.getElementById(id);

  /** createElement with properties and children; text children become text nodes, never HTML. */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      // ARIA attributes (and role) as attributes: not every browser reflects them as properties.
      if (key.includes('-') || key === 'role') node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  const when = (ms) => (ms ? new Date(ms).toLocaleString() : '—');

  /** The hub's messages are lower-case clauses ("wrong user name or password"): make them sentences. */
  function sentence(text) {
    const s = String(text || '').trim();
    if (!s) return 'Something went wrong.';
    const capital = s[0].toUpperCase() + s.slice(1);
    return /[.!?]$/.test(capital) ? capital : `${capital}.`;
  }

  async function api(method, url, body) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers['x-csrf-token'] = state.csrf;
    let res;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    } catch {
      throw Object.assign(new Error('the hub could not be reached: check your connection and try again'), { code: 'NETWORK' });
    }
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const e = data.error || {};
      throw Object.assign(new Error(e.message || `the request failed (HTTP ${res.status})`), { code: e.code || '', status: res.status });
    }
    return data;
  }

  // Every form and every [data-msgs] area gets an alert line for errors and a status line
  // for confirmations, created once so screen readers announce changes to them.
  function addMessageLines() {
    for (const area of document.querySelectorAll('form, [data-msgs]')) {
      area.append(el('p', { className: 'error', role: 'alert' }), el('p', { className: 'note', role: 'status' }));
    }
  }
  const lines = (area) => [area.querySelector(':scope > .error'), area.querySelector(':scope > .note')];

  function say(area, text) {
    const [error, note] = lines(area);
    error.textContent = '';
    note.textContent = text ? sentence(text) : '';
  }

  /** Shows an error in `area`, except for errors that mean the session itself changed. */
  function fail(area, err) {
    if (err.code === 'NOT_SIGNED_IN' && state.user) return signedOut(err.message);
    if (err.code === 'ENROLL_2FA' && state.user) return refreshSession();
    const [error, note] = lines(area);
    note.textContent = '';
    error.textContent = sentence(err.message);
  }

  /** Wraps an async action so any error it throws is shown in `area`. */
  const guard = (area, fn) => async (...args) => {
    try {
      return await fn(...args);
    } catch (err) {
      return fail(area, err);
    }
  };

  function clearMessages() {
    for (const p of document.querySelectorAll('p.error, p.note')) p.textContent = '';
  }

  /** Runs a form's submit handler with the button disabled, so a double click does not send twice. */
  function onSubmit(form, handler) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const buttons = form.querySelectorAll('button');
      buttons.forEach((b) => { b.disabled = true; });
      say(form, '');
      try {
        await handler();
      } catch (err) {
        fail(form, err);
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
      }
    });
  }

  /* ---------- Views and navigation ---------- */

  function allowedViews() {
    if (!state.user) return [];
    if (state.user.mustEnroll2fa) return ['enroll'];
    const views = ['security'];
    if (DEVICE_ROLES.includes(state.user.role)) views.unshift('cameras');
    if (FOOTAGE_ROLES.includes(state.user.role)) views.unshift('clips');
    if (state.user.role === 'owner') views.push('household');
    return views;
  }

  function show(view, focus) {
    state.view = view;
    for (const name of VIEWS) $(`${name}-view`).hidden = name !== view;
    const signedIn = Boolean(state.user);
    const allowed = allowedViews();
    $('logout').hidden = !signedIn;
    $('nav').hidden = !signedIn || state.user.mustEnroll2fa;
    for (const button of $('nav').querySelectorAll('button')) {
      button.hidden = !allowed.includes(button.dataset.view);
      if (button.dataset.view === view) button.setAttribute('aria-current', 'page');
      else button.removeAttribute('aria-current');
    }
    if (view !== 'clips') $('player').pause();
    // The 2FA panel lives in one place in the markup; move it where this view needs it.
    if (view === 'enroll') $('enroll-slot').append($('totp-panel'));
    if (view === 'security') $('security-slot').append($('totp-panel'));
    if (focus) $(`${view}-view`).querySelector('h2').focus();
    if (view === 'clips') {
      loadArming();
      loadClips();
    }
    if (view === 'security') loadSecurity();
    if (view === 'enroll') renderTotp();
    if (view === 'household') loadHousehold();
    if (view === 'cameras') loadDevices();
  }

  /** After sign-in or a session reload: stay on the current view if still allowed. */
  function route(focus) {
    const allowed = allowedViews();
    show(allowed.includes(state.view) ? state.view : allowed[0], focus);
  }

  function setSession(session) {
    state.user = session.user;
    state.csrf = session.csrfToken;
  }

  async function refreshSession() {
    try {
      setSession(await api('GET', '/api/session'));
      route(false);
    } catch (err) {
      signedOut(err.status === 401 ? '' : err.message);
    }
  }

  /** Forgets everything about the previous user, so the next person at this screen sees none of it. */
  function signedOut(message) {
    state.user = null;
    state.csrf = '';
    state.view = '';
    for (const id of ['clips', 'devices', 'sessions', 'notices', 'users', 'codes', 'audit', 'recovery-codes']) $(id).textContent = '';
    $('totp-secret').textContent = '';
    $('totp-qr').removeAttribute('src');
    totpStep('');
    $('player').removeAttribute('src');
    for (const form of document.querySelectorAll('form')) form.reset();
    clearMessages();
    showPasswordStep();
    show('login', false);
    if (message) say($('login-form'), message);
    $('username').focus();
  }

  $('nav').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-view]');
    if (button) show(button.dataset.view, true);
  });

  $('logout').addEventListener('click', async () => {
    await api('POST', '/api/logout').catch(() => undefined);
    signedOut('');
  });

  /* ---------- Sign-in ---------- */

  function showPasswordStep() {
    state.ticket = '';
    $('login-form').hidden = false;
    $('totp-form').hidden = true;
  }

  function setRecoveryMode(on) {
    state.useRecovery = on;
    const input = $('totp-code');
    input.value = '';
    $('totp-label').textContent = on ? 'Recovery code' : 'Code from your authenticator app';
    input.inputMode = on ? 'text' : 'numeric';
    input.autocomplete = on ? 'off' : 'one-time-code';
    $('totp-switch').textContent = on ? 'Use a code from your authenticator app instead' : 'Use a recovery code instead';
  }

  function signedIn(result) {
    setSession(result);
    $('password').value = '';
    clearMessages();
    showPasswordStep();
    route(true);
  }

  onSubmit($('login-form'), async () => {
    const result = await api('POST', '/api/login', { username: $('username').value.trim(), password: $('password').value });
    if (result.status === 'totp_required') {
      state.ticket = result.ticket;
      $('password').value = ''; // not kept in the page while the second step waits
      $('login-form').hidden = true;
      $('totp-form').hidden = false;
      setRecoveryMode(false);
      $('totp-code').focus();
      return;
    }
    signedIn(result);
  });

  onSubmit($('totp-form'), async () => {
    const value = $('totp-code').value;
    const body = state.useRecovery
      ? { ticket: state.ticket, recoveryCode: value.trim() }
      : { ticket: state.ticket, code: value.replace(/\s/g, '') };
    try {
      signedIn(await api('POST', '/api/login/totp', body));
    } catch (err) {
      if (err.code !== 'TICKET_EXPIRED') throw err;
      // The ticket is gone: only the password step can issue a new one.
      showPasswordStep();
      fail($('login-form'), err);
      $('password').focus();
    }
  });

  $('totp-switch').addEventListener('click', () => {
    setRecoveryMode(!state.useRecovery);
    $('totp-code').focus();
  });
  $('totp-back').addEventListener('click', () => {
    showPasswordStep();
    $('password').focus();
  });

  /* ---------- Invitation acceptance (#invite=CODE from the invitation email) ---------- */

  function inviteCode() {
    const match = /^#invite=([A-Za-z0-9_-]+)/.exec(location.hash);
    return match ? match[1] : '';
  }

  onSubmit($('invite-form'), async () => {
    const username = $('invite-username').value.trim();
    await api('POST', '/api/invitations/accept', { code: inviteCode(), username, password: $('invite-password').value });
    // The code is spent: drop it from the address bar so a reload does not offer the form again.
    history.replaceState(null, '', location.pathname + location.search);
    signedOut('');
    $('username').value = username;
    say($('login-form'), `Your account ${username} is ready: sign in`);
    $('password').focus();
  });

  /* ---------- Clips (unchanged behaviour) ---------- */

  /* ---------- Arming ---------- */

  const MODE_NAMES = { disarmed: 'Disarmed', armed_home: 'Armed (home)', armed_away: 'Armed (away)', privacy: 'Privacy: cameras record nothing' };

  function describeCause(cause) {
    if (cause.source === 'manual') return `set by ${cause.by.replace(/^user:/, '')}`;
    if (cause.source === 'schedule') return 'set by the schedule';
    if (cause.source === 'geofence') return cause.member ? `set by geofencing (${cause.member})` : 'set by geofencing';
    return 'not set yet';
  }

  const loadArming = guard($('arming-panel'), async () => {
    const a = await api('GET', '/api/arming');
    const since = a.since ? `, since ${new Date(a.since).toLocaleString()}` : '';
    $('arming-state').textContent = `${MODE_NAMES[a.mode]} — ${describeCause(a.cause)}${since}.`;
    $('arming-buttons').hidden = !['owner', 'member'].includes(state.user.role);
  });

  $('arming-buttons').addEventListener('click', guard($('arming-panel'), async (event) => {
    const mode = event.target.dataset && event.target.dataset.mode;
    if (!mode) return;
    await api('PUT', '/api/arming/mode', { mode });
    await loadArming();
    say($('arming-panel'), `${MODE_NAMES[mode]}`);
  }));

  $('share-location').addEventListener('click', () => {
    const area = $('arming-panel');
    if (!navigator.geolocation) return fail(area, new Error('this browser cannot share its location'));
    navigator.geolocation.getCurrentPosition(
      guard(area, async (pos) => {
        const r = await api('POST', '/api/me/location', { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy });
        say(area, r.presence === 'home' ? 'you are home' : r.presence === 'away' ? 'you are away from home' : 'your location was too vague to count');
        await loadArming();
      }),
      (err) => fail(area, new Error(err.code === 1 ? 'the browser was not allowed to share your location' : 'your location could not be found')),
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
    );
  });

  const loadClips = guard($('clips-view'), async () => {
    const { clips } = await api('GET', '/api/clips');
    const list = $('clips');
    list.textContent = '';
    $('clips-empty').hidden = clips.length > 0;
    for (const clip of clips) {
      const seconds = Math.round((clip.endedAt - clip.startedAt) / 1000);
      const button = el('button', { type: 'button', textContent: `${when(clip.startedAt)} — ${clip.deviceName} — ${seconds} s${clip.uploaded ? ' — in cloud' : ''}` });
      button.addEventListener('click', () => {
        const player = $('player');
        player.hidden = false;
        player.src = `/api/clips/${encodeURIComponent(clip.id)}/video`;
        player.play().catch(() => undefined);
      });
      list.append(el('li', {}, button));
    }
  });

  /* ---------- Security: 2FA ---------- */

  function totpStep(step) {
    for (const name of ['off', 'setup', 'codes', 'on']) $(`totp-${name}`).hidden = name !== step;
  }

  function renderTotp() {
    // Recovery codes stay on screen until the user says they stored them.
    if (!$('totp-codes').hidden && $('recovery-codes').childElementCount) return;
    if (state.user.totpEnabled) {
      const left = state.user.recoveryCodesLeft;
      $('totp-on-text').textContent = `Two-factor sign-in is on. Recovery codes left: ${left}.${left < 3 ? ' Turn it off and on again for new ones.' : ''}`;
      totpStep('on');
    } else if ($('totp-setup').hidden) {
      totpStep('off');
    }
  }

  $('totp-start').addEventListener('click', guard($('totp-panel'), async () => {
    const setup = await api('POST', '/api/me/totp');
    $('totp-qr').src = setup.qrSvgDataUrl;
    $('totp-secret').textContent = setup.secret.replace(/(.{4})/g, '$1 ').trim();
    say($('totp-panel'), '');
    totpStep('setup');
    $('totp-confirm-code').focus();
  }));

  onSubmit($('totp-confirm-form'), async () => {
    const { recoveryCodes } = await api('POST', '/api/me/totp/confirm', { code: $('totp-confirm-code').value.replace(/\s/g, '') });
    $('totp-confirm-form').reset();
    $('totp-secret').textContent = '';
    $('totp-qr').removeAttribute('src');
    const list = $('recovery-codes');
    list.textContent = '';
    for (const code of recoveryCodes) list.append(el('li', {}, el('code', { textContent: code })));
    totpStep('codes');
    $('totp-codes-done').focus();
  });

  $('totp-codes-done').addEventListener('click', () => {
    $('recovery-codes').textContent = '';
    $('totp-codes').hidden = true;
    refreshSession(); // picks up totpEnabled, and leaves the enrollment-only view
  });

  onSubmit($('totp-disable-form'), async () => {
    await api('POST', '/api/me/totp/disable', { password: $('totp-disable-password').value, code: $('totp-disable-code').value.replace(/\s/g, '') });
    $('totp-disable-form').reset();
    await refreshSession();
    say($('totp-panel'), 'Two-factor sign-in is off');
  });

  /* ---------- Security: email, password, sessions, notices ---------- */

  function renderEmail() {
    const { email, emailVerified } = state.user;
    $('email-state').textContent = email ? `Your address: ${email} (${emailVerified ? 'confirmed' : 'not confirmed yet'}).` : 'You have not set an email address.';
  }

  onSubmit($('email-form'), async () => {
    const email = $('email-address').value.trim();
    const result = await api('POST', '/api/me/email', { email });
    if (!result.mailConfigured) say($('email-form'), 'No mail server is set up: ask the owner of this home for your code');
    else if (result.sent) say($('email-form'), `A code was sent to ${email}: enter it below`);
    else say($('email-form'), 'The code could not be mailed: ask the owner of this home for your code');
    $('email-code').focus();
  });

  onSubmit($('email-confirm-form'), async () => {
    await api('POST', '/api/me/email/confirm', { code: $('email-code').value.trim() });
    $('email-confirm-form').reset();
    setSession(await api('GET', '/api/session'));
    renderEmail();
    say($('email-confirm-form'), 'Your email address is confirmed');
  });

  onSubmit($('password-form'), async () => {
    if ($('new-password').value !== $('new-password-again').value) throw new Error('the two new passwords are not the same');
    await api('POST', '/api/me/password', { currentPassword: $('current-password').value, newPassword: $('new-password').value });
    $('password-form').reset();
    say($('password-form'), 'Your password is changed, and your other sessions were signed out');
    loadSessions();
  });

  const loadSessions = guard($('sessions-panel'), async () => {
    const { sessions } = await api('GET', '/api/sessions');
    const list = $('sessions');
    list.textContent = '';
    for (const s of sessions) {
      const what = `${s.userAgent ? s.userAgent.slice(0, 80) : 'Unknown browser'}${s.ip ? ` from ${s.ip}` : ''}`;
      const button = el('button', { type: 'button', textContent: 'Sign out', 'aria-label': `Sign out ${s.current ? 'this device' : what}` });
      button.addEventListener('click', () => endSession(s));
      list.append(el('li', {},
        el('div', {}, s.current ? el('strong', { textContent: 'This device: ' }) : null, what,
          el('br'), el('small', { textContent: `Signed in ${when(s.createdAt)} · last active ${when(s.lastSeenAt)} · ends ${when(s.expiresAt)}` })),
        button));
    }
  });

  const endSession = guard($('sessions-panel'), async (s) => {
    await api('DELETE', `/api/sessions/${encodeURIComponent(s.handle)}`);
    if (s.current) return signedOut('You are signed out');
    say($('sessions-panel'), 'That session is signed out');
    loadSessions();
  });

  $('sign-out-everywhere').addEventListener('click', guard($('sessions-panel'), async () => {
    await api('POST', '/api/sessions/sign-out-everywhere');
    signedOut('You are signed out everywhere');
  }));

  async function loadNotices() {
    try {
      const { notices } = await api('GET', '/api/me/notices');
      const unread = notices.filter((n) => !n.read);
      const list = $('notices');
      list.textContent = '';
      for (const n of unread) list.append(el('li', {}, el('small', { textContent: `${when(n.at)}: ` }), n.message));
      $('notices-panel').hidden = unread.length === 0;
      // They are on screen now: mark them read so they do not come back next time.
      if (unread.length) await api('POST', '/api/me/notices/read');
    } catch (err) {
      $('notices-panel').hidden = false;
      fail($('notices-panel'), err);
    }
  }

  function loadSecurity() {
    $('notices-panel').hidden = true;
    renderTotp();
    renderEmail();
    loadNotices();
    loadSessions();
  }

  /* ---------- Household (owner) ---------- */

  function roleSelect(id, value) {
    const select = el('select', { id });
    for (const role of ROLES) select.append(el('option', { value: role, textContent: role }));
    select.value = value;
    return select;
  }

  function headRow(...names) {
    return el('thead', {}, el('tr', {}, ...names.map((n) => el('th', { scope: 'col', textContent: n }))));
  }

  /**
   * A table-row action: confirm first, call the hub, show what happened in `panel`, reload
   * the table. `done` turns the hub's answer into that sentence.
   */
  function rowAction(panel, reload, label, accessible, question, method, url, done) {
    const button = el('button', { type: 'button', textContent: label, 'aria-label': accessible });
    button.addEventListener('click', guard(panel, async () => {
      if (!window.confirm(question)) return;
      say(panel, done(await api(method, url)));
      reload();
    }));
    return button;
  }

  const loadUsers = guard($('users-panel'), async () => {
    const { users } = await api('GET', '/api/users');
    const table = $('users');
    table.textContent = '';
    table.append(headRow('User', 'Role', 'Email', 'Two-factor', 'Actions'));
    const body = el('tbody');
    for (const u of users) {
      const self = u.id === state.user.id;
      const selectId = `role-${u.id}`;
      const select = roleSelect(selectId, u.role);
      select.addEventListener('change', async () => {
        try {
          await api('PATCH', `/api/users/${u.id}`, { role: select.value });
          say($('users-panel'), `${u.username} is now ${select.value}`);
          u.role = select.value;
          if (self) refreshSession(); // an owner who changed their own role may lose this view
        } catch (err) {
          select.value = u.role;
          fail($('users-panel'), err);
        }
      });
      const actions = el('div', { className: 'actions' }); // a div: flex on a <td> breaks table semantics
      if (u.totpEnabled) {
        actions.append(rowAction($('users-panel'), loadUsers, 'Reset 2FA', `Reset 2FA for ${u.username}`,
          `Turn off two-factor sign-in for ${u.username}? Their sessions end and they sign in with their password only.`,
          'POST', `/api/users/${u.id}/reset-2fa`, () => `Two-factor sign-in is off for ${u.username}`));
      }
      if (!self) {
        actions.append(rowAction($('users-panel'), loadUsers, 'Remove', `Remove ${u.username}`, `Remove ${u.username} from this home? They can no longer sign in.`,
          'DELETE', `/api/users/${u.id}`, () => `${u.username} is removed`));
      }
      body.append(el('tr', {},
        el('th', { scope: 'row', textContent: self ? `${u.username} (you)` : u.username }),
        el('td', {}, el('label', { htmlFor: selectId, className: 'vh', textContent: `Role of ${u.username}` }), select),
        el('td', { textContent: u.email ? `${u.email}${u.emailVerified ? '' : ' (not confirmed)'}` : '—' }),
        el('td', { textContent: u.totpEnabled ? 'On' : 'Off' }),
        el('td', {}, actions)));
    }
    table.append(body);
  });

  onSubmit($('invite-create-form'), async () => {
    const email = $('invite-email').value.trim();
    const result = await api('POST', '/api/users/invitations', { email, role: $('invite-role').value });
    $('invite-email').value = '';
    if (result.code) {
      say($('invite-create-form'), `Give this invitation code to them: ${result.code} (or the link ${location.origin}/#invite=${result.code}). It works until ${when(result.expiresAt)}`);
    } else {
      say($('invite-create-form'), `The invitation was mailed to ${email}. It works until ${when(result.expiresAt)}`);
    }
    loadCodes();
  });

  const loadCodes = guard($('codes-panel'), async () => {
    const { mailConfigured, codes } = await api('GET', '/api/email-codes');
    $('codes-mail').textContent = codes.length === 0 ? 'No codes are waiting.'
      : mailConfigured ? 'Codes that were not mailed have to be handed over by you.' : 'No mail server is set up: hand these codes over yourself.';
    const list = $('codes');
    list.textContent = '';
    for (const c of codes) {
      const kind = { invite: 'Invitation', verify: 'Email confirmation' }[c.purpose] || c.purpose;
      const button = el('button', { type: 'button', textContent: 'Withdraw', 'aria-label': `Withdraw code for ${c.email}` });
      button.addEventListener('click', guard($('codes-panel'), async () => {
        await api('DELETE', `/api/email-codes/${c.id}`);
        say($('codes-panel'), `The code for ${c.email} is withdrawn`);
        loadCodes();
      }));
      list.append(el('li', {},
        el('div', {}, `${kind} for ${c.email}: `, el('code', { className: 'secret', textContent: c.code || '(unreadable)' }),
          el('br'), el('small', { textContent: `${c.sent ? 'Mailed' : 'Not mailed'} · works until ${when(c.expiresAt)}` })),
        button));
    }
  });

  const loadSettings = guard($('settings-panel'), async () => {
    $('require-2fa').checked = Boolean((await api('GET', '/api/settings/security')).require2fa);
  });

  $('require-2fa').addEventListener('change', async () => {
    const box = $('require-2fa');
    try {
      const settings = await api('PUT', '/api/settings/security', { require2fa: box.checked });
      box.checked = Boolean(settings.require2fa);
      say($('settings-panel'), box.checked ? 'Everyone now needs two-factor sign-in' : 'Two-factor sign-in is now optional');
    } catch (err) {
      box.checked = !box.checked; // the hub refused: show what is really in force
      fail($('settings-panel'), err);
    }
  });

  const loadAudit = guard($('audit-panel'), async () => {
    const { entries } = await api('GET', '/api/audit?limit=50');
    const table = $('audit');
    table.textContent = '';
    table.append(headRow('Time', 'Who', 'What', 'Target'));
    const body = el('tbody');
    for (const e of entries) {
      body.append(el('tr', {},
        el('td', { textContent: when(e.at) }),
        el('td', { textContent: e.actor }),
        el('td', { textContent: e.action }),
        el('td', { textContent: e.target || '' })));
    }
    table.append(body);
  });

  function loadHousehold() {
    loadUsers();
    loadCodes();
    loadSettings();
    loadAudit();
  }

  /* ---------- Cameras (owner, installer) ---------- */

  const codeMessage = (w) => `Pairing code ${w.code}: enter it on the camera before ${when(w.expiresAt)}. It works once`;

  $('pairing-open').addEventListener('click', guard($('pairing-panel'), async () => {
    say($('pairing-panel'), codeMessage(await api('POST', '/api/pairing/open')));
  }));

  const loadDevices = guard($('devices-panel'), async () => {
    const { devices } = await api('GET', '/api/devices');
    const table = $('devices');
    table.textContent = '';
    if (devices.length === 0) {
      say($('devices-panel'), 'No cameras are paired yet');
      return;
    }
    table.append(headRow('Camera', 'State', 'Last seen', 'Actions'));
    const body = el('tbody');
    for (const d of devices) {
      const actions = el('div', { className: 'actions' });
      actions.append(rowAction($('devices-panel'), loadDevices, 'New token', `Give ${d.name} a new token`,
        `Give ${d.name} a new token? Its current token stops working now; you then pair it again with the code shown.`,
        'POST', `/api/devices/${d.id}/reprovision`, (w) => `${d.name}: its old token is refused. ${codeMessage(w)}`));
      if (!d.revoked) {
        actions.append(rowAction($('devices-panel'), loadDevices, 'Revoke', `Revoke ${d.name}`, `Revoke ${d.name}? It can no longer upload clips until it gets a new token.`,
          'POST', `/api/devices/${d.id}/revoke`, () => `${d.name} is revoked`));
      }
      body.append(el('tr', {},
        el('th', { scope: 'row', textContent: d.name }),
        el('td', { textContent: d.revoked ? 'Revoked' : 'Active' }),
        el('td', { textContent: when(d.lastSeenAt) }),
        el('td', {}, actions)));
    }
    table.append(body);
  });

  /* ---------- Footer and start-up ---------- */

  const CLOUD_BANNERS = {
    offline: 'The cloud backup cannot be reached. New clips are kept safe on the hub and will upload when the connection is back.',
    misconfigured: 'The cloud backup refuses the hub (wrong bucket or credentials). Clips are kept safe on the hub; ask the installer to check the storage settings.',
    'not-running': 'The cloud backup service is not running. Clips are kept safe on the hub.',
  };

  async function loadPorts() {
    try {
      const health = await api('GET', '/api/health');
      $('ports').textContent = `HTTPS on port ${health.httpsPort} · ${health.httpPort ? `HTTP redirect on port ${health.httpPort}` : 'no HTTP redirect'}`;
      const banner = CLOUD_BANNERS[health.cloud && health.cloud.state];
      $('cloud-banner').textContent = banner || '';
      $('cloud-banner').hidden = !banner;
    } catch {
      $('ports').textContent = 'The hub did not answer its health check.';
    }
  }

  addMessageLines();
  for (const role of ROLES) $('invite-role').append(el('option', { value: role, textContent: role }));
  $('invite-role').value = 'member';
  loadPorts();
  setInterval(loadPorts, 30000);
  if (inviteCode()) {
    show('invite', false);
    $('invite-username').focus();
  } else {
    refreshSession();
  }
})();

'use strict';
// Minimal clip browser: sign in, list clips, play one. No inline script: the CSP forbids it.
(function () {
  let csrfToken = '';
  const $ = (id) => document.getElementById(id);

  async function api(method, url, body) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((data.error && data.error.message) || `request failed (${res.status})`);
    return data;
  }

  function show(view) {
    $('login-view').hidden = view !== 'login';
    $('clips-view').hidden = view !== 'clips';
    $('logout').hidden = view === 'login';
  }

  async function loadClips() {
    const { clips } = await api('GET', '/api/clips');
    const list = $('clips');
    list.textContent = '';
    $('clips-empty').hidden = clips.length > 0;
    for (const clip of clips) {
      const li = document.createElement('li');
      const button = document.createElement('button');
      const seconds = Math.round((clip.endedAt - clip.startedAt) / 1000);
      button.textContent = `${new Date(clip.startedAt).toLocaleString()} — ${clip.deviceName} — ${seconds} s${clip.uploaded ? ' — in cloud' : ''}`;
      button.addEventListener('click', () => {
        const player = $('player');
        player.hidden = false;
        player.src = `/api/clips/${clip.id}/video`;
        player.play().catch(() => undefined);
      });
      li.appendChild(button);
      list.appendChild(li);
    }
  }

  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('login-error').textContent = '';
    try {
      const session = await api('POST', '/api/login', { username: $('username').value, password: $('password').value });
      csrfToken = session.csrfToken;
      show('clips');
      await loadClips();
    } catch (err) {
      $('login-error').textContent = err.message;
    }
  });

  $('logout').addEventListener('click', async () => {
    await api('POST', '/api/logout').catch(() => undefined);
    show('login');
  });

  api('GET', '/api/session')
    .then(async (session) => {
      csrfToken = session.csrfToken;
      show('clips');
      await loadClips();
    })
    .catch(() => show('login'));
})();

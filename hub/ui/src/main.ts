import { api, ApiError } from './api';
import { $, addMessageLines, clearMessages, el, fail, onSessionError, onSubmit, say } from './dom';
import type { Page } from './page';
import { pages, takeovers } from './pages';
import type { Health } from '../../../common/api/system';
import type { AcceptStartAnswer, LoginAnswer, LoginStartAnswer, SignedIn } from '../../../common/api/users';
import { opaqueRegistration, opaqueSignIn } from '../../../common/opaqueSignIn';
import { clearSession, session, setSession, type SessionAnswer } from './session';
import { shell } from './shell';
import { initTotpPanel, resetTotp, showTotpIn } from './totpPanel';
import { refreshFootageBanner } from './footageKeyPanel';
import { initPasswordReset } from './passwordReset';
import { newPasswordProblem, preloadOnFocus } from './newPassword';
import { hashOf, parseDeepLink, type DeepLink } from './deepLink';
import { startServiceWorker } from './serviceWorker';

/*
 * The shell: sign-in (password, then TOTP or a recovery code), invitations, forced 2FA
 * enrollment, the nav and the address (`#/view`), and the cloud banner. Pages live in
 * pages/ and are listed in pages.ts.
 */

const SIGNED_OUT_MESSAGE = 'porchlight.signedOut';
const BUILT_IN = ['login', 'invite', 'enroll', 'offline'] as const;
const state = { ticket: '', useRecovery: false, page: null as Page | null };

const nav = $('nav');
const main = document.querySelector('main') as HTMLElement;
for (const page of pages) {
  main.append(page.section);
  const button = el('button', { type: 'button', 'data-view': page.view, textContent: page.label, hidden: true });
  button.addEventListener('click', () => open(page.view, true));
  nav.append(button);
}
for (const takeover of takeovers) main.append(takeover.section);

function allowedPages(): Page[] {
  const user = session.user;
  if (!user || user.mustEnroll2fa) return [];
  return pages.filter((p) => p.roles.includes(user.role));
}

/** Hides every screen except `shown` (a section element), stopping the page that was open. */
function only(shown: HTMLElement): void {
  if (state.page && state.page.section !== shown) {
    state.page.leave?.();
    state.page = null;
  }
  for (const name of BUILT_IN) $(`${name}-view`).hidden = true;
  for (const p of pages) p.section.hidden = true;
  for (const t of takeovers) t.section.hidden = true;
  shown.hidden = false;
  const user = session.user;
  $('logout').hidden = !user;
  nav.hidden = !user || user.mustEnroll2fa;
}

function focusHeading(section: HTMLElement): void {
  section.querySelector('h2')?.focus();
}

/** Opens a page by name if this user may; otherwise their first page. `link`: what the address names within it. */
function open(view: string, focus: boolean, link?: DeepLink): void {
  const allowed = allowedPages();
  const page = allowed.find((p) => p.view === view) ?? allowed[0];
  if (!page) return;
  only(page.section);
  for (const button of nav.querySelectorAll<HTMLButtonElement>('button[data-view]')) {
    button.hidden = !allowed.some((p) => p.view === button.dataset.view);
    if (button.dataset.view === page.view) button.setAttribute('aria-current', 'page');
    else button.removeAttribute('aria-current');
  }
  if (location.hash !== `#/${page.view}`) history.replaceState(null, '', `#/${page.view}`);
  state.page = page;
  if (focus) focusHeading(page.section);
  page.enter(link && link.view === page.view && (link.camera !== null || link.at !== null) ? link : undefined);
}

/** After sign-in or a session reload: the page in the address if allowed, else the first. */
function route(focus: boolean): void {
  if (session.user?.mustEnroll2fa) {
    only($('enroll-view'));
    showTotpIn($('enroll-slot'));
    if (focus) focusHeading($('enroll-view'));
    return;
  }
  const link = parseDeepLink(location.hash);
  open(link.view, focus, link);
}

window.addEventListener('hashchange', () => {
  const link = parseDeepLink(location.hash);
  // A link to a camera or moment opens it even on the page already shown.
  if (session.user && (link.view !== state.page?.view || link.camera !== null || link.at !== null)) route(true);
});

async function refreshSession(): Promise<void> {
  try {
    setSession(await api<SessionAnswer>('GET', '/api/session'));
    route(false);
    void refreshFootageBanner();
  } catch (err) {
    if (err instanceof ApiError && err.code === 'NETWORK') return showOffline();
    signedOut(err instanceof ApiError && err.status === 401 ? '' : (err as Error).message);
  }
}

/** The app opened (from the service worker's copy of the page) but the hub does not answer. */
function showOffline(): void {
  only($('offline-view'));
  focusHeading($('offline-view'));
}

$('offline-retry').addEventListener('click', () => location.reload());

/**
 * Forgets everything about the previous user, so the next person at this screen sees none
 * of it: after a session, the page is loaded afresh (every page's data and media go with it).
 */
function signedOut(message: string): void {
  if (session.user) {
    clearSession();
    sessionStorage.setItem(SIGNED_OUT_MESSAGE, message);
    history.replaceState(null, '', location.pathname);
    location.reload();
    return;
  }
  showSignIn(message);
}

function showSignIn(message: string): void {
  resetTotp();
  for (const form of document.querySelectorAll('form')) form.reset();
  clearMessages();
  showPasswordStep();
  only($('login-view'));
  if (message) say($('login-form'), message);
  $('username').focus();
}

shell.signedOut = signedOut;
shell.refreshSession = refreshSession;
onSessionError((err) => {
  if (!session.user) return false;
  if (err.code === 'NOT_SIGNED_IN') {
    signedOut(err.message);
    return true;
  }
  if (err.code === 'ENROLL_2FA') {
    void refreshSession();
    return true;
  }
  return false;
});

$('logout').addEventListener('click', async () => {
  await api('POST', '/api/logout').catch(() => undefined);
  signedOut('');
});

/* ---------- Sign-in ---------- */

function showPasswordStep(): void {
  state.ticket = '';
  $('login-form').hidden = false;
  $('totp-form').hidden = true;
}

function setRecoveryMode(on: boolean): void {
  state.useRecovery = on;
  const input = $<HTMLInputElement>('totp-code');
  input.value = '';
  $('totp-label').textContent = on ? 'Recovery code' : 'Code from your authenticator app';
  input.inputMode = on ? 'text' : 'numeric';
  input.autocomplete = on ? 'off' : 'one-time-code';
  $('totp-switch').textContent = on ? 'Use a code from your authenticator app instead' : 'Use a recovery code instead';
}

function signedIn(answer: SessionAnswer): void {
  setSession(answer);
  $<HTMLInputElement>('password').value = '';
  clearMessages();
  showPasswordStep();
  route(true);
  void refreshFootageBanner();
}

onSubmit($<HTMLFormElement>('login-form'), async () => {
  // OPAQUE: the password and its key stretching stay in this page (common/opaqueSignIn.ts).
  const result = (await opaqueSignIn<unknown>(
    (path, body) => api('POST', path, body),
    (answer) => answer as LoginStartAnswer, // api() throws on refusals, so every answer it returns is a 200
    $<HTMLInputElement>('username').value.trim(),
    $<HTMLInputElement>('password').value,
  )) as LoginAnswer;
  if (result.status === 'totp_required') {
    state.ticket = result.ticket;
    $<HTMLInputElement>('password').value = ''; // not kept in the page while the second step waits
    $('login-form').hidden = true;
    $('totp-form').hidden = false;
    setRecoveryMode(false);
    $('totp-code').focus();
    return;
  }
  signedIn(result);
});

onSubmit($<HTMLFormElement>('totp-form'), async () => {
  const value = $<HTMLInputElement>('totp-code').value;
  const body = state.useRecovery ? { ticket: state.ticket, recoveryCode: value.trim() } : { ticket: state.ticket, code: value.replace(/\s/g, '') };
  try {
    signedIn(await api<SignedIn>('POST', '/api/login/totp', body));
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'TICKET_EXPIRED') throw err;
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

initPasswordReset();

/* ---------- Invitation acceptance (#invite=CODE from the invitation email) ---------- */

function inviteCode(): string {
  return /^#invite=([A-Za-z0-9_-]+)/.exec(location.hash)?.[1] ?? '';
}

preloadOnFocus($('invite-password'));

onSubmit($<HTMLFormElement>('invite-form'), async () => {
  const username = $<HTMLInputElement>('invite-username').value.trim();
  const password = $<HTMLInputElement>('invite-password').value;
  if (password !== $<HTMLInputElement>('invite-password-again').value) throw new Error('the two passwords are not the same');
  const code = inviteCode();
  // Checked here: the password becomes an OPAQUE record in this page and never reaches the hub.
  const early = await newPasswordProblem(password, { username });
  if (early) throw new Error(early);
  let registrationId = '';
  const registrationRecord = await opaqueRegistration(async (registrationRequest) => {
    const started = await api<AcceptStartAnswer>('POST', '/api/invitations/accept/start', { code, username, registrationRequest });
    // Only now is the invitation's address known: a password made of it is refused before the record goes.
    const problem = await newPasswordProblem(password, { username, email: started.email });
    if (problem) throw new Error(problem);
    registrationId = started.registrationId;
    return started.registrationResponse;
  }, password);
  await api('POST', '/api/invitations/accept/finish', { code, registrationId, registrationRecord });
  // The code is spent: drop it from the address bar so a reload does not offer the form again.
  history.replaceState(null, '', location.pathname + location.search);
  showSignIn('');
  $<HTMLInputElement>('username').value = username;
  say($('login-form'), `Your account ${username} is ready: sign in`);
  $('password').focus();
});

/* ---------- Cloud banner and ports ---------- */

const CLOUD_BANNERS: Record<string, string> = {
  offline: 'The cloud backup cannot be reached. New clips are kept safe on the hub and will upload when the connection is back.',
  misconfigured: 'The cloud backup settings cannot be used (bucket, key, credentials file or address): the System page tells the owner or installer what to fix. Clips are kept safe on the hub and upload once it is fixed.',
  'not-running': 'The cloud backup service is not running. Clips are kept safe on the hub.',
};

async function loadHealth(): Promise<void> {
  try {
    const health = await api<Health>('GET', '/api/health');
    $('ports').textContent = `HTTPS on port ${health.httpsPort} · ${health.httpPort ? `HTTP redirect on port ${health.httpPort}` : 'no HTTP redirect'}`;
    const banner = CLOUD_BANNERS[health.cloud?.state ?? ''];
    $('cloud-banner').textContent = banner ?? '';
    $('cloud-banner').hidden = !banner;
    void refreshFootageBanner();
  } catch {
    $('ports').textContent = 'The hub did not answer its health check.';
  }
}

/* ---------- Start-up ---------- */

async function start(): Promise<void> {
  startServiceWorker((url) => {
    // A tapped notification's link, from the service worker: the address routes it.
    location.hash = hashOf(url);
  });
  for (const area of document.querySelectorAll<HTMLElement>('form, [data-msgs]')) addMessageLines(area);
  initTotpPanel(refreshSession);
  void loadHealth();
  setInterval(() => void loadHealth(), 30_000);
  const farewell = sessionStorage.getItem(SIGNED_OUT_MESSAGE);
  sessionStorage.removeItem(SIGNED_OUT_MESSAGE);
  if (inviteCode()) {
    only($('invite-view'));
    $('invite-username').focus();
    return;
  }
  for (const takeover of takeovers) {
    if (await takeover.wanted().catch(() => false)) {
      only(takeover.section);
      takeover.enter();
      return;
    }
  }
  if (farewell !== null) return showSignIn(farewell);
  await refreshSession();
}

void start();

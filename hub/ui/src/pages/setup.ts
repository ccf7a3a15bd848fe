import type { RecoveryCodes, TotpEnrollment } from '../../../../common/api/account';
import type { ArmingSettings } from '../../../../common/api/arming';
import type { NewAccountStartAnswer, SetupNeeded, SignedIn } from '../../../../common/api/users';
import { opaqueRegistration } from '../../../../common/opaqueSignIn';
import { api, ApiError } from '../api';
import { cloudTargetForm } from '../cloudTargetForm';
import { addMessageLines, el, fail, field, guard, onSubmit, say } from '../dom';
import type { Takeover } from '../page';
import { newPasswordProblem, preloadOnFocus } from '../newPassword';
import { session, setSession, type SessionAnswer } from '../session';
import { shell } from '../shell';
import { trustHubPanel } from '../trustHubPanel';

/*
 * First-run setup, shown instead of sign-in while the hub has no account: the owner's account
 * (with the setup code printed on the Pi), two-factor sign-in, the home (time zone, location,
 * radius) and the cloud backup, then the dashboard. After the first step the owner is signed
 * in, so a reload comes back to the step they were on.
 */

const STEPS = ['owner', '2fa', 'home', 'cloud'] as const;
type Step = (typeof STEPS)[number] | 'done';
const RESUME_KEY = 'porchlight.setupStep';
const TITLES: Record<Step, string> = {
  owner: 'Your account',
  '2fa': 'Two-factor sign-in',
  home: 'Your home',
  cloud: 'Cloud backup',
  done: 'Porchlight is ready',
};

const input = (id: string, props: Record<string, unknown> = {}) => el('input', { id, ...props });
const button = (id: string, text: string, props: Record<string, unknown> = {}) => el('button', { type: 'button', id, textContent: text, ...props });
const stepHeading = (step: Step) => {
  const n = STEPS.indexOf(step as (typeof STEPS)[number]);
  return el('h3', { tabIndex: -1, textContent: n >= 0 ? `Step ${n + 1} of ${STEPS.length}: ${TITLES[step]}` : TITLES[step] });
};

/* ---------- Step 1: the owner's account ---------- */

const code = input('setup-code', { autocomplete: 'off', spellcheck: false, autocapitalize: 'characters', required: true, 'aria-describedby': 'setup-code-help' });
const username = input('setup-username', { autocomplete: 'username', required: true, minLength: 2, maxLength: 64 });
const password = input('setup-password', { type: 'password', autocomplete: 'new-password', required: true, 'aria-describedby': 'setup-password-help' });
const passwordAgain = input('setup-password-again', { type: 'password', autocomplete: 'new-password', required: true });
const email = input('setup-email', { type: 'email', autocomplete: 'email' });
const ownerForm = el('form', { id: 'setup-owner-form', noValidate: true },
  field('Setup code', code),
  el('p', { id: 'setup-code-help', className: 'muted' },
    'Run ', el('code', { textContent: 'sudo porchlight setup code' }), ' on the hub to see it. It proves you are at the hub, not just on the same network.'),
  field('User name', username),
  field('Password', password),
  el('p', { id: 'setup-password-help', className: 'muted', textContent: 'At least 10 characters. A few unrelated words make a strong password.' }),
  field('Password again', passwordAgain),
  field('Email address (optional, for alerts and account recovery)', email),
  el('div', { className: 'actions' }, el('button', { type: 'submit', textContent: 'Create account and continue' })));
const ownerStep = el('div', { id: 'setup-step-owner', className: 'panel', hidden: true },
  stepHeading('owner'),
  el('p', { textContent: 'Welcome. This account owns the hub: it adds cameras and people, and sees everything.' }),
  ownerForm);

preloadOnFocus(password);

onSubmit(ownerForm, async () => {
  if (!code.value.trim()) throw new Error('enter the setup code');
  if (password.value !== passwordAgain.value) {
    passwordAgain.focus();
    throw new Error('the two passwords are not the same');
  }
  const setupCode = code.value.trim();
  const name = username.value.trim();
  const address = email.value.trim();
  // Checked here: the password becomes an OPAQUE record in this page and never reaches the hub.
  const problem = await newPasswordProblem(password.value, { username: name, email: address || undefined });
  if (problem) {
    password.focus();
    throw new Error(problem);
  }
  let registrationId = '';
  const registrationRecord = await opaqueRegistration(async (registrationRequest) => {
    const started = await api<NewAccountStartAnswer>('POST', '/api/setup/owner/start', {
      setupCode,
      username: name,
      registrationRequest,
      ...(address ? { email: address } : {}),
    });
    registrationId = started.registrationId;
    return started.registrationResponse;
  }, password.value);
  const answer = await api<SignedIn>('POST', '/api/setup/owner/finish', { setupCode, registrationId, registrationRecord });
  setSession(answer);
  ownerForm.reset();
  show('2fa');
});

/* ---------- Step 2: two-factor sign-in ---------- */

const totpStart = button('setup-totp-start', 'Set up two-factor sign-in');
const totpQr = el('img', { id: 'setup-totp-qr', alt: 'QR code for your authenticator app', width: 200, height: 200 });
const totpSecret = el('code', { id: 'setup-totp-secret', className: 'secret' });
const totpCode = input('setup-totp-code', { inputMode: 'numeric', autocomplete: 'one-time-code', required: true });
const totpForm = el('form', { id: 'setup-totp-form' }, field('Code from your authenticator app', totpCode), el('button', { type: 'submit', textContent: 'Turn on' }));
const totpSetup = el('div', { hidden: true },
  el('p', { textContent: 'Scan this with an authenticator app (such as Aegis, Google Authenticator or 1Password), or type the key into it. Then enter the code it shows.' }),
  totpQr,
  el('p', {}, 'Key: ', totpSecret),
  totpForm);
const recoveryCodes = el('ul', { id: 'setup-recovery-codes', className: 'codes' });
const codesStored = input('setup-codes-stored', { type: 'checkbox' });
const totpCodes = el('div', { hidden: true },
  el('p', {}, el('strong', { textContent: 'Two-factor sign-in is on.' }), ' These recovery codes get you in if you lose your phone. Each works once. Store them somewhere safe now (print them, or save them in a password manager): they are not shown again.'),
  recoveryCodes,
  el('label', { className: 'check', htmlFor: codesStored.id }, codesStored, 'I have stored them'));
const totpOn = el('p', { hidden: true, textContent: 'Two-factor sign-in is on for your account.' });
const laterWarning = el('div', { className: 'warning', hidden: true },
  el('p', { textContent: 'Without two-factor sign-in, anyone who learns or guesses your password can watch your cameras and turn them off. You can turn it on later under Security.' }),
  button('setup-totp-skip', 'Continue without two-factor sign-in'));
const totpNext = button('setup-totp-next', 'Next', { disabled: true });
const totpLater = button('setup-totp-later', 'Set up later', { className: 'link' });
const totpStep = el('div', { id: 'setup-step-2fa', className: 'panel', hidden: true },
  stepHeading('2fa'),
  el('p', { textContent: 'With two-factor sign-in, signing in also needs a code from an app on your phone, so a stolen password alone does not open your cameras.' }),
  totpStart, totpSetup, totpCodes, totpOn,
  el('div', { className: 'actions' }, totpNext, totpLater),
  laterWarning);
addMessageLines(totpStep);

function renderTotp(): void {
  const on = session.user?.totpEnabled ?? false;
  const showingCodes = recoveryCodes.childElementCount > 0;
  totpStart.hidden = on || showingCodes || !totpSetup.hidden;
  totpOn.hidden = !on || showingCodes;
  totpCodes.hidden = !showingCodes;
  totpNext.disabled = showingCodes ? !codesStored.checked : !on;
  totpLater.hidden = on;
  if (on) laterWarning.hidden = true;
}

totpStart.addEventListener('click', guard(totpStep, async () => {
  const setup = await api<TotpEnrollment>('POST', '/api/me/totp');
  totpQr.src = setup.qrSvgDataUrl;
  totpSecret.textContent = setup.secret.replace(/(.{4})/g, '$1 ').trim();
  totpSetup.hidden = false;
  renderTotp();
  totpCode.focus();
}));

onSubmit(totpForm, async () => {
  const { recoveryCodes: codes } = await api<RecoveryCodes>('POST', '/api/me/totp/confirm', { code: totpCode.value.replace(/\s/g, '') });
  totpForm.reset();
  totpSetup.hidden = true;
  totpQr.removeAttribute('src');
  totpSecret.textContent = '';
  for (const c of codes) recoveryCodes.append(el('li', {}, el('code', { textContent: c })));
  if (session.user) session.user = { ...session.user, totpEnabled: true, recoveryCodesLeft: codes.length };
  renderTotp();
  say(totpStep, '');
  codesStored.focus();
});

codesStored.addEventListener('change', renderTotp);
totpLater.addEventListener('click', () => {
  laterWarning.hidden = false;
  laterWarning.querySelector('button')?.focus();
});
laterWarning.querySelector('button')?.addEventListener('click', () => show('home'));
totpNext.addEventListener('click', () => {
  // The codes leave the page once the owner said they stored them.
  recoveryCodes.textContent = '';
  codesStored.checked = false;
  show('home');
});

/* ---------- Step 3: the home ---------- */

const timeZone = el('select', { id: 'setup-tz' });
const lat = input('setup-lat', { type: 'text', inputMode: 'decimal', autocomplete: 'off', placeholder: 'e.g. 52.5200' });
const lon = input('setup-lon', { type: 'text', inputMode: 'decimal', autocomplete: 'off', placeholder: 'e.g. 13.4050' });
const locate = button('setup-locate', "Use this device's location");
const radius = input('setup-radius', { type: 'number', inputMode: 'numeric', min: 25, max: 10000, step: 5, required: true });
const homeBack = button('setup-home-back', 'Back');
const homeForm = el('form', { id: 'setup-home-form', noValidate: true },
  field('Time zone (schedules follow it)', timeZone),
  el('fieldset', {},
    el('legend', { textContent: 'Home location (for geofencing; optional)' }),
    field('Latitude', lat),
    field('Longitude', lon),
    locate),
  field('Radius around the home, in metres', radius),
  el('p', { className: 'muted', textContent: 'Phones inside this circle count as home. Geofencing stays off until you turn it on on the Geofence page; only whether someone is home is kept, never where they are.' }),
  el('div', { className: 'actions' }, homeBack, el('button', { type: 'submit', textContent: 'Next' })));
const homeStep = el('div', { id: 'setup-step-home', className: 'panel', hidden: true }, stepHeading('home'), homeForm);

function fillTimeZones(selected: string): void {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const all = zones.includes(selected) ? zones : [selected, ...zones];
  timeZone.replaceChildren(...all.map((z) => el('option', { value: z, textContent: z.replace(/_/g, ' '), selected: z === selected })));
}

let homeSaved = false;

async function loadHome(): Promise<void> {
  const s = await api<ArmingSettings>('GET', '/api/arming/settings');
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // Until this step is saved the hub holds only its own default zone (often UTC on a fresh
  // Pi); the browser in the homeowner's hand knows the home's.
  fillTimeZones(!homeSaved && browserZone ? browserZone : s.timeZone);
  lat.value = s.home ? String(s.home.lat) : '';
  lon.value = s.home ? String(s.home.lon) : '';
  radius.value = String(s.radiusM);
}

locate.addEventListener('click', guard(homeForm, async () => {
  if (!navigator.geolocation) throw new Error('this browser cannot share its location: type the latitude and longitude instead');
  say(homeForm, 'Finding this device…');
  const position = await new Promise<GeolocationPosition>((resolve, reject) =>
    navigator.geolocation.getCurrentPosition(resolve, (err) =>
      reject(new Error(err.code === 1 ? 'the browser was not allowed to share its location: allow it in the site settings, or type the latitude and longitude' : 'this device could not find its location: type the latitude and longitude instead')),
    { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 }));
  lat.value = position.coords.latitude.toFixed(5);
  lon.value = position.coords.longitude.toFixed(5);
  say(homeForm, `Location filled in (accurate to about ${Math.round(position.coords.accuracy)} metres)`);
}));

/** A number the person typed (a comma works as the decimal point), or null when the field is empty. */
function typedNumber(field: HTMLInputElement, name: string): number | null {
  const text = field.value.trim().replace(',', '.');
  if (!text) return null;
  const n = Number(text);
  if (!Number.isFinite(n)) {
    field.focus();
    throw new Error(`the ${name} must be a number, like 52.52`);
  }
  return n;
}

onSubmit(homeForm, async () => {
  const la = typedNumber(lat, 'latitude');
  const lo = typedNumber(lon, 'longitude');
  if ((la === null) !== (lo === null)) throw new Error('enter both the latitude and the longitude, or neither');
  const r = typedNumber(radius, 'radius');
  await api('PUT', '/api/arming/settings', {
    timeZone: timeZone.value,
    home: la === null || lo === null ? null : { lat: la, lon: lo },
    ...(r === null ? {} : { radiusM: r }),
  });
  homeSaved = true;
  show('cloud');
});
homeBack.addEventListener('click', () => show('2fa'));

/* ---------- Step 4: cloud backup ---------- */

const cloudBack = button('setup-cloud-back', 'Back');
const cloudSkip = button('setup-cloud-skip', 'Skip for now', { className: 'link' });
const cloud = cloudTargetForm('setup-cloud', { saveLabel: 'Save and continue', leading: [cloudBack], trailing: [cloudSkip] });
const cloudStep = el('div', { id: 'setup-step-cloud', className: 'panel', hidden: true },
  stepHeading('cloud'),
  el('p', { textContent: 'The hub copies every clip, encrypted, to a second place, so a stolen or broken hub does not take your footage with it. Nobody there can watch the clips: only your household holds the key.' }),
  cloud.form);
const doneSummary = el('p', { id: 'setup-cloud-summary' });

onSubmit(cloud.form, async () => {
  const saved = await cloud.save();
  doneSummary.textContent =
    saved.target.type === 'directory' ? `Clips are copied to the folder ${saved.target.path}.` : `Clips are copied to the bucket ${saved.target.bucket}.`;
  show('done');
});
cloudBack.addEventListener('click', () => show('home'));
cloudSkip.addEventListener('click', () => {
  doneSummary.textContent = 'No cloud backup is chosen yet: clips are kept only on the hub. Choose one on the System page.';
  show('done');
});

/* ---------- Done ---------- */

const finish = button('setup-finish', 'Go to the dashboard');
const trustHub = trustHubPanel('setup-trust');
const doneStep = el('div', { id: 'setup-step-done', className: 'panel', hidden: true },
  stepHeading('done'),
  el('p', { textContent: 'Next, add your cameras: open the Cameras page and start pairing.' }),
  doneSummary,
  trustHub.panel,
  finish);
addMessageLines(doneStep);

finish.addEventListener('click', guard(doneStep, async () => {
  sessionStorage.removeItem(RESUME_KEY);
  history.replaceState(null, '', '#/dashboard');
  await shell.refreshSession();
  document.querySelector<HTMLElement>('main section:not([hidden]) h2')?.focus();
}));

/* ---------- The wizard ---------- */

const steps: Record<Step, HTMLElement> = { owner: ownerStep, '2fa': totpStep, home: homeStep, cloud: cloudStep, done: doneStep };
const section = el('section', { id: 'setup-view', className: 'wizard', hidden: true },
  el('h2', { tabIndex: -1, textContent: 'Set up Porchlight' }),
  ...Object.values(steps));

/** Loads what a step shows, then shows it alone with focus on its heading. */
function show(step: Step): void {
  void (async () => {
    const area = steps[step];
    try {
      if (step === 'home') await loadHome();
      if (step === 'cloud') await cloud.load();
      if (step === 'done') await trustHub.show();
    } catch (err) {
      fail(area, err);
    }
    for (const [name, node] of Object.entries(steps)) node.hidden = name !== step;
    if (step === '2fa') renderTotp();
    if (step !== 'owner') sessionStorage.setItem(RESUME_KEY, step);
    area.querySelector('h3')?.focus();
  })();
}

let resumeAt: Step = 'owner';

export const setupTakeover: Takeover = {
  section,
  async wanted() {
    const { needed } = await api<SetupNeeded>('GET', '/api/setup');
    if (needed) {
      resumeAt = 'owner';
      return true;
    }
    // A reload in the middle of the wizard: the owner's session carries on where it was.
    const saved = sessionStorage.getItem(RESUME_KEY) as Step | null;
    if (!saved || !(saved in steps)) return false;
    try {
      const answer = await api<SessionAnswer>('GET', '/api/session');
      if (answer.user.role !== 'owner') return false;
      setSession(answer);
      resumeAt = saved;
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) sessionStorage.removeItem(RESUME_KEY);
      return false;
    }
  },
  enter() {
    show(resumeAt);
  },
};

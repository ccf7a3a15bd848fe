import { strict as assert } from 'node:assert';
import type { Agent as HttpsAgent } from 'node:https';
import { parseConfig } from '../../common/config';
import { openDatabase, type DB } from '../../common/database';
import { createLogger, type Logger } from '../../common/logger';
import { hubPaths } from '../../common/dataLayout';
import { Hub } from '../../hub/hub';
import type { ObjectDetector } from '../../common/detection';
import type { ServiceAccount } from '../../common/serviceAccount';
import { addUser, type Role } from '../../hub/users';
import { hashPassword } from '../../hub/passwords';
import type { LoginStartAnswer } from '../../common/api/users';
import { opaquePasswordProof, opaqueRegistration, opaqueSignIn } from '../../common/opaqueSignIn';
import type { PasswordProof } from '../../common/api/users';
import { call, type TestResponse } from './https';
import { useTempDir } from './tmp';

/** A clock tests move by hand; the hub reads every policy time from it. */
export class FakeClock {
  constructor(public t = Date.now()) {}
  readonly now = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface TestHub {
  hub: Hub;
  base: string;
  httpsPort: number;
  httpPort: number | null;
  db: DB;
  clock: FakeClock;
  stop(): Promise<void>;
}

/** Starts a hub on free loopback ports in `dir`, with a fake clock and a DB handle for assertions. */
export async function startTestHub(
  dir: string,
  hubOverrides: Record<string, unknown> = {},
  clock = new FakeClock(),
  rest: Record<string, unknown> = {},
  /** The object detector the hub uses; none: object detection is off. */
  detector: ObjectDetector | null = null,
  /** Where the hub logs; by default errors only, to the console. */
  log: Logger = createLogger('hub-test', 'error'),
  /** The relay's own system account as the hub would find it; none by default (a hand start). */
  relayAccount: () => ServiceAccount | null = () => null,
  /** The HTTPS agent the hub's Web Push requests go through (one trusting the test push service); none: the system's CAs. */
  pushAgent: HttpsAgent | null = null,
): Promise<TestHub> {
  const config = parseConfig({ ...rest, dataDir: dir, hub: { host: '127.0.0.1', httpsPort: 0, httpPort: 0, ...hubOverrides } });
  const hub = new Hub(config, log, clock.now, undefined, detector, pushAgent, relayAccount);
  const runtime = await hub.start();
  const db = openDatabase(hubPaths(dir).db);
  return {
    hub,
    base: `https://127.0.0.1:${runtime.httpsPort}`,
    httpsPort: runtime.httpsPort,
    httpPort: runtime.httpPort,
    db,
    clock,
    async stop() {
      db.close();
      await hub.stop();
    },
  };
}

/** A fresh hub for each test of the suite, in its own temp dir, with one user per role given; call the result for the running hub. */
export function useTestHubWithUsers(roles: Role[]): () => TestHub {
  const tmp = useTempDir();
  let t: TestHub | undefined;
  beforeEach(async () => {
    t = await startTestHub(tmp.dir);
    for (const role of roles) await addTestUser(t.db, role);
  });
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });
  return () => t!;
}

export const PASSWORDS: Record<Role, string> = {
  owner: 'correct horse battery staple',
  member: 'blue kettle on the stove',
  viewer: 'seven quiet lanterns glow',
  installer: 'ladder drill and cable ties',
};

export async function addTestUser(db: DB, role: Role, username: string = role): Promise<void> {
  await addUser(db, username, PASSWORDS[role], role, { email: `${username}@home.test`, emailVerified: true });
}

/** An account as hubs before OPAQUE stored it: an Argon2id hash only, migrated at its next sign-in. */
export async function addLegacyTestUser(db: DB, role: Role, username: string = role): Promise<void> {
  await addUser(db, username, PASSWORDS[role], role, { email: `${username}@home.test`, emailVerified: true });
  db.prepare('UPDATE users SET password_hash = ?, opaque_record = NULL WHERE username = ?').run(await hashPassword(PASSWORDS[role]), username);
}

export interface SignedIn {
  cookie: string;
  csrf: string;
  /** Cookie header with both session and browser cookies, as a browser would send. */
  headers: Record<string, string>;
}

export function cookiesFrom(res: TestResponse): string {
  const set = res.headers['set-cookie'];
  const list = Array.isArray(set) ? set : set ? [set] : [];
  return list.map((c) => c.split(';')[0]!).join('; ');
}

export const JSON_HEADERS = { 'content-type': 'application/json' };

/** Signs in as the UI does (OPAQUE; the password itself goes out only for an account from before OPAQUE); returns the hub's last answer. */
export function login(base: string, username: string, password: string, extra: { cookie?: string; localAddress?: string } = {}): Promise<TestResponse> {
  const headers = { ...JSON_HEADERS, ...(extra.cookie ? { cookie: extra.cookie } : {}) };
  return opaqueSignIn(
    (path, body) => call(base, 'POST', path, { body: JSON.stringify(body), headers, localAddress: extra.localAddress }),
    (res) => (res.status === 200 ? (res.json() as LoginStartAnswer) : null),
    username,
    password,
  );
}

/** Signs in with a password only (the user must not have 2FA on). */
export async function signIn(base: string, username: string, password: string): Promise<SignedIn> {
  const res = await login(base, username, password);
  assert.equal(res.status, 200, res.body.toString());
  assert.equal(res.json().status, 'signed_in');
  const cookie = cookiesFrom(res);
  const csrf = res.json().csrfToken as string;
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}

/** A fresh proof of `password` for the signed-in session `headers` (a wrong password gives a proof the hub refuses); throws if the hub refuses to start. */
export function passwordProof(base: string, headers: Record<string, string>, password: string, localAddress?: string): Promise<PasswordProof> {
  return opaquePasswordProof(async (startLoginRequest) => {
    const res = await call(base, 'POST', '/api/me/reauth/start', { body: JSON.stringify({ startLoginRequest }), headers: { ...headers, ...JSON_HEADERS }, localAddress });
    if (res.status !== 200) throw new ReauthRefused(res);
    return res.json() as LoginStartAnswer;
  }, password);
}

/** The hub refused to start a password check (locked out, signed out): the answer is kept for the test to read. */
export class ReauthRefused extends Error {
  constructor(readonly res: TestResponse) {
    super(`the hub refused the password check: ${res.status} ${res.body.toString()}`);
  }
}

/**
 * Changes the password as the UI does: proof of the current one, then the new OPAQUE record.
 * Returns the hub's answer to the first refused step, or to the last.
 */
export async function changePassword(base: string, headers: Record<string, string>, current: string, next: string): Promise<TestResponse> {
  const post = (route: string, body: object) => call(base, 'POST', route, { body: JSON.stringify(body), headers: { ...headers, ...JSON_HEADERS } });
  let proof: PasswordProof;
  try {
    proof = await passwordProof(base, headers, current);
  } catch (err) {
    if (err instanceof ReauthRefused) return err.res;
    throw err;
  }
  let first: TestResponse | undefined;
  const registrationRecord = await opaqueRegistration(async (registrationRequest) => {
    first = await post('/api/me/password/registration', { proof, registrationRequest });
    if (first.status !== 200) throw new ReauthRefused(first);
    return first.json().registrationResponse as string;
  }, next).catch((err: unknown) => {
    if (err instanceof ReauthRefused) return null;
    throw err;
  });
  if (registrationRecord === null) return first!;
  return post('/api/me/password', { changeId: first!.json().changeId, registrationRecord });
}

/**
 * A new account's two steps as the page makes them (first-run setup, an invitation): the start
 * with the registration request, the finish with the OPAQUE record; the password stays here.
 * Returns the first refused answer, or the finish's; `start` is the start's answer.
 */
export async function registerNewAccount(
  post: (route: string, body: object) => Promise<TestResponse>,
  routes: { start: string; finish: string },
  start: object,
  finish: object,
  password: string,
): Promise<{ start: TestResponse; finish: TestResponse | null; final: TestResponse }> {
  let first: TestResponse | undefined;
  const record = await opaqueRegistration(async (registrationRequest) => {
    first = await post(routes.start, { ...start, registrationRequest });
    if (first.status !== 200) throw new ReauthRefused(first);
    return first.json().registrationResponse as string;
  }, password).catch((err: unknown) => {
    if (err instanceof ReauthRefused) return null;
    throw err;
  });
  if (record === null) return { start: first!, finish: null, final: first! };
  const done = await post(routes.finish, { ...finish, registrationId: first!.json().registrationId, registrationRecord: record });
  return { start: first!, finish: done, final: done };
}

export const SETUP_ROUTES = { start: '/api/setup/owner/start', finish: '/api/setup/owner/finish' };
export const INVITATION_ROUTES = { start: '/api/invitations/accept/start', finish: '/api/invitations/accept/finish' };

/** A JSON poster to `base` (from `localAddress`, if given), for registerNewAccount. */
export function poster(base: string, localAddress?: string, headers: Record<string, string> = {}): (route: string, body: object) => Promise<TestResponse> {
  return (route, body) => call(base, 'POST', route, { body: JSON.stringify(body), headers: { ...headers, ...JSON_HEADERS }, localAddress });
}

/** First-run setup as the page does it: the owner's account with the setup code; the final answer (signed in, or the refusal). */
export async function setUpOwner(base: string, setupCode: string, username: string, password: string, email?: string, localAddress?: string): Promise<TestResponse> {
  const start = { setupCode, username, ...(email === undefined ? {} : { email }) };
  return (await registerNewAccount(poster(base, localAddress), SETUP_ROUTES, start, { setupCode }, password)).final;
}

/** Accepting an invitation as the page does it; the final answer. */
export async function acceptInvitation(base: string, code: string, username: string, password: string): Promise<TestResponse> {
  return (await registerNewAccount(poster(base), INVITATION_ROUTES, { code, username }, { code }, password)).final;
}

/** A new account's first step only, with the record the browser would send at the finish (to replay, or send with other values). */
export async function startedRegistration(
  post: (route: string, body: object) => Promise<TestResponse>,
  route: string,
  start: object,
  password: string,
): Promise<{ registrationId: string; registrationRecord: string }> {
  let registrationId = '';
  const registrationRecord = await opaqueRegistration(async (registrationRequest) => {
    const res = await post(route, { ...start, registrationRequest });
    assert.equal(res.status, 200, res.body.toString());
    registrationId = res.json().registrationId as string;
    return res.json().registrationResponse as string;
  }, password);
  return { registrationId, registrationRecord };
}

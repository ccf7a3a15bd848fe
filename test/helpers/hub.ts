import { strict as assert } from 'node:assert';
import { parseConfig } from '../../common/config';
import { openDatabase, type DB } from '../../common/database';
import { createLogger } from '../../common/logger';
import { hubPaths } from '../../common/dataLayout';
import { Hub } from '../../hub/hub';
import type { ObjectDetector } from '../../common/detection';
import { addUser, type Role } from '../../hub/users';
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
): Promise<TestHub> {
  const config = parseConfig({ ...rest, dataDir: dir, hub: { host: '127.0.0.1', httpsPort: 0, httpPort: 0, ...hubOverrides } });
  const hub = new Hub(config, createLogger('hub-test', 'error'), clock.now, undefined, detector);
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

export function login(base: string, username: string, password: string, extra: { cookie?: string; localAddress?: string } = {}) {
  return call(base, 'POST', '/api/login', {
    body: JSON.stringify({ username, password }),
    headers: { ...JSON_HEADERS, ...(extra.cookie ? { cookie: extra.cookie } : {}) },
    localAddress: extra.localAddress,
  });
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

import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import * as https from 'node:https';
import { useTempDir } from '../helpers/tmp';
import { call, type TestResponse } from '../helpers/https';
import { addTestUser, cookiesFrom, login, PASSWORDS, startTestHub, type TestHub } from '../helpers/hub';
import { openPairingWindow } from '../../hub/pairing';
import { pairWithHub } from '../../camera-agent/hubClient';
import type { Role } from '../../hub/users';

/*
 * Who may call what, written out by hand. The routes come from the hub's own route table
 * (its OpenAPI document), and the test fails if the two lists differ, so a new route
 * cannot ship without a decision here.
 */
type Allowed = 'public' | 'device' | readonly Role[];
const ALL: readonly Role[] = ['owner', 'member', 'viewer', 'installer'];
const OWNER: readonly Role[] = ['owner'];
const DEVICES: readonly Role[] = ['owner', 'installer'];
const FOOTAGE: readonly Role[] = ['owner', 'member', 'viewer'];
/** Who may arm and disarm: the people who live there, not a viewer or the installer. */
const HOUSEHOLD: readonly Role[] = ['owner', 'member'];

const EXPECTED: Record<string, Allowed> = {
  'GET /': 'public',
  'GET /app.js': 'public',
  'GET /app.css': 'public',
  'GET /api/health': 'public',
  'GET /api/openapi.json': 'public',
  'GET /api/system': DEVICES,
  'POST /api/login/start': 'public',
  'POST /api/login/finish': 'public',
  'POST /api/login/legacy': 'public',
  'POST /api/login/totp': 'public',
  /** Forgot password: public, answering every name alike until a mailed code is proven. */
  'POST /api/password-reset/request': 'public',
  'POST /api/password-reset/start': 'public',
  'POST /api/password-reset/finish': 'public',
  /** First-run setup: public, and refused (409) once any account exists. */
  'GET /api/setup': 'public',
  'POST /api/setup/owner': 'public',
  'GET /api/cloud/target': OWNER,
  'PUT /api/cloud/target': OWNER,
  'POST /api/cloud/test': OWNER,
  'GET /api/session': ALL,
  'POST /api/logout': ALL,
  'POST /api/me/reauth/start': ALL,
  'POST /api/me/password/registration': ALL,
  'POST /api/me/password': ALL,
  'POST /api/me/email': ALL,
  'POST /api/me/email/confirm': ALL,
  'POST /api/me/totp': ALL,
  'POST /api/me/totp/confirm': ALL,
  'POST /api/me/totp/disable': ALL,
  'POST /api/me/totp/recovery-codes': ALL,
  'GET /api/sessions': ALL,
  'DELETE /api/sessions/{handle}': ALL,
  'POST /api/sessions/sign-out-everywhere': ALL,
  'GET /api/me/notices': ALL,
  'POST /api/me/notices/read': ALL,
  'GET /api/users': OWNER,
  'POST /api/users/invitations': OWNER,
  'POST /api/invitations/accept': 'public',
  'PATCH /api/users/{id}': OWNER,
  'DELETE /api/users/{id}': OWNER,
  'PUT /api/users/{id}/grants': OWNER,
  'POST /api/users/{id}/reset-2fa': OWNER,
  'GET /api/email-codes': OWNER,
  'DELETE /api/email-codes/{id}': OWNER,
  'GET /api/settings/security': OWNER,
  'PUT /api/settings/security': OWNER,
  'GET /api/audit': OWNER,
  'POST /api/pairing/open': DEVICES,
  'GET /api/devices': ALL,
  'PATCH /api/devices/{id}': DEVICES,
  'POST /api/devices/{id}/reprovision': DEVICES,
  'POST /api/devices/{id}/revoke': DEVICES,
  'POST /api/pair': 'public',
  'POST /api/device/clips': 'device',
  'POST /api/device/events': 'device',
  'POST /api/device/detection-frames': 'device',
  'POST /api/device/spool-drops': 'device',
  'POST /api/device/health': 'device',
  'GET /api/device/channel': 'device',
  'GET /api/cameras/{id}/settings': DEVICES,
  'PUT /api/cameras/{id}/settings': DEVICES,
  'GET /api/cameras/{id}/snapshot': FOOTAGE,
  'POST /api/device/snapshots/{requestId}': 'device',
  /** A WebSocket; a plain GET of it answers 404 for an unknown camera. */
  'GET /api/cameras/{id}/live': FOOTAGE,
  'POST /api/device/live': 'device',
  'GET /api/clips': FOOTAGE,
  'GET /api/clips/{id}/video': FOOTAGE,
  'GET /api/clips/{id}/thumbnail': FOOTAGE,
  'DELETE /api/clips/{id}': OWNER,
  /** Installers get it too, without footage (no clips, no motion). */
  'GET /api/dashboard': ALL,
  'GET /api/arming': FOOTAGE,
  'GET /api/arming/events': FOOTAGE,
  'PUT /api/arming/mode': HOUSEHOLD,
  'PUT /api/cameras/{id}/motion': HOUSEHOLD,
  'GET /api/arming/rules': FOOTAGE,
  'POST /api/arming/rules': OWNER,
  'DELETE /api/arming/rules/{id}': OWNER,
  'GET /api/arming/settings': FOOTAGE,
  'PUT /api/arming/settings': OWNER,
  'GET /api/geofence': FOOTAGE,
  'PUT /api/me/geofence': HOUSEHOLD,
  'POST /api/me/geofence/owntracks': HOUSEHOLD,
  'POST /api/me/location': HOUSEHOLD,
  'POST /api/owntracks': 'public',
  'GET /api/me/notifications': ALL,
  'PUT /api/me/notifications': ALL,
  'GET /api/webhooks': OWNER,
  'POST /api/webhooks': OWNER,
  'DELETE /api/webhooks/{id}': OWNER,
};

/** Routes that end the caller's session: the principal signs in again afterwards. */
const ENDS_SESSION = new Set(['POST /api/logout', 'POST /api/sessions/sign-out-everywhere']);

type Principal = 'anonymous' | 'device' | Role;
const PRINCIPALS: readonly Principal[] = ['anonymous', 'device', ...ALL];
/** Each principal calls from its own loopback address, so per-address rate limits do not mix them up. */
const ADDRESS: Record<Principal, string> = {
  anonymous: '127.0.0.20',
  device: '127.0.0.21',
  owner: '127.0.0.22',
  member: '127.0.0.23',
  viewer: '127.0.0.24',
  installer: '127.0.0.25',
};

interface OpenApiOp {
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: unknown;
  'x-porchlight-access': string[];
}

/** Resolves on the response head (the device channel never ends by itself), then hangs up. */
function head(base: string, method: string, path: string, headers: Record<string, string>, localAddress: string, body?: string): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = https.request(
      new URL(path, base),
      { method, headers: { ...headers, ...(data ? { 'content-length': String(data.length) } : {}) }, rejectUnauthorized: false, agent: false, localAddress },
      (res) => {
        const chunks: Buffer[] = [];
        const done = () => {
          const buf = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, json: () => JSON.parse(buf.toString()) });
          req.destroy();
        };
        if (String(res.headers['content-type']).startsWith('text/event-stream')) return done();
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', done);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe('hub route × role matrix', function () {
  this.timeout(120_000);
  const tmp = useTempDir();
  let t: TestHub;
  let ops: Array<{ key: string; method: string; path: string; op: OpenApiOp }>;
  const sessions = new Map<Principal, Record<string, string>>();
  let deviceToken: string;

  async function signInAs(role: Role): Promise<void> {
    const res = await login(t.base, role, PASSWORDS[role], { localAddress: ADDRESS[role] });
    assert.equal(res.status, 200, `${role}: ${res.body.toString()}`);
    sessions.set(role, { cookie: cookiesFrom(res), 'x-csrf-token': res.json().csrfToken });
  }

  beforeEach(async () => {
    t = await startTestHub(tmp.dir);
    for (const role of ALL) await addTestUser(t.db, role);
    for (const role of ALL) await signInAs(role);
    deviceToken = (await pairWithHub(t.base, openPairingWindow(t.db, 60_000).code, 'porch')).token;
    const doc = (await call(t.base, 'GET', '/api/openapi.json')).json() as { paths: Record<string, Record<string, OpenApiOp>> };
    ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, op })),
    );
  });
  afterEach(async () => t.stop());

  /** Routes whose body is raw bytes: sent 'not a clip', which each refuses as 400. */
  const OCTET_STREAM = ['/api/device/clips', '/api/device/live', '/api/device/detection-frames'];

  /** A harmless request: unknown ids (404) or an invalid body (400) so allowed calls change nothing. */
  function requestFor(op: OpenApiOp, path: string, principal: Principal) {
    const filled = path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'handle' ? 'nonexistenthandle' : /users|email-codes/.test(path) ? '999999' : randomUUID()));
    const headers: Record<string, string> = {};
    if (principal === 'device') headers.authorization = `Bearer ${deviceToken}`;
    else if (principal !== 'anonymous') Object.assign(headers, sessions.get(principal));
    let body: string | undefined;
    if (OCTET_STREAM.includes(path)) {
      headers['content-type'] = 'application/octet-stream';
      body = 'not a clip';
    } else if (op.requestBody) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify({ notAField: true });
    }
    return { path: filled, headers, body };
  }

  function expectedStatus(allowed: Allowed, principal: Principal, op: OpenApiOp, path: string): number {
    const permitted =
      allowed === 'public' || (allowed === 'device' ? principal === 'device' : principal !== 'anonymous' && principal !== 'device' && allowed.includes(principal));
    if (!permitted) {
      if (principal === 'anonymous' || principal === 'device' || allowed === 'device') return 401;
      return 403;
    }
    if (op.requestBody || OCTET_STREAM.includes(path)) return 400;
    if (path.includes('{')) return 404;
    return 200;
  }

  it('covers every route in the route table, and each role gets exactly the access written here', async () => {
    assert.deepEqual(ops.map((o) => o.key).sort(), Object.keys(EXPECTED).sort(), 'route table and expectations differ: decide who may call the new route');
    for (const { key, op } of ops) {
      assert.deepEqual([...op['x-porchlight-access']].sort(), [...(typeof EXPECTED[key] === 'string' ? [EXPECTED[key]] : EXPECTED[key]!)].sort(), `${key}: declared access`);
    }
    const failures: string[] = [];
    for (const { key, method, path, op } of ops) {
      for (const principal of PRINCIPALS) {
        const req = requestFor(op, path, principal);
        const res = await head(t.base, method, req.path, req.headers, ADDRESS[principal], req.body);
        const want = expectedStatus(EXPECTED[key]!, principal, op, path);
        if (res.status !== want) failures.push(`${key} as ${principal}: got ${res.status}, want ${want} (${res.body.toString().slice(0, 120)})`);
        if (ENDS_SESSION.has(key) && principal !== 'anonymous' && principal !== 'device') await signInAs(principal);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('keeps footage from installers and ungranted viewers, and pairing and user management from the wrong roles', async () => {
    const videoFor = (p: Principal) => call(t.base, 'GET', '/api/clips', { headers: sessions.get(p)!, localAddress: ADDRESS[p] });
    assert.equal((await videoFor('installer')).status, 403);
    assert.deepEqual((await videoFor('viewer')).json().clips, []);
    const viewerDevices = await call(t.base, 'GET', '/api/devices', { headers: sessions.get('viewer')!, localAddress: ADDRESS.viewer });
    assert.deepEqual(viewerDevices.json().devices, [], 'a viewer without grants sees no cameras');
    const installerDevices = await call(t.base, 'GET', '/api/devices', { headers: sessions.get('installer')!, localAddress: ADDRESS.installer });
    assert.equal(installerDevices.json().devices.length, 1, 'installers see every camera they manage');
  });
});

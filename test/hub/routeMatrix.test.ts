import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import * as https from 'node:https';
import { useTempDir } from '../helpers/tmp';
import { call, type TestResponse } from '../helpers/https';
import { addTestUser, cookiesFrom, JSON_HEADERS, login, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { openPairingWindow } from '../../hub/pairing';
import { pairWithHub } from '../../camera-agent/hubClient';
import { findUser, setGrants, type Role } from '../../hub/users';
import { setPrefs } from '../../hub/alerts';
import { until } from '../helpers/wait';

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
  'GET /common-passwords.js': 'public',
  /** The app shell for installing and offline start: the same public files as the page. */
  'GET /sw.js': 'public',
  'GET /manifest.webmanifest': 'public',
  'GET /icons/icon-192.png': 'public',
  'GET /icons/icon-512.png': 'public',
  'GET /icons/icon-maskable-512.png': 'public',
  'GET /icons/apple-touch-icon.png': 'public',
  'GET /api/health': 'public',
  'GET /api/openapi.json': 'public',
  /** The household CA is public: sent in every handshake anyway, and first-run setup offers it before any account exists. */
  'GET /api/household-ca': 'public',
  'GET /household-ca.crt': 'public',
  'GET /household-ca.mobileconfig': 'public',
  'GET /household-ca.pem': 'public',
  'GET /api/system': DEVICES,
  /** Everyone sees that footage is locked (the banner); only an owner wraps, unwraps or unlocks. */
  'GET /api/system/footage-key': ALL,
  'POST /api/system/footage-key/wrap': OWNER,
  'POST /api/system/footage-key/unwrap': OWNER,
  'POST /api/system/footage-key/unlock': OWNER,
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
  /** The old one-request setup, answering 410 (it carried the password). */
  'POST /api/setup/owner': 'public',
  'POST /api/setup/owner/start': 'public',
  'POST /api/setup/owner/finish': 'public',
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
  /** The old one-request accept, answering 410 (it carried the password). */
  'POST /api/invitations/accept': 'public',
  'POST /api/invitations/accept/start': 'public',
  'POST /api/invitations/accept/finish': 'public',
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
  'POST /api/pair/start': 'public',
  'POST /api/pair/abandon': 'public',
  'POST /api/pair/finish': 'public',
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
  /** The home's mode, its cause, its rules and who is home are the household's (common/disclosure.ts). */
  'GET /api/arming': HOUSEHOLD,
  'GET /api/arming/events': HOUSEHOLD,
  'PUT /api/arming/mode': HOUSEHOLD,
  'PUT /api/cameras/{id}/motion': HOUSEHOLD,
  'PUT /api/cameras/{id}/armed-in': HOUSEHOLD,
  'GET /api/arming/rules': HOUSEHOLD,
  'POST /api/arming/rules': OWNER,
  'DELETE /api/arming/rules/{id}': OWNER,
  'GET /api/arming/settings': HOUSEHOLD,
  'PUT /api/arming/settings': OWNER,
  'GET /api/geofence': HOUSEHOLD,
  'PUT /api/me/geofence': HOUSEHOLD,
  'POST /api/me/geofence/owntracks': HOUSEHOLD,
  'POST /api/me/location': HOUSEHOLD,
  'POST /api/owntracks': 'public',
  'GET /api/me/notifications': ALL,
  'PUT /api/me/notifications': ALL,
  'GET /api/push/key': ALL,
  'GET /api/me/push/devices': ALL,
  'POST /api/me/push/devices': ALL,
  'DELETE /api/me/push/devices/{id}': ALL,
  'GET /api/me/snoozes': ALL,
  'PUT /api/me/snoozes': ALL,
  'DELETE /api/me/snoozes': ALL,
  'GET /api/notifications/pictures': ALL,
  'PUT /api/notifications/pictures': OWNER,
  'GET /api/webhooks': OWNER,
  'POST /api/webhooks': OWNER,
  'DELETE /api/webhooks/{id}': OWNER,
  'GET /api/remote': OWNER,
  'PUT /api/remote': OWNER,
  'POST /api/remote/peers': OWNER,
  'DELETE /api/remote/peers/{id}': OWNER,
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
    deviceToken = (await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'porch')).token;
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

  /** Routes kept only to refuse an old client clearly (410 naming what replaced them). */
  const GONE = new Set(['POST /api/pair', 'POST /api/setup/owner', 'POST /api/invitations/accept']);

  function expectedStatus(allowed: Allowed, principal: Principal, op: OpenApiOp, path: string, key: string): number {
    const permitted =
      allowed === 'public' || (allowed === 'device' ? principal === 'device' : principal !== 'anonymous' && principal !== 'device' && allowed.includes(principal));
    if (!permitted) {
      if (principal === 'anonymous' || principal === 'device' || allowed === 'device') return 401;
      return 403;
    }
    if (GONE.has(key)) return 410;
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
        const want = expectedStatus(EXPECTED[key]!, principal, op, path, key);
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
  /*
   * What each role may learn (docs/security.md, common/disclosure.ts), checked on the answers
   * themselves: a home with two cameras, a viewer granted one, a member whose phone geofences
   * and who armed the home, weekly rules, and notices sent. Every GET route is asked by every
   * principal, and each answer (errors too) is searched for what that principal must not learn.
   */
  it('tells each role only what it may learn: every GET answer searched for the other camera, members, positions, rules and the arming', async () => {
    const as = (p: Principal | SignedIn, method: string, route: string, body?: unknown) => {
      const headers = typeof p === 'string' ? sessions.get(p)! : p.headers;
      return call(t.base, method, route, {
        headers: { ...headers, ...(body === undefined ? {} : JSON_HEADERS) },
        body: body === undefined ? undefined : JSON.stringify(body),
        localAddress: typeof p === 'string' ? ADDRESS[p] : undefined,
      });
    };
    const porch = (await as('owner', 'GET', '/api/devices')).json().devices[0].id as string;
    const secretName = 'garden-shed-7f3';
    const secret = (await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, secretName)).deviceId;
    setGrants(t.db, findUser(t.db, 'viewer')!.id, [porch]);
    // A viewer who was a member before keeps notification choices naming every camera.
    setPrefs(t.db, findUser(t.db, 'viewer')!.id, { motion: 'all', arming: true, cameras: [porch, secret] });

    // A member whose phone is far from home: the hub keeps her position, shows only presence.
    const alice = 'alice-geo';
    await addTestUser(t.db, 'member', alice);
    const aliceIn = await signIn(t.base, alice, PASSWORDS.member);
    const home = { lat: 52.520008, lon: 13.404954 };
    assert.equal((await as('owner', 'PUT', '/api/arming/settings', { home, radiusM: 100, geofenceEnabled: true })).status, 200);
    assert.equal((await as(aliceIn, 'PUT', '/api/me/geofence', { enabled: true })).status, 200);
    assert.equal((await as(aliceIn, 'POST', '/api/me/location', { lat: 48.137154, lon: 11.576124, accuracy: 10 })).status, 200);
    const rule = (await as('owner', 'POST', '/api/arming/rules', { days: [1], at: '22:00', mode: 'armed_home' })).json().id as string;
    const cameraRule = (await as('owner', 'POST', '/api/arming/rules', { days: [2], at: '07:15', cameraId: secret, motion: false })).json().id as string;
    assert.equal((await as(aliceIn, 'PUT', '/api/arming/mode', { mode: 'armed_away' })).status, 200);
    await until('the arming notices', () => (t.db.prepare("SELECT COUNT(*) AS n FROM notifications WHERE kind = 'arming'").get() as { n: number }).n > 0);

    const position = ['48.13715', '11.57612'];
    const household = [alice, '52.52000', '13.40495', rule, cameraRule, 'armed_away', 'armed_home', 'armed (away)'];
    const otherCamera = [secret, secretName];
    /** What each principal must not find in any answer. Positions never leave the hub, for anyone. */
    const FORBIDDEN: Record<Principal, string[]> = {
      anonymous: [...position, ...household, ...otherCamera, porch],
      device: [...position, ...household, ...otherCamera],
      owner: position,
      member: position,
      viewer: [...position, ...household, ...otherCamera],
      // Whether someone watches live, motion and recording are household life too.
      installer: [...position, ...household, '"live":', '"recording":', '"lastMotionAt":'],
    };
    /** What the owner does find: the search looks in the right places. */
    const OWNER_SEES = [alice, '52.52000', rule, cameraRule, 'armed_away', 'armed (away)', secret, secretName, '"live":'];

    const gets = ops.filter((o) => o.method === 'GET' && o.path.startsWith('/api/') && o.path !== '/api/openapi.json' && o.path !== '/api/device/channel');
    const found: string[] = [];
    const seenBy = new Map<Principal, string>();
    for (const { key, path } of gets) {
      const filled = path.replace('{id}', path.startsWith('/api/cameras/') ? porch : randomUUID());
      for (const principal of PRINCIPALS) {
        const headers: Record<string, string> = principal === 'device' ? { authorization: `Bearer ${deviceToken}` } : principal === 'anonymous' ? {} : sessions.get(principal)!;
        const res = await call(t.base, 'GET', filled, { headers, localAddress: ADDRESS[principal] });
        const text = res.body.toString('utf8');
        seenBy.set(principal, `${seenBy.get(principal) ?? ''}\n${text}`);
        for (const word of FORBIDDEN[principal]) if (text.includes(word)) found.push(`${key} as ${principal} (${res.status}): ${JSON.stringify(word)} in ${text.slice(0, 300)}`);
      }
    }
    assert.deepEqual(OWNER_SEES.filter((w) => !seenBy.get('owner')!.includes(w)), [], 'the owner sees all of it, so the search finds what is there');
    assert.deepEqual(found, []);
    // Changing a choice answers with the choices: still without the camera the viewer may not know.
    const changed = await as('viewer', 'PUT', '/api/me/notifications', { motion: 'armed' });
    assert.equal(changed.status, 200);
    assert.deepEqual(changed.json().cameras, [porch]);
    // And what a viewer does see of its granted camera.
    const viewerDashboard = (await as('viewer', 'GET', '/api/dashboard')).json();
    assert.deepEqual(viewerDashboard.cameras.map((c: { id: string }) => c.id), [porch]);
    assert.equal(viewerDashboard.cameras[0].recording, false, 'the granted camera says whether it records');
  });

  it("does not let an installer learn the arming through a camera he pairs himself: the camera is told only what it must do, and only when that changes", async () => {
    const installer = sessions.get('installer')!;
    const invite = await call(t.base, 'POST', '/api/pairing/open', { headers: installer, localAddress: ADDRESS.installer });
    assert.equal(invite.status, 200);
    const own = await pairWithHub(t.base, invite.json().code as string, 'installer-laptop');
    // The installer listens on his camera's channel as a camera would.
    const events: Array<{ event: string; data: string }> = [];
    const req = https.request(new URL('/api/device/channel', t.base), { headers: { authorization: `Bearer ${own.token}` }, rejectUnauthorized: false, agent: false }, (res) => {
      let buffered = '';
      res.on('data', (c: Buffer) => {
        buffered += c.toString('utf8');
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) events.push({ event, data });
        }
      });
    });
    req.on('error', () => undefined);
    req.end();
    try {
      const arming = () => events.filter((e) => e.event === 'arming').map((e) => JSON.parse(e.data) as Record<string, unknown>);
      await until('the first arming', () => arming()[0]);
      const mode = (m: string) => call(t.base, 'PUT', '/api/arming/mode', { headers: { ...sessions.get('member')!, ...JSON_HEADERS }, body: JSON.stringify({ mode: m }), localAddress: ADDRESS.member });
      assert.equal((await mode('armed_away')).status, 200);
      await until('told to record', () => arming().some((a) => a.record === true));
      // Away to home: the camera records in both, so it hears nothing of the household coming back.
      assert.equal((await mode('armed_home')).status, 200);
      assert.equal((await mode('disarmed')).status, 200);
      await until('told to stop recording', () => arming()[arming().length - 1]!.record === false);
      assert.deepEqual(arming(), [
        { record: false, live: true, motion: true, privacy: false },
        { record: true, live: true, motion: true, privacy: false },
        { record: false, live: true, motion: true, privacy: false },
      ]);
      const everything = events.map((e) => e.data).join('\n');
      for (const word of ['armed_away', 'armed_home', 'disarmed', 'member', '"mode"', '"since"']) assert.ok(!everything.includes(word), `the camera's channel says ${word}: ${everything}`);
    } finally {
      req.destroy();
    }
  });
});

import { strict as assert } from 'node:assert';
import { useTempDir } from '../helpers/tmp';
import { call } from '../helpers/https';
import { addTestUser, cookiesFrom, login, PASSWORDS, startTestHub, type TestHub } from '../helpers/hub';
import { openPairingWindow } from '../../hub/pairing';
import { pairWithHub } from '../../camera-agent/hubClient';
import type { Role } from '../../hub/users';

/*
 * Bad input on every route of the route table (read from its OpenAPI document):
 * malformed JSON, wrong types, oversized bodies, SQL metacharacters, path traversal in
 * ids, forged and expired session cookies, missing CSRF tokens. Each must be a clear
 * 4xx, store nothing, and leave the hub serving.
 */

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  items?: Schema;
  additionalProperties?: unknown;
}
interface Op {
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: { 'application/json': { schema: Schema } } };
  'x-porchlight-access': string[];
}

const STATE_TABLES = ['users', 'devices', 'clips', 'email_codes', 'camera_grants', 'notifications', 'recovery_codes', 'motion_events', 'upload_queue', 'settings'];
const SQL = "x' OR '1'='1'; DROP TABLE users; --";

function wrongTypeFor(s: Schema): unknown {
  if (s.type === 'string') return 12345;
  if (s.type === 'integer' || s.type === 'number') return 'twelve';
  if (s.type === 'boolean') return 'yes';
  if (s.type === 'array') return { not: 'an array' };
  return [[]];
}

describe('hub: bad input on every route', function () {
  this.timeout(180_000);
  const tmp = useTempDir();
  let t: TestHub;
  let ops: Array<{ key: string; method: string; path: string; op: Op }>;
  let owner: Record<string, string>;
  const sessions = new Map<string, Record<string, string>>();
  let deviceToken: string;
  let address = 0;
  /** A fresh loopback address per request group keeps rate limits and lockouts out of the way. */
  const nextAddress = () => `127.0.4.${(address++ % 250) + 1}`;

  const counts = () => Object.fromEntries(STATE_TABLES.map((tbl) => [tbl, (t.db.prepare(`SELECT COUNT(*) AS n FROM ${tbl}`).get() as { n: number }).n]));

  beforeEach(async () => {
    t = await startTestHub(tmp.dir);
    for (const role of ['owner', 'member', 'viewer', 'installer'] as Role[]) {
      await addTestUser(t.db, role);
      const res = await login(t.base, role, PASSWORDS[role], { localAddress: nextAddress() });
      sessions.set(role, { cookie: cookiesFrom(res), 'x-csrf-token': res.json().csrfToken });
    }
    owner = sessions.get('owner')!;
    deviceToken = (await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'porch')).token;
    const doc = (await call(t.base, 'GET', '/api/openapi.json')).json() as { paths: Record<string, Record<string, Op>> };
    ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, op })),
    );
  });
  afterEach(async () => t.stop());

  /** Credentials of someone allowed to call the route, so the input itself is what gets judged. */
  function credentials(op: Op): Record<string, string> {
    const access = op['x-porchlight-access'];
    if (access.includes('public')) return {};
    if (access.includes('device')) return { authorization: `Bearer ${deviceToken}` };
    return sessions.get(access.includes('owner') ? 'owner' : access[0]!)!;
  }

  const fill = (path: string, value: string) => path.replace(/\{\w+\}/g, value);
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    call(t.base, method, path, { headers, body, localAddress: nextAddress() });

  it('answers malformed, mistyped, oversized and SQL-laden bodies with a 4xx and stores nothing', async () => {
    const before = counts();
    const problems: string[] = [];
    const withBody = ops.filter((o) => o.op.requestBody);
    assert.ok(withBody.length >= 15, `expected most routes to take a body, found ${withBody.length}`);
    for (const { key, method, path, op } of withBody) {
      const url = fill(path, path.includes('users') || path.includes('email-codes') ? '999999' : '00000000-0000-0000-0000-000000000000');
      const headers = { ...credentials(op), 'content-type': 'application/json' };
      const schema = op.requestBody!.content['application/json'].schema;
      const wrong = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, wrongTypeFor(s)]));
      const sqlish = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, s.type === 'string' ? SQL : s.type === 'array' ? [SQL] : SQL]));
      const cases: Array<[string, string, (status: number) => boolean]> = [
        ['malformed JSON', '{"username": ', (s) => s === 400],
        ['wrong types', JSON.stringify(wrong), (s) => s === 400],
        ['not an object', '[1,2,3]', (s) => s === 400],
        ['oversized', JSON.stringify({ x: 'y'.repeat(64 * 1024) }), (s) => s === 413],
        ['SQL metacharacters', JSON.stringify(sqlish), (s) => s >= 400 && s < 500],
      ];
      for (const [name, body, ok] of cases) {
        const res = await send(method, url, headers, body);
        if (!ok(res.status)) problems.push(`${key} ${name}: ${res.status} ${res.body.toString().slice(0, 100)}`);
        else if (!res.json().error?.message) problems.push(`${key} ${name}: no error message`);
        // Said in words, as the UI shows it: no JSON pointer, nothing of the validator's own wording.
        else if (/invalid request|Expected|(^|\s)\/\w/.test(res.json().error.message)) problems.push(`${key} ${name}: not plain words: ${res.json().error.message}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(counts(), before, 'nothing was stored');
    assert.equal((await call(t.base, 'GET', '/api/health')).status, 200, 'the hub keeps serving');
    assert.equal((t.db.prepare("SELECT COUNT(*) AS n FROM users").get() as { n: number }).n, 4, 'the users table is still there');
  });

  it('refuses unknown fields in every JSON body, at every depth (the OwnTracks app\'s own messages excepted)', async () => {
    // Where an object lets unknown fields through, a field a later version gives meaning to (a
    // role, an owner flag) could be slipped in today unnoticed.
    const loose: string[] = [];
    const walk = (s: Schema | undefined, where: string): void => {
      if (!s) return;
      if ((s.type === 'object' || s.properties) && s.additionalProperties !== false) loose.push(where);
      for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${where}.${k}`);
      walk(s.items, `${where}[]`);
      for (const v of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) walk(v, where);
    };
    for (const { key, op } of ops) walk(op.requestBody?.content['application/json']?.schema, key);
    // OwnTracks is a third-party app: its messages carry fields of its own, which the hub ignores.
    assert.deepEqual(loose, ['POST /api/owntracks']);
    const ask = (body: object) => send('POST', '/api/password-reset/request', { 'content-type': 'application/json' }, JSON.stringify(body));
    assert.equal((await ask({ name: 'someone' })).status, 200);
    const extra = await ask({ name: 'someone', role: 'owner' });
    assert.equal(extra.status, 400, extra.body.toString());
    assert.match(extra.json().error.message, /role/);
  });

  it('refuses path traversal and SQL metacharacters in every id', async () => {
    const before = counts();
    const problems: string[] = [];
    for (const { key, method, path, op } of ops.filter((o) => o.path.includes('{'))) {
      for (const bad of ['..%2F..%2Fhub.db', '..', encodeURIComponent(SQL), '%00', 'A'.repeat(300)]) {
        const res = await send(method, fill(path, bad), { ...credentials(op), ...(op.requestBody ? { 'content-type': 'application/json' } : {}) }, op.requestBody ? '{}' : undefined);
        if (![400, 404, 414].includes(res.status)) problems.push(`${key} with id ${bad.slice(0, 20)}: ${res.status}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(counts(), before);
  });

  it('refuses forged and expired session cookies, and state changes without the CSRF token, on every signed-in route', async () => {
    const problems: string[] = [];
    const userOps = ops.filter((o) => !['public', 'device'].includes(o.op['x-porchlight-access'][0]!));
    for (const { key, method, path } of userOps) {
      const url = fill(path, path.includes('users') || path.includes('email-codes') ? '999999' : '00000000-0000-0000-0000-000000000000');
      const forged = await send(method, url, { cookie: '__Host-porchlight_session=forgedforgedforgedforgedforgedforgedforged', 'x-csrf-token': 'x' });
      if (forged.status !== 401) problems.push(`${key} forged cookie: ${forged.status}`);
      if (method !== 'GET') {
        const noCsrf = await send(method, url, { cookie: owner.cookie! });
        if (noCsrf.status !== 403 || noCsrf.json().error.code !== 'CSRF') problems.push(`${key} without CSRF: ${noCsrf.status}`);
        const otherCsrf = await send(method, url, { cookie: owner.cookie!, 'x-csrf-token': sessions.get('member')!['x-csrf-token']! });
        if (otherCsrf.status !== 403) problems.push(`${key} with another session's CSRF token: ${otherCsrf.status}`);
      }
    }
    t.clock.advance(25 * 3600_000);
    for (const { key, method, path } of userOps.filter((o) => o.method === 'GET')) {
      const expired = await send(method, fill(path, '999999'), sessions.get('member')!);
      if (expired.status !== 401) problems.push(`${key} with an expired session: ${expired.status}`);
    }
    assert.deepEqual(problems, []);
  });
});

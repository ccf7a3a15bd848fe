import { strict as assert } from 'node:assert';
import * as opaque from '@serenity-kit/opaque';
import type { LoginStartAnswer } from '../../common/api/users';
import { hubPaths } from '../../common/dataLayout';
import { getSodium } from '../../common/sodium';
import { opaquePasswordProof, opaqueRegistration, opaqueSignIn } from '../../common/opaqueSignIn';
import { loadOpaqueSetup } from '../../hub/opaqueSetup';
import { call, type TestResponse } from '../helpers/https';
import { addLegacyTestUser, addTestUser, JSON_HEADERS, login, PASSWORDS, signIn, startTestHub, type TestHub } from '../helpers/hub';
import { useTempDir } from '../helpers/tmp';

/*
 * OPAQUE sign-in (RFC 9807): the password never reaches the hub, the database alone cannot test
 * a guess, a name nobody has is answered like a real one, and accounts from before OPAQUE move
 * over at their next sign-in.
 */
describe('OPAQUE sign-in: the hub never sees the password', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;

  beforeEach(async () => {
    t = await startTestHub(tmp.dir);
    await addTestUser(t.db, 'owner');
  });
  afterEach(async () => t.stop());

  /** Everything the browser sends the hub, as it leaves: route and body. */
  function recordingPost(sent: Array<{ path: string; body: string }>, headers: Record<string, string> = {}) {
    return (path: string, body: object) => {
      const text = JSON.stringify(body);
      sent.push({ path, body: text });
      return call(t.base, 'POST', path, { body: text, headers: { ...JSON_HEADERS, ...headers } });
    };
  }
  const startAnswer = (res: TestResponse) => (res.status === 200 ? (res.json() as LoginStartAnswer) : null);

  /** The password as typed and in the encodings a careless client might send it in. */
  function encodings(password: string): string[] {
    const bytes = Buffer.from(password, 'utf8');
    return [password, password.toLowerCase(), encodeURIComponent(password), bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex'), JSON.stringify(password).slice(1, -1)];
  }

  it('sends neither the password nor any encoding of it while signing in and changing the password; the new password works, the old one not', async () => {
    const sent: Array<{ path: string; body: string }> = [];
    const res = await opaqueSignIn(recordingPost(sent), startAnswer, 'owner', PASSWORDS.owner);
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.json().status, 'signed_in');
    assert.deepEqual(sent.map((s) => s.path), ['/api/login/start', '/api/login/finish']);

    const s = await signIn(t.base, 'owner', PASSWORDS.owner);
    const next = 'a fresh and unusual passphrase';
    // changePassword posts through call(); record what it sends by wrapping the same flow.
    const changed = await changePasswordRecorded(s.headers, PASSWORDS.owner, next, sent);
    assert.equal(changed.status, 200, changed.body.toString());
    assert.ok(sent.some((x) => x.path === '/api/me/password') && sent.some((x) => x.path === '/api/me/password/registration'));

    for (const { path, body } of sent) {
      for (const secret of [...encodings(PASSWORDS.owner), ...encodings(next)]) {
        assert.ok(!body.includes(secret), `${path} carried the password (${JSON.stringify(secret)})`);
      }
    }
    assert.equal((await login(t.base, 'owner', next)).status, 200, 'the new password signs in');
    assert.equal((await login(t.base, 'owner', PASSWORDS.owner, { localAddress: '127.0.0.2' })).status, 401, 'the old one no longer does');
  });

  /** The flow of helpers/hub changePassword, with every body recorded. */
  async function changePasswordRecorded(headers: Record<string, string>, current: string, next: string, sent: Array<{ path: string; body: string }>): Promise<TestResponse> {
    const post = recordingPost(sent, headers);
    const proof = await opaquePasswordProof(async (startLoginRequest) => (await post('/api/me/reauth/start', { startLoginRequest })).json() as LoginStartAnswer, current);
    let changeId = '';
    const registrationRecord = await opaqueRegistration(async (registrationRequest) => {
      const r = await post('/api/me/password/registration', { proof, registrationRequest });
      assert.equal(r.status, 200, r.body.toString());
      changeId = r.json().changeId;
      return r.json().registrationResponse as string;
    }, next);
    return post('/api/me/password', { changeId, registrationRecord });
  }

  it('a stolen database cannot test the right password offline: no Argon2id hash is left, and the OPAQUE record needs the server setup', async () => {
    const row = t.db.prepare("SELECT * FROM users WHERE username = 'owner'").get() as Record<string, unknown>;
    // The attacker's move, with hub.db alone: check the right password against every column that could hold a verifier.
    const sodium = await getSodium();
    for (const [column, value] of Object.entries(row)) {
      if (typeof value !== 'string' || !value.startsWith('$argon2')) continue;
      assert.equal(sodium.crypto_pwhash_str_verify(value, PASSWORDS.owner), false, `users.${column} verifies the password offline`);
    }
    const record = row.opaque_record;
    assert.equal(typeof record, 'string', 'the account has an OPAQUE record');
    const tryOffline = (serverSetup: string) => {
      const c = opaque.client.startLogin({ password: PASSWORDS.owner });
      const s = opaque.server.startLogin({ serverSetup, userIdentifier: 'owner', registrationRecord: record as string, startLoginRequest: c.startLoginRequest });
      return opaque.client.finishLogin({ clientLoginState: c.clientLoginState, loginResponse: s.loginResponse, password: PASSWORDS.owner }) !== undefined;
    };
    await opaque.ready;
    assert.equal(tryOffline(opaque.server.createSetup()), false, 'without the hub\'s server setup the record confirms nothing, even the right password');
    assert.equal(tryOffline(await loadOpaqueSetup(hubPaths(tmp.dir).opaqueSetup)), true, 'with keys/opaque-setup.key it does: that file is the secret to keep');
  });

  it('answers a name nobody has exactly like a real account: same status, same shape, same sizes, same refusal', async () => {
    await addLegacyTestUser(t.db, 'member');
    await opaque.ready;
    const start = (username: string) => call(t.base, 'POST', '/api/login/start', { body: JSON.stringify({ username, startLoginRequest: opaque.client.startLogin({ password: 'some guess here' }).startLoginRequest }), headers: JSON_HEADERS });
    const shape = (res: TestResponse) => ({ status: res.status, keys: Object.keys(res.json()).sort(), sizes: Object.values(res.json()).map((v) => String(v).length), legacy: res.json().legacyAccounts });
    const answers = { real: await start('owner'), legacy: await start('member'), nobody: await start('nobody-here') };
    assert.equal(answers.real.status, 200);
    assert.deepEqual(shape(answers.nobody), shape(answers.real));
    assert.deepEqual(shape(answers.legacy), shape(answers.real));

    // Wrong passwords, the attacker's usual move, from three addresses so the lockout does not answer first.
    const refusals = await Promise.all([
      login(t.base, 'owner', 'wrong guess number one', { localAddress: '127.0.0.2' }),
      login(t.base, 'member', 'wrong guess number one', { localAddress: '127.0.0.3' }),
      login(t.base, 'nobody-here', 'wrong guess number one', { localAddress: '127.0.0.4' }),
    ]);
    for (const r of refusals) {
      assert.equal(r.status, 401);
      assert.deepEqual(r.json(), refusals[0].json());
    }
  });

  it('moves an account from before OPAQUE over at its next sign-in: the Argon2id hash is gone and OPAQUE alone signs in after', async () => {
    await addLegacyTestUser(t.db, 'member');
    const before = t.db.prepare("SELECT password_hash, opaque_record FROM users WHERE username = 'member'").get() as { password_hash: string; opaque_record: string | null };
    assert.match(before.password_hash, /^\$argon2id\$/);
    assert.equal(before.opaque_record, null);

    const first: Array<{ path: string; body: string }> = [];
    const res = await opaqueSignIn(recordingPost(first), startAnswer, 'member', PASSWORDS.member);
    assert.equal(res.status, 200, res.body.toString());
    assert.deepEqual(first.map((s) => s.path), ['/api/login/start', '/api/login/legacy'], 'the password goes once, to be checked against the old hash');

    const after = t.db.prepare("SELECT password_hash, opaque_record FROM users WHERE username = 'member'").get() as { password_hash: string; opaque_record: string | null };
    assert.equal(after.password_hash, '', 'the Argon2id hash is deleted');
    assert.ok(after.opaque_record);
    assert.equal((t.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'auth.password_migrated'").get() as { n: number }).n, 1);

    const second: Array<{ path: string; body: string }> = [];
    const again = await opaqueSignIn(recordingPost(second), startAnswer, 'member', PASSWORDS.member);
    assert.equal(again.status, 200);
    assert.deepEqual(second.map((s) => s.path), ['/api/login/start', '/api/login/finish'], 'from now on OPAQUE alone');
    assert.equal(JSON.parse(second[0]!.body).username, 'member');
    for (const s of second) assert.ok(!s.body.includes(PASSWORDS.member));
    assert.equal(startAnswer(await call(t.base, 'POST', '/api/login/start', { body: second[0]!.body, headers: JSON_HEADERS }))!.legacyAccounts, false, 'no account is left on Argon2id');
  });

  it('refuses a wrong password on an old account, and keeps its hash', async () => {
    await addLegacyTestUser(t.db, 'member');
    assert.equal((await login(t.base, 'member', 'not the member password')).status, 401);
    const row = t.db.prepare("SELECT password_hash, opaque_record FROM users WHERE username = 'member'").get() as { password_hash: string; opaque_record: string | null };
    assert.match(row.password_hash, /^\$argon2id\$/);
    assert.equal(row.opaque_record, null);
  });
});

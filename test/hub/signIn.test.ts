import { strict as assert } from 'node:assert';
import { useTempDir } from '../helpers/tmp';
import { call } from '../helpers/https';
import { addTestUser, cookiesFrom, JSON_HEADERS, login, PASSWORDS, signIn, startTestHub, type TestHub } from '../helpers/hub';
import { oathtool } from '../helpers/oathtool';
import { verifyAuditLog } from '../../common/auditLog';
import { hubPaths } from '../../common/dataLayout';

describe('hub sign-in: lockout, TOTP, sessions', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;

  beforeEach(async () => {
    t = await startTestHub(tmp.dir);
    await addTestUser(t.db, 'owner');
    await addTestUser(t.db, 'member');
  });
  afterEach(async () => t.stop());

  const actions = () => (t.db.prepare('SELECT action FROM audit_log ORDER BY seq').all() as Array<{ action: string }>).map((r) => r.action);

  it('locks an address out after 5 failures, even with the right password; other addresses still sign in; it lifts after 10 minutes and survives a restart', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await login(t.base, 'owner', 'not the password at all')).status, 401);
    const fifth = await login(t.base, 'owner', 'not the password at all');
    assert.equal(fifth.status, 429, 'the failure that locks the address says so');
    assert.match(fifth.json().error.message, /wrong user name or password; .*try again in 10 minutes/);
    const locked = await login(t.base, 'owner', PASSWORDS.owner);
    assert.equal(locked.status, 429);
    assert.equal(locked.json().error.code, 'LOCKED_OUT');
    assert.match(locked.json().error.message, /try again in 10 minutes/);
    assert.equal(locked.headers['retry-after'], '600');

    const other = await login(t.base, 'owner', PASSWORDS.owner, { localAddress: '127.0.0.2' });
    assert.equal(other.status, 200, 'another address is not affected');

    // A restart must not hand the attacker five fresh guesses.
    const clock = t.clock;
    await t.stop();
    t = await startTestHub(tmp.dir, {}, clock);
    assert.equal((await login(t.base, 'owner', PASSWORDS.owner)).status, 429, 'still locked after a restart');

    clock.advance(9 * 60_000);
    assert.equal((await login(t.base, 'owner', PASSWORDS.owner)).status, 429, 'still locked after 9 minutes');
    clock.advance(61_000);
    assert.equal((await login(t.base, 'owner', PASSWORDS.owner)).status, 200, 'accepted after 10 minutes');
    assert.ok(actions().includes('auth.lockout'));
    assert.equal(actions().filter((a) => a === 'auth.login_failed').length, 5);
  });

  it("does not let a member's own sign-ins wipe the address's count while they guess another account", async () => {
    // The attacker's move: guess the owner's password, and sign in as themselves between guesses.
    let lockedAt = -1;
    for (let guess = 0; guess < 10 && lockedAt < 0; guess++) {
      const res = await login(t.base, 'owner', 'guess number ' + guess);
      if (res.status === 429) lockedAt = guess;
      else {
        assert.equal(res.status, 401);
        assert.equal((await login(t.base, 'member', PASSWORDS.member)).status, 200, 'the member signs in between guesses');
      }
    }
    assert.equal(lockedAt, 4, 'the fifth wrong guess from the address locks it, sign-ins in between notwithstanding');
    assert.equal((await login(t.base, 'member', PASSWORDS.member)).status, 429, 'the whole address is locked, the member too');
    assert.equal((await login(t.base, 'owner', PASSWORDS.owner, { localAddress: '127.0.0.2' })).status, 200, 'the owner signs in from elsewhere');
  });

  it("clears only the account's own count on success: the account's failures go, the address's stay", async () => {
    for (let i = 0; i < 4; i++) assert.equal((await login(t.base, 'member', 'not the password at all')).status, 401);
    assert.equal((await login(t.base, 'member', PASSWORDS.member)).status, 200);
    const row = (scope: string) => t.db.prepare('SELECT failures FROM login_throttle WHERE scope = ?').get(scope) as { failures: number } | undefined;
    assert.equal(row('account'), undefined, "the member's account count is cleared");
    assert.equal(row('ip')?.failures, 4, "the address's count is kept until its hour passes");
    t.clock.advance(61 * 60_000);
    assert.equal((await login(t.base, 'member', 'a typo after an hour')).status, 401, 'an hour later a typo starts a fresh count, not a lockout');
  });

  it('throttles slow guessing of one account from many addresses, but never the browser the owner signed in with before', async () => {
    const ownerBrowser = cookiesFrom(await login(t.base, 'owner', PASSWORDS.owner, { localAddress: '127.0.0.9' }));
    // Ten failures spread over ten addresses: no address reaches its own limit.
    for (let i = 0; i < 10; i++) {
      t.clock.advance(60_000);
      assert.equal((await login(t.base, 'owner', 'guess number ' + i, { localAddress: `127.0.1.${i + 1}` })).status, 401);
    }
    const fromNewAddress = await login(t.base, 'owner', PASSWORDS.owner, { localAddress: '127.0.2.1' });
    assert.equal(fromNewAddress.status, 429);
    assert.equal(fromNewAddress.json().error.code, 'ACCOUNT_THROTTLED');
    const browserOnly = ownerBrowser.split('; ').find((c) => c.startsWith('__Host-porchlight_browser='))!;
    const known = await login(t.base, 'owner', PASSWORDS.owner, { localAddress: '127.0.2.2', cookie: browserOnly });
    assert.equal(known.status, 200, 'a browser that signed in before is not throttled');
    t.clock.advance(16 * 60_000);
    assert.equal((await login(t.base, 'owner', PASSWORDS.owner, { localAddress: '127.0.2.3' })).status, 200, 'the delay is capped, never a permanent lock');
  });

  it('answers guesses on a name nobody has exactly as on a real account, so the throttle does not tell which names exist', async () => {
    const answers: Record<string, { status: number; code: string; message: string }> = {};
    for (const [name, net] of [['owner', '127.0.3'], ['nobody-here', '127.0.4']] as const) {
      for (let i = 0; i < 10; i++) {
        t.clock.advance(60_000);
        assert.equal((await login(t.base, name, 'guess number ' + i, { localAddress: `${net}.${i + 1}` })).status, 401);
      }
      const next = await login(t.base, name, 'one more guess', { localAddress: `${net}.100` });
      answers[name] = { status: next.status, code: next.json().error.code, message: next.json().error.message };
    }
    assert.equal(answers.owner!.code, 'ACCOUNT_THROTTLED');
    assert.deepEqual(answers['nobody-here'], answers.owner, 'an unknown name gets the same answer');
  });

  it('enrolls TOTP, signs in with oathtool codes, refuses a replayed code, and takes each recovery code once', async () => {
    const s = await signIn(t.base, 'owner', PASSWORDS.owner);
    const begin = await call(t.base, 'POST', '/api/me/totp', { headers: s.headers });
    assert.equal(begin.status, 200, begin.body.toString());
    const { secret, otpauthUri, qrSvgDataUrl } = begin.json();
    assert.match(otpauthUri, /^otpauth:\/\/totp\//);
    assert.match(qrSvgDataUrl, /^data:image\/svg\+xml;base64,/);
    const confirm = await call(t.base, 'POST', '/api/me/totp/confirm', { body: JSON.stringify({ code: oathtool(secret, t.clock.t) }), headers: { ...s.headers, ...JSON_HEADERS } });
    assert.equal(confirm.status, 200, confirm.body.toString());
    const recovery: string[] = confirm.json().recoveryCodes;
    assert.equal(recovery.length, 10);
    const stored = t.db.prepare("SELECT totp_secret_sealed FROM users WHERE username = 'owner'").get() as { totp_secret_sealed: string };
    assert.ok(!stored.totp_secret_sealed.includes(secret), 'the seed is not stored in plain');

    t.clock.advance(30_000);
    const step1 = await login(t.base, 'owner', PASSWORDS.owner);
    assert.equal(step1.json().status, 'totp_required');
    assert.equal(cookiesFrom(step1), '', 'no session before the second factor');
    const code = oathtool(secret, t.clock.t);
    const second = (body: object) => call(t.base, 'POST', '/api/login/totp', { body: JSON.stringify(body), headers: JSON_HEADERS });
    const ok = await second({ ticket: step1.json().ticket, code });
    assert.equal(ok.status, 200, ok.body.toString());
    assert.match(cookiesFrom(ok), /porchlight_session=/);

    const again = await login(t.base, 'owner', PASSWORDS.owner);
    const replay = await second({ ticket: again.json().ticket, code });
    assert.equal(replay.status, 401, 'the same code twice is refused');
    assert.equal(replay.json().error.code, 'BAD_SECOND_FACTOR');

    const withRecovery = await second({ ticket: again.json().ticket, recoveryCode: recovery[0]!.toUpperCase() });
    assert.equal(withRecovery.status, 200, 'a recovery code signs in');
    const third = await login(t.base, 'owner', PASSWORDS.owner);
    assert.equal((await second({ ticket: third.json().ticket, recoveryCode: recovery[0]! })).status, 401, 'a recovery code works once');
    const session = await call(t.base, 'GET', '/api/session', { headers: { cookie: cookiesFrom(withRecovery) } });
    assert.equal(session.json().user.recoveryCodesLeft, 9);
    assert.ok(actions().includes('totp.enabled'));
    assert.ok(actions().includes('totp.recovery_code_used'));
  });

  it("keeps the password step's ticket to the address it was given to and to 5 minutes: a stolen ticket with the right code opens no session", async () => {
    const s = await signIn(t.base, 'owner', PASSWORDS.owner);
    const { secret } = (await call(t.base, 'POST', '/api/me/totp', { headers: s.headers })).json();
    const confirm = await call(t.base, 'POST', '/api/me/totp/confirm', { body: JSON.stringify({ code: oathtool(secret, t.clock.t) }), headers: { ...s.headers, ...JSON_HEADERS } });
    assert.equal(confirm.status, 200, confirm.body.toString());
    const second = (ticket: string, localAddress?: string) =>
      call(t.base, 'POST', '/api/login/totp', { body: JSON.stringify({ ticket, code: oathtool(secret, t.clock.t) }), headers: JSON_HEADERS, localAddress });

    t.clock.advance(30_000);
    const step1 = await login(t.base, 'owner', PASSWORDS.owner);
    const { ticket } = step1.json();
    // The attacker read the ticket (a proxy log, a shoulder) and has the code too: another address.
    const stolen = await second(ticket, '127.0.0.93');
    assert.equal(stolen.status, 401, stolen.body.toString());
    assert.equal(stolen.json().error.code, 'TICKET_EXPIRED');
    assert.equal(cookiesFrom(stolen), '', 'no session');
    const own = await second(ticket);
    assert.equal(own.status, 200, 'the same ticket and code work from the address that gave the password');

    t.clock.advance(30_000);
    const late = (await login(t.base, 'owner', PASSWORDS.owner)).json().ticket;
    t.clock.advance(5 * 60_000 + 1000);
    const expired = await second(late);
    assert.equal(expired.status, 401, 'a ticket older than 5 minutes opens nothing');
    assert.equal(expired.json().error.code, 'TICKET_EXPIRED');
    assert.equal(cookiesFrom(expired), '');
  });

  it('lets the owner require 2FA: a member without it may only enroll until they do', async () => {
    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const put = (headers: Record<string, string>) => call(t.base, 'PUT', '/api/settings/security', { body: JSON.stringify({ require2fa: true }), headers: { ...headers, ...JSON_HEADERS } });
    assert.equal((await put(owner.headers)).status, 409, 'the owner must enroll first');
    const { secret } = (await call(t.base, 'POST', '/api/me/totp', { headers: owner.headers })).json();
    await call(t.base, 'POST', '/api/me/totp/confirm', { body: JSON.stringify({ code: oathtool(secret, t.clock.t) }), headers: { ...owner.headers, ...JSON_HEADERS } });
    assert.equal((await put(owner.headers)).status, 200);

    const member = await signIn(t.base, 'member', PASSWORDS.member);
    const clips = await call(t.base, 'GET', '/api/clips', { headers: member.headers });
    assert.equal(clips.status, 403);
    assert.equal(clips.json().error.code, 'ENROLL_2FA');
    const mine = await call(t.base, 'GET', '/api/session', { headers: member.headers });
    assert.equal(mine.json().user.mustEnroll2fa, true);
    const begin = await call(t.base, 'POST', '/api/me/totp', { headers: member.headers });
    assert.equal(begin.status, 200);
    const done = await call(t.base, 'POST', '/api/me/totp/confirm', { body: JSON.stringify({ code: oathtool(begin.json().secret, t.clock.t) }), headers: { ...member.headers, ...JSON_HEADERS } });
    assert.equal(done.status, 200);
    assert.equal((await call(t.base, 'GET', '/api/clips', { headers: member.headers })).status, 200, 'enrolled: the member can use the hub');
  });

  it('lists sessions, signs one out, signs out everywhere, and notices a new device', async () => {
    const first = await signIn(t.base, 'owner', PASSWORDS.owner);
    const second = await signIn(t.base, 'owner', PASSWORDS.owner);
    const list = await call(t.base, 'GET', '/api/sessions', { headers: first.headers });
    const sessions = list.json().sessions as Array<{ handle: string; current: boolean }>;
    assert.equal(sessions.length, 2);
    assert.equal(sessions.filter((s) => s.current).length, 1);
    const other = sessions.find((s) => !s.current)!;
    assert.equal((await call(t.base, 'DELETE', `/api/sessions/${other.handle}`, { headers: first.headers })).status, 200);
    assert.equal((await call(t.base, 'GET', '/api/session', { headers: second.headers })).status, 401, 'the signed-out session is gone');

    const notices = (await call(t.base, 'GET', '/api/me/notices', { headers: first.headers })).json().notices as Array<{ kind: string }>;
    assert.equal(notices.filter((n) => n.kind === 'new-device').length, 1, 'the second browser raised one notice');
    assert.ok(actions().includes('auth.new_device'));

    const third = await signIn(t.base, 'owner', PASSWORDS.owner);
    const everywhere = await call(t.base, 'POST', '/api/sessions/sign-out-everywhere', { headers: third.headers });
    assert.equal(everywhere.json().sessions, 2);
    assert.equal((await call(t.base, 'GET', '/api/session', { headers: first.headers })).status, 401);
    assert.equal((await call(t.base, 'GET', '/api/session', { headers: third.headers })).status, 401);
  });

  it('ends sessions after the idle limit and the absolute limit', async () => {
    const s = await signIn(t.base, 'owner', PASSWORDS.owner);
    t.clock.advance(23 * 3600_000);
    assert.equal((await call(t.base, 'GET', '/api/session', { headers: s.headers })).status, 200, 'within the idle limit');
    t.clock.advance(24 * 3600_000 + 1000);
    assert.equal((await call(t.base, 'GET', '/api/session', { headers: s.headers })).status, 401, 'idle for over a day');

    const busy = await signIn(t.base, 'owner', PASSWORDS.owner);
    for (let i = 0; i < 37; i++) {
      t.clock.advance(20 * 3600_000);
      await call(t.base, 'GET', '/api/session', { headers: busy.headers });
    }
    assert.equal((await call(t.base, "GET", "/api/session", { headers: busy.headers })).status, 401, "active every 20 hours, yet no session outlives 30 days");
  });

  it('keeps the audit chain intact through all of this', async () => {
    await login(t.base, 'owner', 'wrong password here');
    await signIn(t.base, 'owner', PASSWORDS.owner);
    const verdict = verifyAuditLog(t.db, hubPaths(tmp.dir).auditHead);
    assert.ok(verdict.ok, JSON.stringify(verdict));
    const log = t.db.prepare('SELECT detail, actor, target FROM audit_log').all();
    assert.ok(!JSON.stringify(log).includes('wrong password here'), 'no password in the audit log');
  });
});

import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { setupCodePath } from '../../hub/firstRunSetup';
import * as path from 'node:path';
import type { SMTPServer } from 'smtp-server';
import YAML from 'yaml';
import { opaqueRegistration } from '../../common/opaqueSignIn';
import { IP_MAX_FAILURES } from '../../hub/loginThrottlePolicy';
import { runCli } from '../helpers/cli';
import { call, type TestResponse } from '../helpers/https';
import { addTestUser, cookiesFrom, JSON_HEADERS, login, passwordProof, PASSWORDS, setUpOwner, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { oathtool } from '../helpers/oathtool';
import { startSmtp, stop, type Received } from '../helpers/smtp';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/*
 * Issue 19: the account's address, its verification, and getting back in after a forgotten
 * password. The attacker holds a stolen session, or only knows a user name, or reads a mailbox.
 */
describe('account recovery: email change, verified addresses, password reset', function () {
  this.timeout(90_000);
  const tmp = useTempDir();
  let t: TestHub | undefined;
  let smtp: { server: SMTPServer; port: number; inbox: Received[] } | undefined;

  afterEach(async () => {
    await t?.stop();
    t = undefined;
    await stop(smtp?.server);
    smtp = undefined;
  });

  const smtpSettings = () => ({ host: '127.0.0.1', port: smtp!.port, security: 'none', from: 'Porchlight <hub@home.test>' });
  async function hubWithMail(): Promise<TestHub> {
    smtp = await startSmtp();
    t = await startTestHub(tmp.dir, { smtp: smtpSettings() });
    await addTestUser(t.db, 'owner');
    await addTestUser(t.db, 'member');
    return t;
  }
  const post = (route: string, body: object, headers: Record<string, string> = {}, localAddress?: string) =>
    call(t!.base, 'POST', route, { body: JSON.stringify(body), headers: { ...headers, ...JSON_HEADERS }, localAddress });
  const auditCount = (action: string) => (t!.db.prepare('SELECT COUNT(*) AS n FROM audit_log WHERE action = ?').get(action) as { n: number }).n;
  const emailOf = (name: string) => t!.db.prepare('SELECT email, email_verified_at AS verifiedAt FROM users WHERE username = ?').get(name) as { email: string | null; verifiedAt: number | null };
  const mailsTo = (address: string, subject = /./) => smtp!.inbox.filter((m) => m.to.includes(address) && subject.test(m.headers.subject ?? ''));
  const RESET_CODE = /reset code/;

  describe('changing the email address', () => {
    it("a stolen session cannot change it without the password; wrong proofs count toward the lockout", async () => {
      await hubWithMail();
      const stolen = await signIn(t!.base, 'member', PASSWORDS.member);
      const bare = await post('/api/me/email', { email: 'thief@evil.test' }, stolen.headers);
      assert.equal(bare.status, 400, 'no proof, no change');
      for (let i = 1; i < IP_MAX_FAILURES; i++) {
        const guess = await post('/api/me/email', { email: 'thief@evil.test', proof: await passwordProof(t!.base, stolen.headers, `guess number ${i}`) }, stolen.headers);
        assert.equal(guess.status, 403, `guess ${i}: ${guess.body.toString()}`);
      }
      const last = await post('/api/me/email', { email: 'thief@evil.test', proof: await passwordProof(t!.base, stolen.headers, 'the last guess') }, stolen.headers);
      assert.equal(last.status, 429, 'the wrong proofs count like failed sign-ins');
      assert.deepEqual(emailOf('member').email, 'member@home.test', 'the address is unchanged');
      assert.equal(mailsTo('thief@evil.test').length, 0);
      const failures = t!.db.prepare("SELECT detail FROM audit_log WHERE action = 'auth.reauth_failed'").all() as Array<{ detail: string }>;
      assert.equal(failures.length, IP_MAX_FAILURES);
      assert.ok(failures.every((f) => f.detail.includes('/api/me/email')), 'audited with the route');
    });

    it('with the password, changes it, mails the code to the new address and tells the old one', async () => {
      await hubWithMail();
      const member = await signIn(t!.base, 'member', PASSWORDS.member);
      const res = await post('/api/me/email', { email: 'nina@elsewhere.test', proof: await passwordProof(t!.base, member.headers, PASSWORDS.member) }, member.headers);
      assert.equal(res.status, 200, res.body.toString());
      assert.deepEqual(emailOf('member'), { email: 'nina@elsewhere.test', verifiedAt: null });
      await until('two mails', () => (smtp!.inbox.length >= 2) || undefined);
      const old = mailsTo('member@home.test');
      assert.equal(old.length, 1, 'the old address is told');
      assert.match(old[0]!.headers.subject ?? '', /email address of your account was changed/);
      assert.match(old[0]!.body, /n\*\*\*@elsewhere\.test/);
      assert.doesNotMatch(old[0]!.body, /nina@elsewhere/, 'the new address is masked');
      assert.match(old[0]!.body, /If this was not you/);
      assert.equal(mailsTo('nina@elsewhere.test').length, 1, 'the code goes to the new address');
      assert.equal(auditCount('user.email_changed'), 1);
    });
  });

  describe('password reset by a code to the verified address', () => {
    const codeIn = (mail: Received) => /^ {4}([A-Z2-9]{10})$/m.exec(mail.body)?.[1];

    async function resetWith(name: string, code: string, password: string, extra: object = {}, localAddress?: string): Promise<TestResponse> {
      let first: TestResponse | undefined;
      const record = await opaqueRegistration(async (registrationRequest) => {
        first = await post('/api/password-reset/start', { name, code, registrationRequest, ...extra }, {}, localAddress);
        if (first.status !== 200) throw new Error('refused');
        return first.json().registrationResponse as string;
      }, password).catch(() => null);
      if (record === null) return first!;
      return post('/api/password-reset/finish', { name, changeId: first!.json().changeId, registrationRecord: record }, {}, localAddress);
    }

    it('answers every name alike; a wrong, foreign, reused or expired code is refused and counted; the right one ends all sessions and tells the user', async () => {
      await hubWithMail();
      const before = await signIn(t!.base, 'member', PASSWORDS.member);
      const unknown = await post('/api/password-reset/request', { name: 'nobody-here' });
      const known = await post('/api/password-reset/request', { name: 'member@HOME.test' });
      assert.equal(unknown.status, 200);
      assert.deepEqual([known.status, known.body.toString()], [unknown.status, unknown.body.toString()], 'no account enumeration');
      await until('the reset mail', () => (mailsTo('member@home.test', RESET_CODE).length === 1) || undefined);
      const code = codeIn(mailsTo('member@home.test', RESET_CODE)[0]!);
      assert.ok(code, mailsTo('member@home.test', RESET_CODE)[0]!.body);
      assert.equal(smtp!.inbox.length, 1, 'nothing for the unknown name');

      // The attacker's moves, from another address: a guessed code, the member's code for another account, a name nobody has.
      const wrong = await resetWith('member', 'AAAAAAAAAA', 'attacker password one', {}, '127.0.0.2');
      assert.equal(wrong.status, 403);
      const foreign = await resetWith('owner', code, 'attacker password one', {}, '127.0.0.2');
      assert.deepEqual([foreign.status, foreign.json().error.message], [403, wrong.json().error.message], "a code works for its own account only");
      const nobody = await resetWith('nobody-here', code, 'attacker password one', {}, '127.0.0.2');
      assert.deepEqual([nobody.status, nobody.json().error.message], [403, wrong.json().error.message]);
      assert.equal(auditCount('auth.reset_failed'), 3, 'audited');
      let locked: TestResponse | undefined;
      for (let i = 0; i < IP_MAX_FAILURES && locked === undefined; i++) {
        const r = await resetWith('member', `BBBBBBBBB${'CDEFG'[i]}`, 'attacker password one', {}, '127.0.0.2');
        if (r.status === 429) locked = r;
      }
      assert.ok(locked, 'wrong codes count toward the lockout');

      const done = await resetWith('member', code, 'a fresh new password for nina');
      assert.equal(done.status, 200, done.body.toString());
      assert.equal((await call(t!.base, 'GET', '/api/session', { headers: before.headers })).status, 401, 'every earlier session ended');
      assert.equal((await login(t!.base, 'member', PASSWORDS.member)).status, 401, 'the old password is gone');
      await signIn(t!.base, 'member', 'a fresh new password for nina');
      assert.equal((await resetWith('member', code, 'yet another new password')).status, 403, 'the code works once');
      const notice = await until('the notice', () => mailsTo('member@home.test', /password of your account was reset/)[0]);
      assert.match(notice.body, /password of your Porchlight account member was reset/);
      assert.equal(auditCount('user.password_reset'), 1);

      await post('/api/password-reset/request', { name: 'member' });
      await until('a second code', () => (mailsTo('member@home.test', RESET_CODE).length === 2) || undefined);
      const late = codeIn(mailsTo('member@home.test', RESET_CODE)[1]!)!;
      t!.clock.advance(31 * 60_000);
      assert.equal((await resetWith('member', late, 'too late for this one')).status, 403, 'a code expires after 30 minutes');
    });

    it('still needs the second factor when the account has 2FA', async () => {
      await hubWithMail();
      const owner = await signIn(t!.base, 'owner', PASSWORDS.owner);
      const { secret } = (await post('/api/me/totp', {}, owner.headers)).json();
      assert.equal((await post('/api/me/totp/confirm', { code: oathtool(secret, t!.clock.t) }, owner.headers)).status, 200);
      t!.clock.advance(60_000);
      await post('/api/password-reset/request', { name: 'owner' });
      await until('the reset mail', () => (mailsTo('owner@home.test', RESET_CODE).length === 1) || undefined);
      const code = codeIn(mailsTo('owner@home.test', RESET_CODE)[0]!)!;
      const without = await resetWith('owner', code, 'the mailbox alone is not enough');
      assert.deepEqual([without.status, without.json().error.code], [401, 'TOTP_REQUIRED']);
      const badTotp = await resetWith('owner', code, 'the mailbox alone is not enough', { totpCode: '000000' });
      assert.equal(badTotp.status, 403);
      assert.equal(auditCount('auth.reset_failed'), 1, 'a wrong second factor is counted and audited');
      const ok = await resetWith('owner', code, 'owner has a new password now', { totpCode: oathtool(secret, t!.clock.t) });
      assert.equal(ok.status, 200, ok.body.toString());
      const after = await login(t!.base, 'owner', 'owner has a new password now');
      assert.equal(after.json().status, 'totp_required', '2FA stays on');
    });
  });

  it('first-run setup stores the owner\'s address unverified and mails it a code', async () => {
    smtp = await startSmtp();
    t = await startTestHub(tmp.dir, { smtp: smtpSettings() });
    const setupCode = readFileSync(setupCodePath(tmp.dir), 'utf8').trim();
    const res = await setUpOwner(t.base, setupCode, 'nina', 'lantern by the garden gate', 'nina@home.test');
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(emailOf('nina').verifiedAt, null);
    const mail = await until('the confirmation code', () => mailsTo('nina@home.test', /Confirm your email/)[0]);
    const code = /^ {4}([A-Z2-9]{8})$/m.exec(mail.body)?.[1];
    assert.ok(code, mail.body);
    const nina = { cookie: cookiesFrom(res), 'x-csrf-token': res.json().csrfToken as string };
    assert.equal((await post('/api/me/email/confirm', { code }, nina)).status, 200);
    assert.notEqual(emailOf('nina').verifiedAt, null);
  });

  describe('the console (real CLI processes)', () => {
    const env = { ...process.env, PORCHLIGHT_CONFIG: '' };

    it('"user add --email" leaves the address unverified and mails a code; nothing else is mailed there until the code confirms it', async () => {
      smtp = await startSmtp();
      const dataDir = path.join(tmp.dir, 'hub');
      const config = path.join(tmp.dir, 'porchlight.yaml');
      writeFileSync(config, YAML.stringify({ dataDir, hub: { smtp: smtpSettings() } }));
      const pw = path.join(tmp.dir, 'pw');
      writeFileSync(pw, 'lantern by the garden gate\n');
      const added = await runCli(['user', 'add', 'nina', '--email', 'nina@home.test', '--password-file', pw, '-c', config], { env });
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, /not confirmed yet: a confirmation code was mailed to nina@home\.test/);
      t = await startTestHub(dataDir, { smtp: smtpSettings() });
      assert.equal(emailOf('nina').verifiedAt, null, 'typing it on the hub verifies nothing');
      assert.equal(smtp.inbox.length, 1);
      const code = /^ {4}([A-Z2-9]{8})$/m.exec(smtp.inbox[0]!.body)?.[1];
      assert.ok(code, smtp.inbox[0]!.body);

      // A notice for an unverified address stays in the UI only.
      writeFileSync(pw, 'a second secret for the porch\n');
      const reset = await runCli(['user', 'reset-password', 'nina', '--password-file', pw, '-c', config], { env });
      assert.equal(reset.code, 0, reset.stderr);
      assert.equal(smtp.inbox.length, 1, 'nothing is mailed to an unverified address');

      const wrong = await runCli(['user', 'verify-email', 'nina', 'WRONGCOD', '-c', config], { env });
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /not correct/);
      const verified = await runCli(['user', 'verify-email', 'nina', code.toLowerCase(), '-c', config], { env });
      assert.equal(verified.code, 0, verified.stderr);
      assert.notEqual(emailOf('nina').verifiedAt, null);
      const again = await runCli(['user', 'reset-password', 'nina', '--password-file', pw, '-c', config], { env });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(smtp.inbox.length, 2, 'once verified, notices are mailed');
      assert.match(smtp.inbox[1]!.body, /was reset by the hub's owner on its console/);
    });

    it('"user reset-password" sets a password that signs in, ends the old sessions and is audited', async () => {
      t = await startTestHub(tmp.dir);
      await addTestUser(t.db, 'owner');
      await addTestUser(t.db, 'member');
      const before: SignedIn = await signIn(t.base, 'member', PASSWORDS.member);
      const pw = path.join(tmp.dir, 'new-pw');
      writeFileSync(pw, 'the console knows best today\n');
      const run = await runCli(['user', 'reset-password', 'member', '--password-file', pw, '-d', tmp.dir], { env });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /1 session\(s\) signed out/);
      assert.equal((await call(t.base, 'GET', '/api/session', { headers: before.headers })).status, 401, 'the old session is over');
      assert.equal((await login(t.base, 'member', PASSWORDS.member)).status, 401);
      await signIn(t.base, 'member', 'the console knows best today');
      const entry = t.db.prepare("SELECT actor FROM audit_log WHERE action = 'user.password_reset'").get() as { actor: string } | undefined;
      assert.equal(entry?.actor, 'cli');
      const weak = await runCli(['user', 'reset-password', 'member', '--password-file', pw, '-d', path.join(tmp.dir, 'nothing')], { env });
      assert.notEqual(weak.code, 0, 'no hub there');
      const nobody = await runCli(['user', 'reset-password', 'nobody', '--password-file', pw, '-d', tmp.dir], { env });
      assert.match(nobody.stderr, /no user named "nobody"/);
    });
  });
});

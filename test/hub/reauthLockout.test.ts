import { strict as assert } from 'node:assert';
import { listNotices } from '../../common/notices';
import { IP_MAX_FAILURES } from '../../hub/loginThrottlePolicy';
import { call } from '../helpers/https';
import { changePassword, JSON_HEADERS, login, passwordProof, PASSWORDS, signIn, useTestHubWithUsers, type SignedIn } from '../helpers/hub';
import { oathtool } from '../helpers/oathtool';

/*
 * The attacker's move: with a stolen session, guess the account's password (or mint recovery
 * codes by guessing 2FA codes) on the routes that ask for them again, unseen. They must count
 * like failed sign-ins, be audited, and the guess that locks the address ends that session
 * and tells the account's owner.
 */
describe('re-authentication (password change, 2FA off, new recovery codes): the sign-in lockout, audit and notice', function () {
  this.timeout(60_000);
  const hub = useTestHubWithUsers(['owner', 'member']);

  const post = (s: SignedIn, route: string, body: object) => call(hub().base, 'POST', route, { body: JSON.stringify(body), headers: { ...s.headers, ...JSON_HEADERS } });
  const count = (action: string) => (hub().db.prepare('SELECT COUNT(*) AS n FROM audit_log WHERE action = ?').get(action) as { n: number }).n;
  const memberId = () => (hub().db.prepare("SELECT id FROM users WHERE username = 'member'").get() as { id: number }).id;

  it('password change: wrong current passwords are counted and audited; the one that locks ends the session and tells the owner of the account', async () => {
    const stolen = await signIn(hub().base, 'member', PASSWORDS.member);
    for (let i = 1; i < IP_MAX_FAILURES; i++) {
      const res = await changePassword(hub().base, stolen.headers, `guess ${i} of many`, 'a brand new long password');
      assert.equal(res.status, 403, `guess ${i}`);
      assert.equal(res.json().error.code, 'BAD_CREDENTIALS');
    }
    const last = await changePassword(hub().base, stolen.headers, 'the last guess here', 'a brand new long password');
    assert.equal(last.status, 429);
    assert.match(last.json().error.message, /this session is signed out, try again in 10 minutes/);

    assert.equal((await call(hub().base, 'GET', '/api/sessions', { headers: stolen.headers })).status, 401, 'the session that guessed is over');
    const right = await login(hub().base, 'member', PASSWORDS.member);
    assert.equal(right.status, 429, 'the address is locked for sign-in too, right password or not');
    assert.equal(count('auth.reauth_failed'), IP_MAX_FAILURES, 'every wrong answer is audited');
    assert.equal(count('auth.lockout'), 1);
    const notices = listNotices(hub().db, memberId()).filter((n) => n.kind === 'reauth-lockout');
    assert.equal(notices.length, 1, 'the account is told');
    assert.match(notices[0]!.message, /signed out/);
    assert.equal((await login(hub().base, 'member', PASSWORDS.member, { localAddress: '127.0.0.2' })).status, 200, 'the member still signs in from elsewhere');
  });

  it('recovery codes and 2FA off: wrong codes count toward the same lockout, and a locked address cannot even try', async () => {
    const s = await signIn(hub().base, 'member', PASSWORDS.member);
    const { secret } = (await post(s, '/api/me/totp', {})).json();
    assert.equal((await post(s, '/api/me/totp/confirm', { code: oathtool(secret, hub().clock.t) })).status, 200);
    const wrongCode = oathtool(secret, hub().clock.t) === '000000' ? '000001' : '000000';
    for (let i = 0; i < 2; i++) assert.equal((await post(s, '/api/me/totp/recovery-codes', { code: wrongCode })).status, 403);
    assert.equal((await post(s, '/api/me/totp/disable', { proof: await passwordProof(hub().base, s.headers, 'not my password at all') })).status, 403);
    assert.equal((await post(s, '/api/me/totp/disable', { proof: await passwordProof(hub().base, s.headers, PASSWORDS.member), recoveryCode: 'aaaa-bbbb-cccc' })).status, 403);
    const locking = await post(s, '/api/me/totp/disable', { proof: await passwordProof(hub().base, s.headers, PASSWORDS.member), code: wrongCode });
    assert.equal(locking.status, 429, 'the fifth wrong answer on any of these routes locks the address');
    const steps = (hub().db.prepare("SELECT json_extract(detail, '$.step') AS step FROM audit_log WHERE action = 'auth.reauth_failed' ORDER BY seq").all() as Array<{ step: string }>).map((r) => r.step);
    assert.deepEqual(steps, ['totp', 'totp', 'password', 'recovery', 'totp']);

    // From another address with a fresh session: locked addresses are refused before anything is checked.
    const other = await login(hub().base, 'owner', PASSWORDS.owner, { localAddress: '127.0.0.3' });
    assert.equal(other.status, 200);
    assert.equal(count('totp.recovery_codes_replaced'), 0, 'no recovery codes were minted');
  });
});

import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { useTempDir } from '../helpers/tmp';
import { call, type TestResponse } from '../helpers/https';
import { addTestUser, cookiesFrom, JSON_HEADERS, login, PASSWORDS, startTestHub, type TestHub } from '../helpers/hub';

/*
 * The browser cookie exempts a browser that signed in to an account before from that account's
 * throttle. Only the hub may issue it, and only a successful sign-in: a value the attacker made
 * up, altered, copied from their own account or planted in the household's browser before the
 * household signed in there must buy no exemption.
 */

const BROWSER = '__Host-porchlight_browser';

/** The `name=value` pair of the browser cookie a sign-in answer set. */
function browserCookieOf(res: TestResponse): string {
  const pair = cookiesFrom(res).split('; ').find((c) => c.startsWith(`${BROWSER}=`));
  assert.ok(pair, `the sign-in sets ${BROWSER}: ${String(res.headers['set-cookie'])}`);
  return pair;
}

const b64url = (bytes: number) => randomBytes(bytes).toString('base64url');

describe('hub browser cookie: issued and signed by the hub, __Host- cookie names', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;

  beforeEach(async () => {
    t = await startTestHub(tmp.dir);
    await addTestUser(t.db, 'owner');
    await addTestUser(t.db, 'member');
  });
  afterEach(async () => t.stop());

  let address = 0;
  /** A fresh address for each attempt: the attacker has many, so no address reaches its own limit. */
  const nextAddress = () => `127.0.${10 + Math.floor(address / 200)}.${(address++ % 200) + 1}`;

  const signInWith = async (username: 'owner' | 'member', cookie?: string) => {
    const res = await login(t.base, username, PASSWORDS[username], { localAddress: nextAddress(), ...(cookie ? { cookie } : {}) });
    assert.equal(res.status, 200, res.body.toString());
    return res;
  };

  it("gives a made-up, tampered, planted or other account's browser id no exemption from a throttled account, while the household's own browser signs in", async () => {
    // The household's laptop signed in before the attack.
    const householdLaptop = browserCookieOf(await signInWith('owner'));

    // The attacker signs in to their own account and keeps the browser id the hub gave them.
    const attackersOwn = browserCookieOf(await signInWith('member'));
    // Before the attack, they plant ids in two household browsers (a sibling host, a shared
    // computer): one made up (a bare random id, as browsers once chose), one their own. The
    // owner then signs in on each.
    const madeUp = `${BROWSER}=${b64url(24)}`;
    const kitchen = await signInWith('owner', madeUp);
    const hallway = await signInWith('owner', attackersOwn);
    assert.notEqual(browserCookieOf(kitchen), madeUp, 'the hub does not adopt a browser id it did not issue');
    assert.notEqual(browserCookieOf(hallway), attackersOwn, "the hub does not adopt the attacker's id either: it issues a fresh one");

    // Ten wrong guesses at the owner's password, each from its own address: the account is throttled.
    for (let i = 0; i < 10; i++) {
      t.clock.advance(60_000);
      assert.equal((await login(t.base, 'owner', `guess number ${i}`, { localAddress: nextAddress() })).status, 401);
    }
    const throttled = (res: TestResponse, what: string) => {
      assert.equal(res.status, 429, `${what}: ${res.status} ${res.body.toString()}`);
      assert.equal(res.json().error.code, 'ACCOUNT_THROTTLED', what);
    };
    throttled(await login(t.base, 'owner', PASSWORDS.owner, { localAddress: nextAddress() }), 'no browser cookie');

    const [laptopId, laptopMac] = householdLaptop.slice(BROWSER.length + 1).split('.') as [string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const attempts: Array<[string, string]> = [
      ['a made-up browser id', `${BROWSER}=${b64url(24)}`],
      ['a made-up browser id with a made-up signature', `${BROWSER}=${b64url(24)}.${b64url(32)}`],
      ['the made-up id planted in the kitchen browser', madeUp],
      ["the attacker's own account's browser id (also planted in the hallway browser)", attackersOwn],
      ["the household laptop's id with a tampered signature", `${BROWSER}=${laptopId}.${flip(laptopMac)}`],
      ["the household laptop's signature on a made-up id", `${BROWSER}=${b64url(24)}.${laptopMac}`],
      ["the household laptop's id without its signature", `${BROWSER}=${laptopId}`],
      ["the household laptop's cookie under the old name", householdLaptop.replace(BROWSER, 'porchlight_browser')],
    ];
    for (const [what, cookie] of attempts) throttled(await login(t.base, 'owner', PASSWORDS.owner, { localAddress: nextAddress(), cookie }), what);

    const laptop = await login(t.base, 'owner', PASSWORDS.owner, { localAddress: nextAddress(), cookie: householdLaptop });
    assert.equal(laptop.status, 200, `the household laptop signs in despite the throttle: ${laptop.body.toString()}`);
  });

  it('keeps every household browser that signed in before exempt, each after its id was renewed, and a renewed id leaves the old one worthless', async () => {
    const madeUp = `${BROWSER}=${b64url(24)}.${b64url(32)}`;
    const kitchen = browserCookieOf(await signInWith('owner', madeUp));
    const laptopFirst = browserCookieOf(await signInWith('owner'));
    const laptop = browserCookieOf(await signInWith('owner', laptopFirst));
    assert.notEqual(laptop, laptopFirst, 'each sign-in renews the browser id');
    // The same laptop shared with a member: its renewed id is known to both accounts.
    const shared = browserCookieOf(await signInWith('member', laptop));

    const throttle = async () => {
      for (let i = 0; i < 10; i++) {
        t.clock.advance(60_000);
        assert.equal((await login(t.base, 'owner', `guess number ${i}`, { localAddress: nextAddress() })).status, 401);
      }
    };
    await throttle();
    const old = await login(t.base, 'owner', PASSWORDS.owner, { localAddress: nextAddress(), cookie: laptopFirst });
    assert.equal(old.status, 429, 'an id the laptop had before its last sign-in (a stale copy) buys nothing');
    assert.equal((await login(t.base, 'owner', PASSWORDS.owner, { localAddress: nextAddress(), cookie: kitchen })).status, 200, 'the kitchen browser signs in');
    await throttle();
    assert.equal((await login(t.base, 'owner', PASSWORDS.owner, { localAddress: nextAddress(), cookie: shared })).status, 200, 'the shared laptop signs in to the owner after the member signed in there');
  });

  it('sets only __Host- cookies (Secure, Path=/, no Domain, HttpOnly, SameSite=Strict), at sign-in and at sign-out, and reads no cookie under its old name', async () => {
    const res = await signInWith('owner');
    const check = (setCookies: string[], when: string) => {
      assert.ok(setCookies.length > 0, `${when} sets cookies`);
      for (const c of setCookies) {
        const [pair, ...attrs] = c.split(';').map((s) => s.trim());
        const name = pair!.slice(0, pair!.indexOf('='));
        const has = (re: RegExp) => attrs.some((a) => re.test(a));
        assert.ok(name.startsWith('__Host-'), `${when}: ${name} has the __Host- prefix`);
        assert.ok(has(/^Secure$/i), `${when}: ${name} is Secure`);
        assert.ok(has(/^Path=\/$/i), `${when}: ${name} has Path=/`);
        assert.ok(!has(/^Domain=/i), `${when}: ${name} has no Domain`);
        assert.ok(has(/^HttpOnly$/i), `${when}: ${name} is HttpOnly`);
        assert.ok(has(/^SameSite=Strict$/i), `${when}: ${name} is SameSite=Strict`);
      }
    };
    const setCookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    check(setCookies, 'sign-in');
    const names = setCookies.map((c) => c.slice(0, c.indexOf('='))).sort();
    assert.deepEqual(names, ['__Host-porchlight_browser', '__Host-porchlight_session']);

    const session = cookiesFrom(res).split('; ').find((c) => c.startsWith('__Host-porchlight_session='))!;
    const csrf = res.json().csrfToken as string;
    const oldName = session.replace('__Host-porchlight_session', 'porchlight_session');
    const underOldName = await call(t.base, 'GET', '/api/session', { headers: { cookie: oldName } });
    assert.equal(underOldName.status, 401, 'a session id sent under the old cookie name is not read');
    assert.equal((await call(t.base, 'GET', '/api/session', { headers: { cookie: session } })).status, 200);

    const out = await call(t.base, 'POST', '/api/logout', { headers: { cookie: session, 'x-csrf-token': csrf, ...JSON_HEADERS }, body: '{}' });
    assert.equal(out.status, 200, out.body.toString());
    check(([] as string[]).concat(out.headers['set-cookie'] ?? []), 'sign-out');
    assert.equal((await call(t.base, 'GET', '/api/session', { headers: { cookie: session } })).status, 401, 'signed out');
  });
});

import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { normalizeSetupCode, newSetupCode, setupCodePath } from '../../hub/firstRunSetup';
import { addTestUser, cookiesFrom, JSON_HEADERS, login, poster, registerNewAccount, SETUP_ROUTES, startedRegistration, startTestHub, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { runCli } from '../helpers/cli';
import { captureLog } from '../helpers/logCapture';
import { parseConfig } from '../../common/config';
import { Hub } from '../../hub/hub';
import { useTempDir } from '../helpers/tmp';

const PASSWORD = 'lantern by the garden gate';

function userCount(t: TestHub): number {
  return (t.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
}

/** The page's two steps; `body` as the old one-request route took it (setupCode, username, password, email). */
function createOwner(t: TestHub, body: Record<string, unknown>, localAddress?: string) {
  const { password, ...start } = body;
  return registerNewAccount(poster(t.base, localAddress), SETUP_ROUTES, start, { setupCode: body.setupCode }, String(password)).then((r) => r.final);
}

describe('first-run setup', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;
  const code = () => readFileSync(setupCodePath(tmp.dir), 'utf8').trim();

  beforeEach(async () => {
    t = await startTestHub(tmp.dir);
  });
  afterEach(async () => t.stop());

  it('writes a private setup code while nobody has an account, and says setup is needed', async () => {
    assert.match(code(), /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    assert.equal(statSync(setupCodePath(tmp.dir)).mode & 0o777, 0o600);
    const res = await call(t.base, 'GET', '/api/setup');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { needed: true });
  });

  it('creates the owner with the code, signs them in, and spends the code', async () => {
    const res = await createOwner(t, { setupCode: code().toLowerCase().replace(/-/g, ' '), username: 'dana', password: PASSWORD, email: 'dana@home.test' });
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.json().status, 'signed_in');
    assert.equal(res.json().user.role, 'owner');
    assert.equal(res.json().user.username, 'dana');
    assert.equal(existsSync(setupCodePath(tmp.dir)), false, 'the code file is gone');
    // The session works like one from /api/login: cookie plus CSRF token.
    const headers = { cookie: cookiesFrom(res), 'x-csrf-token': res.json().csrfToken as string };
    const session = await call(t.base, 'GET', '/api/session', { headers });
    assert.equal(session.status, 200);
    assert.equal(session.json().user.username, 'dana');
    const totp = await call(t.base, 'POST', '/api/me/totp', { headers });
    assert.equal(totp.status, 200, 'the new owner may go on to enroll 2FA');
    assert.deepEqual((await call(t.base, 'GET', '/api/setup')).json(), { needed: false });
    const audit = t.db.prepare("SELECT actor, target FROM audit_log WHERE action = 'setup.owner_created'").all() as Array<{ actor: string; target: string }>;
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.target, 'user:dana');
    // Single use: the same code (and any other) is refused now that an owner exists.
    const again = await createOwner(t, { setupCode: 'whatever', username: 'mallory', password: PASSWORD });
    assert.equal(again.status, 409);
    assert.equal(again.json().error.code, 'SETUP_DONE');
    assert.equal(userCount(t), 1);
  });

  it('refuses a wrong code with a clear message and stores nobody', async () => {
    const res = await createOwner(t, { setupCode: newSetupCode(), username: 'mallory', password: PASSWORD });
    assert.equal(res.status, 403);
    assert.equal(res.json().error.code, 'BAD_SETUP_CODE');
    assert.match(res.json().error.message, /^the setup code is not right/);
    assert.equal(userCount(t), 0);
    assert.equal(existsSync(setupCodePath(tmp.dir)), true, 'a wrong guess does not spend the code');
  });

  it('locks an address out after repeated wrong codes, even for the right one', async () => {
    const from = '127.0.0.31';
    for (let i = 0; i < 4; i++) assert.equal((await createOwner(t, { setupCode: newSetupCode(), username: 'mallory', password: PASSWORD }, from)).status, 403);
    const fifth = await createOwner(t, { setupCode: newSetupCode(), username: 'mallory', password: PASSWORD }, from);
    assert.equal(fifth.status, 429);
    const right = await createOwner(t, { setupCode: code(), username: 'mallory', password: PASSWORD }, from);
    assert.equal(right.status, 429, 'locked out: no more tries, right or wrong');
    assert.equal(userCount(t), 0);
    // Another address (the homeowner's phone) is not held up by the attacker's lockout.
    assert.equal((await createOwner(t, { setupCode: code(), username: 'dana', password: PASSWORD }, '127.0.0.32')).status, 200);
  });

  it('applies the name and address policy at the first step, storing nothing and keeping the code', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ username: '-', password: PASSWORD }, /user name must be/],
      [{ username: 'dana', password: PASSWORD, email: 'not an address' }, /not a valid email address/],
    ];
    for (const [body, message] of cases) {
      const res = await createOwner(t, { setupCode: code(), ...body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.json().error.message, message);
      assert.match(res.json().error.message, /^[a-z"]/, 'a lower-case clause');
    }
    const missing = await call(t.base, 'POST', SETUP_ROUTES.start, { body: JSON.stringify({ username: 'dana', registrationRequest: 'A'.repeat(44) }), headers: JSON_HEADERS });
    assert.equal(missing.status, 400);
    assert.equal(userCount(t), 0);
    assert.equal(existsSync(setupCodePath(tmp.dir)), true);
  });

  it('refuses the old one-request setup that carried the password, naming the new routes, and stores nothing', async () => {
    const res = await call(t.base, 'POST', '/api/setup/owner', { body: JSON.stringify({ setupCode: code(), username: 'dana', password: PASSWORD }), headers: JSON_HEADERS });
    assert.equal(res.status, 410);
    assert.equal(res.json().error.code, 'SETUP_PROTOCOL_CHANGED');
    assert.match(res.json().error.message, /\/api\/setup\/owner\/start/);
    assert.equal(userCount(t), 0);
    assert.equal(existsSync(setupCodePath(tmp.dir)), true, 'the code is not spent');
  });

  it('needs the code at the last step too, and spends it once: a replayed or second finish stores nobody', async () => {
    const post = poster(t.base);
    const setupCode = code();
    // Two browsers with the code start at once; the attacker keeps the other's messages to replay.
    const other = await startedRegistration(post, SETUP_ROUTES.start, { setupCode, username: 'mallory' }, 'mallory picks a password');
    const noCode = await post(SETUP_ROUTES.finish, other);
    assert.equal(noCode.status, 400, 'the code is required at the finish');
    const wrongCode = await post(SETUP_ROUTES.finish, { ...other, setupCode: newSetupCode() });
    assert.equal(wrongCode.status, 403);
    assert.equal(wrongCode.json().error.code, 'BAD_SETUP_CODE');
    assert.equal(userCount(t), 0);

    const dana = { ...(await startedRegistration(post, SETUP_ROUTES.start, { setupCode, username: 'dana' }, PASSWORD)), setupCode };
    const done = await post(SETUP_ROUTES.finish, dana);
    assert.equal(done.status, 200, done.body.toString());
    const replayed = await post(SETUP_ROUTES.finish, dana);
    assert.equal(replayed.status, 409, 'a replayed finish is refused');
    const second = await post(SETUP_ROUTES.finish, { ...other, setupCode });
    assert.equal(second.status, 409, 'the code is spent: the other registration stores nothing');
    assert.equal(second.json().error.code, 'SETUP_DONE');
    assert.equal(userCount(t), 1);
    assert.equal((await login(t.base, 'mallory', 'mallory picks a password')).status, 401);
    assert.equal((await login(t.base, 'dana', PASSWORD)).status, 200);
  });

  it('forgets a started setup after a minute, and uses a step once', async () => {
    const post = poster(t.base);
    const setupCode = code();
    let kept: object | undefined;
    const late = await registerNewAccount(
      async (route, body) => {
        if (route === SETUP_ROUTES.finish) {
          kept = body;
          t.clock.advance(61_000);
        }
        return post(route, body);
      },
      SETUP_ROUTES,
      { setupCode, username: 'dana' },
      { setupCode },
      PASSWORD,
    );
    assert.equal(late.final.status, 401);
    assert.equal(late.final.json().error.code, 'REGISTRATION_EXPIRED');
    assert.equal(userCount(t), 0);
    assert.equal((await post(SETUP_ROUTES.finish, kept!)).status, 401, 'a spent step stays spent');
    assert.equal(userCount(t), 0);
    assert.equal(existsSync(setupCodePath(tmp.dir)), true, 'the code is still good for a fresh try');
  });

  it('keeps the same code across a restart, and drops it once an owner exists', async () => {
    const before = code();
    await t.stop();
    t = await startTestHub(tmp.dir);
    assert.equal(code(), before, 'a code already printed stays good after a reboot');
    await addTestUser(t.db, 'owner');
    assert.deepEqual((await call(t.base, 'GET', '/api/setup')).json(), { needed: false });
    await t.stop();
    t = await startTestHub(tmp.dir);
    assert.equal(existsSync(setupCodePath(tmp.dir)), false);
  });

  it('logs where the code is, never the code itself', async () => {
    const dir = path.join(tmp.dir, 'logged');
    const logs = captureLog();
    const hub = new Hub(parseConfig({ dataDir: dir, hub: { host: '127.0.0.1', httpsPort: 0, httpPort: 0 } }), logs.log);
    await hub.start();
    try {
      const written = readFileSync(setupCodePath(dir), 'utf8').trim();
      const text = logs.lines.map((l) => JSON.stringify(l)).join('\n');
      assert.match(text, /first-run setup is waiting/);
      assert.match(text, /porchlight setup code/);
      assert.equal(text.includes(written), false);
      assert.equal(text.includes(normalizeSetupCode(written)), false);
    } finally {
      await hub.stop();
    }
  });

  it('does not accept a code planted in the file after the hub started', async () => {
    writeFileSync(setupCodePath(tmp.dir), 'AAAA-AAAA-AAAA\n');
    const res = await createOwner(t, { setupCode: 'AAAA-AAAA-AAAA', username: 'mallory', password: PASSWORD });
    assert.equal(res.status, 403);
    assert.equal(userCount(t), 0);
  });

  it('prints the code with "porchlight setup code", and says when setup is done', async () => {
    const printed = await runCli(['setup', 'code', '-d', tmp.dir], { env: { ...process.env, PORCHLIGHT_CONFIG: '' } });
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout.trim(), code());
    assert.equal(normalizeSetupCode(printed.stdout), normalizeSetupCode(code()));
    const empty = await runCli(['setup', 'code', '-d', path.join(tmp.dir, 'nothing-here')], { env: { ...process.env, PORCHLIGHT_CONFIG: '' } });
    assert.notEqual(empty.code, 0);
    assert.match(empty.stderr, /start the hub first/);
    await addTestUser(t.db, 'owner');
    const done = await runCli(['setup', 'code', '-d', tmp.dir], { env: { ...process.env, PORCHLIGHT_CONFIG: '' } });
    assert.notEqual(done.code, 0);
    assert.match(done.stderr, /already set up/);
    assert.doesNotMatch(done.stdout + done.stderr, new RegExp(code()));
  });
});

describe('setup codes', () => {
  it('reads the same however it is typed', () => {
    const c = newSetupCode();
    assert.equal(normalizeSetupCode(c.toLowerCase().replace(/-/g, '  ')), normalizeSetupCode(c));
    assert.equal(normalizeSetupCode('O1IL-oli0'), '01110110');
    assert.notEqual(newSetupCode(), newSetupCode());
  });
});

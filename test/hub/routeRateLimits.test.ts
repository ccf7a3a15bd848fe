import { strict as assert } from 'node:assert';
import { useTempDir } from '../helpers/tmp';
import { call, type TestResponse } from '../helpers/https';
import { JSON_HEADERS, startTestHub, type TestHub } from '../helpers/hub';

/*
 * docs/security.md: "Rate limits per address on pairing, invitation and upload routes, and on
 * sign-in (on top of the lockout)". The buckets themselves are tested in rateLimit.test.ts; here
 * a real hub is flooded from one address on routes the sign-in lockout does not cover, so only
 * the rate limit can stop the flood. (Pairing's own flood is in deviceTokens.test.ts.)
 */
describe('rate limits at the routes: one address flooding is told to wait, others are not', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;
  beforeEach(async () => {
    t = await startTestHub(tmp.dir);
  });
  afterEach(async () => t.stop());

  /** Sends `n` requests from `localAddress`, one after another; returns their answers. */
  async function flood(n: number, localAddress: string, send: (localAddress: string) => Promise<TestResponse>): Promise<TestResponse[]> {
    const answers: TestResponse[] = [];
    for (let i = 0; i < n; i++) answers.push(await send(localAddress));
    return answers;
  }

  function assertLimitedAfter(answers: TestResponse[], allowed: number, label: string): void {
    assert.deepEqual(
      answers.map((a) => a.status === 429),
      answers.map((_, i) => i >= allowed),
      `${label}: ${answers.map((a) => a.status).join(' ')}`,
    );
    const limited = answers[allowed]!;
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) >= 1, 'says how long to wait');
  }

  it('password-reset requests (a sign-in route the lockout does not count): 20, then 429 with Retry-After', async () => {
    // Made-up names, as someone fishing for accounts or filling mailboxes would send.
    const ask = (localAddress: string) =>
      call(t.base, 'POST', '/api/password-reset/request', { body: JSON.stringify({ name: `someone${Math.random().toString(36).slice(2, 8)}` }), headers: JSON_HEADERS, localAddress });
    assertLimitedAfter(await flood(22, '127.0.0.81', ask), 20, 'password reset');
    assert.equal((await ask('127.0.0.82')).status, 200, 'another address is not limited');
  });

  it('invitation codes: 10 guesses, then 429', async () => {
    const guess = (localAddress: string) =>
      // The registration request is never looked at: a wrong code is refused first.
      call(t.base, 'POST', '/api/invitations/accept/start', { body: JSON.stringify({ code: 'x'.repeat(32), username: 'mallory', registrationRequest: 'A'.repeat(43) }), headers: JSON_HEADERS, localAddress });
    const answers = await flood(12, '127.0.0.83', guess);
    assert.ok(answers.slice(0, 10).every((a) => a.status >= 400 && a.status < 429), answers.map((a) => a.status).join(' '));
    assertLimitedAfter(answers, 10, 'invitations');
    assert.notEqual((await guess('127.0.0.84')).status, 429, 'another address is not limited');
  });

  it('clip uploads: 60, then 429, even with no token (the limit comes before authentication)', async () => {
    const upload = (localAddress: string) =>
      call(t.base, 'POST', '/api/device/clips', { body: Buffer.alloc(16), headers: { 'content-type': 'application/octet-stream', authorization: 'Bearer not-a-token' }, localAddress });
    assertLimitedAfter(await flood(62, '127.0.0.85', upload), 60, 'uploads');
    assert.equal((await upload('127.0.0.86')).status, 401, 'another address is not limited');
  });
});

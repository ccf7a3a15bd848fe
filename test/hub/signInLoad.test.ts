import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { useTempDir } from '../helpers/tmp';
import { call, type TestResponse } from '../helpers/https';
import * as opaque from '@serenity-kit/opaque';
import { addLegacyTestUser, JSON_HEADERS, PASSWORDS, startTestHub, type TestHub } from '../helpers/hub';

/*
 * Eight people (or one attacker) signing in at once must not stall the hub: the health check
 * stands for every other request (live view, clip uploads from cameras, the UI).
 */
describe('hub sign-in under load: password hashing stays off the event loop', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;

  beforeEach(async () => {
    t = await startTestHub(tmp.dir);
    await addLegacyTestUser(t.db, 'owner');
  });
  afterEach(async () => t.stop());

  async function healthLatencies(until: Promise<unknown>): Promise<number[]> {
    const latencies: number[] = [];
    let done = false;
    void until.finally(() => (done = true));
    while (!done) {
      const started = performance.now();
      const res = await call(t.base, 'GET', '/api/health');
      assert.equal(res.status, 200);
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
    return latencies;
  }

  /**
   * The sign-in of an account from before OPAQUE, the one path where the hub still runs Argon2id.
   * The browser's own OPAQUE key stretching is skipped (it would run on this test process, which
   * is also the hub's): it cannot open a fake KE2 anyway.
   */
  async function legacySignIn(localAddress: string): Promise<TestResponse> {
    await opaque.ready;
    const { startLoginRequest } = opaque.client.startLogin({ password: PASSWORDS.owner });
    const start = await call(t.base, 'POST', '/api/login/start', { body: JSON.stringify({ username: 'owner', startLoginRequest }), headers: JSON_HEADERS, localAddress });
    assert.equal(start.status, 200, start.body.toString());
    return call(t.base, 'POST', '/api/login/legacy', { body: JSON.stringify({ loginId: start.json().loginId, password: PASSWORDS.owner }), headers: JSON_HEADERS, localAddress });
  }

  // Eight people, eight addresses: one address may have at most five sign-ins under way (the lockout counts them).
  it('answers /api/health within 200 ms while 8 Argon2id sign-ins run in parallel', async () => {
    const quiet = await healthLatencies(new Promise((r) => setTimeout(r, 300)));
    const signIns = Promise.all(Array.from({ length: 8 }, (_, i) => legacySignIn(`127.0.0.${i + 1}`)));
    const busy = await healthLatencies(signIns);
    for (const res of await signIns) assert.equal(res.status, 200, res.body.toString());
    const worst = Math.max(...busy);
    assert.ok(worst < 200, `/api/health took up to ${worst.toFixed(0)} ms during 8 parallel sign-ins (quiet: up to ${Math.max(...quiet).toFixed(0)} ms)`);
    assert.ok(busy.length >= 3, `the health check was asked ${busy.length} time(s) during the sign-ins`);
  });
});

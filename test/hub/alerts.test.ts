import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { openPairingWindow } from '../../hub/pairing';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { listNotices } from '../../common/notices';
import { verifySignature } from '../../hub/webhooks';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { useTempDir } from '../helpers/tmp';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver';
import { sleep, until } from '../helpers/wait';

describe('alerts: notices by preference with a per-camera cooldown, and signed webhooks', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;
  let owner: SignedIn;
  let member: SignedIn;
  let receiver: WebhookReceiver;
  const received = () => receiver.received;

  beforeEach(async () => {
    receiver = await startWebhookReceiver('/porchlight');
    t = await startTestHub(path.join(tmp.dir, 'hub'));
    await addTestUser(t.db, 'owner');
    await addTestUser(t.db, 'member');
    owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    member = await signIn(t.base, 'member', PASSWORDS.member);
  });
  afterEach(async () => {
    await t.stop();
    await receiver.close();
  });

  const send = (method: string, who: SignedIn, route: string, body: unknown) => call(t.base, method, route, { body: JSON.stringify(body), headers: { ...who.headers, ...JSON_HEADERS } });
  const noticesOf = (name: string) => {
    const { id } = t.db.prepare('SELECT id FROM users WHERE username = ?').get(name) as { id: number };
    return listNotices(t.db, id);
  };

  it('delivers arming changes and motion to a webhook with a valid signature, and tells the household by their preferences', async () => {
    const url = receiver.url;
    const added = await send('POST', owner, '/api/webhooks', { url, events: ['motion.started', 'arming.changed'] });
    assert.equal(added.status, 201, added.body.toString());
    const secret = added.json().secret as string;
    const listed = (await call(t.base, 'GET', '/api/webhooks', { headers: owner.headers })).json();
    assert.ok(!JSON.stringify(listed).includes(secret), 'the secret is shown once, never listed');
    assert.equal((await send('PUT', member, '/api/me/notifications', { motion: 'all' })).status, 200);

    assert.equal((await send('PUT', owner, '/api/arming/mode', { mode: 'armed_away' })).status, 200);
    await until('the arming webhook', () => received().some((r) => r.headers['x-porchlight-event'] === 'arming.changed'));
    const arming = received().find((r) => r.headers['x-porchlight-event'] === 'arming.changed')!;
    assert.ok(verifySignature(secret, String(arming.headers['x-porchlight-timestamp']), arming.body, String(arming.headers['x-porchlight-signature']), Date.now()));
    assert.ok(!verifySignature('another secret', String(arming.headers['x-porchlight-timestamp']), arming.body, String(arming.headers['x-porchlight-signature']), Date.now()));
    assert.equal(JSON.parse(arming.body).data.mode, 'armed_away');
    await until('the member told', () => noticesOf('member').some((n) => n.kind === 'arming'));
    assert.match(noticesOf('member').find((n) => n.kind === 'arming')!.message, /armed \(away\), set by user:owner/);
    assert.ok(!noticesOf('owner').some((n) => n.kind === 'arming'), 'the owner did it: no notice to the owner');

    const pair = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'porch');
    const camera = new HubClient({ ...pair, name: 'porch', hubUrl: t.base });
    try {
      // The cat: five starts a minute apart (not retriggers), one retrigger.
      for (let i = 0; i < 5; i++) {
        await camera.sendEvent({ kind: 'start', mediaTime: i, at: Date.now() });
        await camera.sendEvent({ kind: 'end', mediaTime: i + 1, at: Date.now() });
        t.clock.advance(60_000);
      }
      await camera.sendEvent({ kind: 'start', mediaTime: 9, at: Date.now(), retrigger: true });
      await until('motion webhooks', () => received().filter((r) => r.headers['x-porchlight-event'] === 'motion.started').length === 5);
      await sleep(300);
      assert.equal(received().filter((r) => r.headers['x-porchlight-event'] === 'motion.started').length, 5, 'a retrigger is not a new event');
      assert.equal(noticesOf('member').filter((n) => n.kind === 'motion').length, 1, 'one notice per camera per 5 minutes, not five');
      // After the cooldown, the next start is told again.
      t.clock.advance(5 * 60_000);
      await camera.sendEvent({ kind: 'start', mediaTime: 20, at: Date.now() });
      await until('the second notice', () => noticesOf('member').filter((n) => n.kind === 'motion').length === 2);
    } finally {
      camera.close();
    }
  });

  it('refuses bad webhooks and preferences with a clear 400', async () => {
    const cases: Array<[unknown, string]> = [
      [{ url: 'http://example.com/hook', events: ['motion.started'] }, 'BAD_WEBHOOK_URL'],
      [{ url: 'ftp://192.168.1.2/hook', events: ['motion.started'] }, 'BAD_WEBHOOK_URL'],
      [{ url: 'https://example.com/hook', events: ['motion.sometimes'] }, 'UNKNOWN_EVENT'],
    ];
    for (const [body, code] of cases) {
      const res = await send('POST', owner, '/api/webhooks', body);
      assert.equal(res.status, 400);
      assert.equal(res.json().error.code, code);
    }
    assert.equal((await send('POST', member, '/api/webhooks', { url: 'https://example.com/h', events: ['motion.started'] })).status, 403);
    const prefs = await send('PUT', member, '/api/me/notifications', { motion: 'sometimes' });
    assert.equal(prefs.status, 400);
    assert.match(prefs.json().error.message, /motion/);
    assert.deepEqual((await call(t.base, 'GET', '/api/webhooks', { headers: owner.headers })).json().webhooks, []);
  });
});

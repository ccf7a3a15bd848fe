import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call, type TestResponse } from '../helpers/https';
import { useTempDir } from '../helpers/tmp';

const HOME = { lat: 52.52, lon: 13.405 };
const FAR = { lat: 52.53, lon: 13.405 }; // about 1.1 km north

describe('geofencing: browser and OwnTracks reports arm the home when everyone has left and disarm when the first arrives', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;
  let owner: SignedIn;
  let member: SignedIn;

  beforeEach(async () => {
    t = await startTestHub(path.join(tmp.dir, 'hub'));
    await addTestUser(t.db, 'owner');
    await addTestUser(t.db, 'member');
    owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    member = await signIn(t.base, 'member', PASSWORDS.member);
  });
  afterEach(async () => t.stop());

  const send = (method: string, who: SignedIn, route: string, body: unknown) => call(t.base, method, route, { body: JSON.stringify(body), headers: { ...who.headers, ...JSON_HEADERS } });
  const owntracks = (creds: { username: string; password: string }, body: unknown, extra: Record<string, string> = {}): Promise<TestResponse> =>
    call(t.base, 'POST', '/api/owntracks', {
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { ...JSON_HEADERS, authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`, ...extra },
    });
  const mode = async () => (await call(t.base, 'GET', '/api/arming', { headers: owner.headers })).json() as { mode: string; cause: Record<string, unknown> };
  const tst = () => Math.floor(t.clock.now() / 1000);

  async function setUp(): Promise<{ username: string; password: string }> {
    assert.equal((await send('PUT', owner, '/api/arming/settings', { home: HOME, radiusM: 100, geofenceEnabled: true })).status, 200);
    assert.equal((await send('PUT', owner, '/api/me/geofence', { enabled: true })).status, 200);
    assert.equal((await send('PUT', member, '/api/me/geofence', { enabled: true })).status, 200);
    const creds = await send('POST', member, '/api/me/geofence/owntracks', {});
    assert.equal(creds.status, 200);
    return creds.json() as { username: string; password: string };
  }

  it('arms away when the last member leaves, disarms when one arrives, and says who', async () => {
    const phone = await setUp();
    // The owner's browser: leaving.
    assert.equal((await send('POST', owner, '/api/me/location', { ...FAR, accuracy: 20 })).json().presence, 'away');
    assert.equal((await mode()).mode, 'disarmed', 'the member has not left yet (unknown): no arming');
    // The member's OwnTracks app: leaving too.
    const left = await owntracks(phone, { _type: 'location', ...FAR, acc: 15, tst: tst(), topic: 'owntracks/member/phone' });
    assert.equal(left.status, 200);
    assert.deepEqual(left.json(), []);
    let m = await mode();
    assert.equal(m.mode, 'armed_away');
    assert.deepEqual(m.cause, { source: 'geofence', member: 'member' });
    // GPS jitter at the edge (within the leaving margin) while away: no change.
    t.clock.advance(60_000);
    await owntracks(phone, { _type: 'location', lat: HOME.lat + 0.0012, lon: HOME.lon, acc: 10, tst: tst() }); // ~133 m
    assert.equal((await mode()).mode, 'armed_away');
    // A fix too vague to count is ignored.
    await owntracks(phone, { _type: 'location', ...HOME, acc: 5000, tst: tst() });
    assert.equal((await mode()).mode, 'armed_away');
    // Home: the region transition from the app.
    t.clock.advance(60_000);
    assert.equal((await owntracks(phone, { _type: 'transition', event: 'enter', tst: tst(), lat: HOME.lat, lon: HOME.lon, acc: 10 })).status, 200);
    m = await mode();
    assert.equal(m.mode, 'disarmed');
    assert.deepEqual(m.cause, { source: 'geofence', member: 'member' });
    const status = (await call(t.base, 'GET', '/api/geofence', { headers: owner.headers })).json();
    assert.deepEqual(status.members.map((x: { username: string; presence: string }) => [x.username, x.presence]), [['member', 'home'], ['owner', 'away']]);
    assert.ok(!JSON.stringify(status).includes('52.5'), 'positions never leave the hub');
    const stored = t.db.prepare('SELECT COUNT(*) AS n FROM geofence_members WHERE lat IS NOT NULL').get() as { n: number };
    assert.equal(stored.n, 2, 'one latest position per member, no history');
  });

  it('refuses bad reports with a clear 4xx and changes nothing', async () => {
    const phone = await setUp();
    const before = t.db.prepare('SELECT * FROM geofence_members ORDER BY user_id').all();
    const cases: Array<[string, () => Promise<TestResponse>, number, string]> = [
      ['latitude out of range', () => send('POST', owner, '/api/me/location', { lat: 95, lon: 0, accuracy: 10 }), 400, 'BAD_LATITUDE'],
      ['longitude out of range', () => owntracks(phone, { _type: 'location', lat: 0, lon: 200, acc: 10, tst: tst() }), 400, 'BAD_LONGITUDE'],
      ['no accuracy', () => owntracks(phone, { _type: 'location', lat: 1, lon: 1, tst: tst() }), 400, 'BAD_ACCURACY'],
      ['latitude as text', () => owntracks(phone, { _type: 'location', lat: '52.5', lon: 13.4, acc: 10, tst: tst() }), 400, 'BAD_LATITUDE'],
      ['no time', () => owntracks(phone, { _type: 'location', lat: 1, lon: 1, acc: 10 }), 400, 'BAD_TIME'],
      ['a fix from the future', () => owntracks(phone, { _type: 'location', lat: 1, lon: 1, acc: 10, tst: tst() + 3600 }), 400, 'BAD_TIME'],
      ['a transition that is neither enter nor leave', () => owntracks(phone, { _type: 'transition', event: 'wander', tst: tst() }), 400, 'BAD_EVENT'],
      ['malformed JSON', () => owntracks(phone, '{"_type": "location", "lat": '), 400, 'BAD_JSON'],
      ['no _type', () => owntracks(phone, { lat: 1, lon: 1 }), 400, ''],
      ['wrong token', () => owntracks({ username: 'member', password: 'not-the-token-at-all' }, { _type: 'location', ...FAR, acc: 10, tst: tst() }), 401, 'BAD_CREDENTIALS'],
      ['no credentials', () => call(t.base, 'POST', '/api/owntracks', { body: JSON.stringify({ _type: 'location', ...FAR, acc: 10, tst: tst() }), headers: JSON_HEADERS }), 401, 'BAD_CREDENTIALS'],
      ['posting for another member (topic)', () => owntracks(phone, { _type: 'location', ...FAR, acc: 10, tst: tst(), topic: 'owntracks/owner/phone' }), 403, 'NOT_YOURS'],
      ['posting for another member (header)', () => owntracks(phone, { _type: 'location', ...FAR, acc: 10, tst: tst() }, { 'x-limit-u': 'owner' }), 403, 'NOT_YOURS'],
      ['a viewer sharing a location', async () => {
        await addTestUser(t.db, 'viewer');
        const viewer = await signIn(t.base, 'viewer', PASSWORDS.viewer);
        return send('POST', viewer, '/api/me/location', { ...FAR, accuracy: 10 });
      }, 403, ''],
    ];
    for (const [name, run, status, code] of cases) {
      const res = await run();
      assert.equal(res.status, status, `${name}: ${res.body.toString()}`);
      if (code) assert.equal(res.json().error.code, code, name);
      if (status === 400) assert.ok(res.json().error.message.length > 10, `${name}: a message a person can read`);
    }
    assert.deepEqual(t.db.prepare('SELECT * FROM geofence_members ORDER BY user_id').all(), before);
    assert.equal((await mode()).mode, 'disarmed');
  });

  it('keeps no positions while geofencing is off, and forgets them when it is turned off', async () => {
    await setUp();
    await send('POST', owner, '/api/me/location', { ...FAR, accuracy: 20 });
    assert.equal((await send('PUT', owner, '/api/arming/settings', { geofenceEnabled: false })).status, 200);
    assert.equal((t.db.prepare('SELECT COUNT(*) AS n FROM geofence_members WHERE lat IS NOT NULL').get() as { n: number }).n, 0);
    const res = await send('POST', owner, '/api/me/location', { ...FAR, accuracy: 20 });
    assert.equal(res.status, 409);
    assert.equal(res.json().error.code, 'GEOFENCE_OFF');
  });
});

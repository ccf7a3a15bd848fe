import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { call } from '../helpers/https';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { useTempDir } from '../helpers/tmp';
import { needWg } from '../helpers/wireguard';

/*
 * The Remote access page's routes (docs/remote.md) on a real hub: set up, add a peer (its
 * config and QR code once), list, revoke, each refusal naming the problem. The live tunnel is
 * tested in integration/remoteAccess.test.ts.
 */

describe('remote access routes', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub | undefined;
  const hub = () => t!;
  let owner: SignedIn;

  before(function () {
    needWg(this);
  });
  beforeEach(async () => {
    t = await startTestHub(tmp.dir);
    await addTestUser(t.db, 'owner');
    await addTestUser(t.db, 'member');
    owner = await signIn(t.base, 'owner', PASSWORDS.owner);
  });
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  const send = (method: string, url: string, body?: unknown, who: SignedIn = owner) =>
    call(hub().base, method, url, { headers: { ...who.headers, ...(body === undefined ? {} : JSON_HEADERS) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const dataDir = () => tmp.dir;

  it("names the hub's tunnel address in the browsers' certificate from the first start, so setting up remote access later needs no new CA on the phones", async () => {
    const tls = (file: string) => new X509Certificate(readFileSync(path.join(dataDir(), 'tls', file)));
    const caBefore = tls('household-ca.crt').fingerprint256;
    const setUp = await send('PUT', '/api/remote', { endpoint: 'home.example.net' });
    assert.equal(setUp.status, 200, setUp.body.toString());
    const { hubAddress } = setUp.json().settings;
    assert.ok(tls('browser.crt').subjectAltName!.split(', ').includes(`IP Address:${hubAddress}`), `${hubAddress} in ${tls('browser.crt').subjectAltName}`);
    // The hub starts again (the next boot): the same CA, still covering the tunnel.
    await t!.stop();
    t = await startTestHub(tmp.dir);
    assert.equal(tls('household-ca.crt').fingerprint256, caBefore, 'the phones keep the CA they installed');
    assert.ok(tls('browser.crt').subjectAltName!.split(', ').includes(`IP Address:${hubAddress}`));
  });

  it('refuses to add a peer before the endpoint is set up, saying what to give', async () => {
    assert.deepEqual((await send('GET', '/api/remote')).json(), { settings: null, peers: [] });
    const res = await send('POST', '/api/remote/peers', { name: 'phone' });
    assert.equal(res.status, 409);
    assert.equal(res.json().error.code, 'NOT_SET_UP');
    assert.match(res.json().error.message, /public name or address/);
  });

  it('refuses an endpoint with a port, a bad port and a bad peer name, storing nothing', async () => {
    const withPort = await send('PUT', '/api/remote', { endpoint: 'home.example.net:51820' });
    assert.equal(withPort.status, 400);
    assert.match(withPort.json().error.message, /without a port/);
    assert.equal((await send('PUT', '/api/remote', { endpoint: 'home.example.net', listenPort: 70000 })).status, 400);
    assert.equal((await send('PUT', '/api/remote', { endpoint: 'not a host' })).status, 400);
    assert.equal((await send('GET', '/api/remote')).json().settings, null);
    assert.equal((await send('PUT', '/api/remote', { endpoint: 'home.example.net' })).status, 200);
    const badName = await send('POST', '/api/remote/peers', { name: 'phone\n[Peer]' });
    assert.equal(badName.status, 400);
    assert.deepEqual((await send('GET', '/api/remote')).json().peers, []);
  });

  it('adds a peer once (config, QR code, not cached; the private key kept nowhere), lists it, revokes it, and audits each step', async () => {
    const setUp = await send('PUT', '/api/remote', { endpoint: 'home.example.net', listenPort: 51999 });
    assert.equal(setUp.status, 200, setUp.body.toString());
    const settings = setUp.json().settings;
    assert.match(settings.subnet, /^10\.\d+\.\d+\.0\/24$/);
    assert.equal(settings.hubAddress, settings.subnet.replace('0/24', '1'));
    const conf = path.join(dataDir(), 'wireguard', 'porchlight.conf');
    assert.equal(statSync(conf).mode & 0o777, 0o600);
    assert.equal(statSync(path.join(dataDir(), 'wireguard', 'hub.key')).mode & 0o777, 0o600);

    const added = await send('POST', '/api/remote/peers', { name: "Anna's phone" });
    assert.equal(added.status, 200, added.body.toString());
    assert.equal(added.headers['cache-control'], 'no-store');
    const { peer, config, qrSvg } = added.json();
    assert.match(qrSvg, /^<svg/);
    const privateKey = /^PrivateKey = (\S+)$/m.exec(config)![1]!;
    assert.equal(execFileSync('wg', ['pubkey'], { input: `${privateKey}\n` }).toString().trim(), peer.publicKey, 'the config holds the key the hub knows the public half of');
    assert.match(config, new RegExp(`^Endpoint = home\\.example\\.net:51999$`, 'm'));
    assert.match(config, new RegExp(`^AllowedIPs = ${settings.hubAddress.replace(/\./g, '\\.')}/32$`, 'm'));
    const saved = readFileSync(conf, 'utf8');
    assert.ok(saved.includes(`PublicKey = ${peer.publicKey}`));
    assert.ok(!saved.includes(privateKey) && !JSON.stringify((await send('GET', '/api/remote')).json()).includes(privateKey), 'the private key is in that one answer only');

    assert.equal((await send('POST', '/api/remote/peers', { name: "Anna's phone" })).status, 409, 'names are unique');
    const member = await signIn(hub().base, 'member', PASSWORDS.member);
    assert.equal((await send('DELETE', `/api/remote/peers/${peer.id}`, undefined, member)).status, 403);

    const revoked = await send('DELETE', `/api/remote/peers/${peer.id}`);
    assert.equal(revoked.status, 200);
    assert.deepEqual(revoked.json().peers, []);
    assert.ok(!readFileSync(conf, 'utf8').includes(peer.publicKey), 'gone from the saved config');
    assert.equal((await send('DELETE', `/api/remote/peers/${peer.id}`)).status, 404);

    const audit = hub().db.prepare("SELECT actor, action FROM audit_log WHERE action LIKE 'remote.%' ORDER BY seq").all();
    assert.deepEqual(audit, [
      { actor: 'user:owner', action: 'remote.setup' },
      { actor: 'user:owner', action: 'remote.peer_added' },
      { actor: 'user:owner', action: 'remote.peer_revoked' },
    ]);
  });
});

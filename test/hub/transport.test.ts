import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { useTempDir } from '../helpers/tmp';
import { call } from '../helpers/https';
import { startTestHub, type TestHub } from '../helpers/hub';
import { AGENT_SERVERNAME } from '../../common/protocol';
import { createLogger } from '../../common/logger';
import { ensureHubTls } from '../../hub/certificates';
import { TlsManager } from '../../hub/tlsManager';

/** The certificate a server presents for a given SNI name. */
function presented(port: number, servername?: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      if (cert) resolve(cert);
      else reject(new Error('no certificate'));
    });
    socket.on('error', reject);
  });
}

/** A self-signed certificate made with Debian's openssl, standing in for one from Let's Encrypt. */
function opensslCertificate(dir: string, name: string, days: number): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  const out = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`, '-days', String(days)],
    { encoding: 'utf8' },
  );
  assert.equal(out.status, 0, out.stderr);
  return { cert, key };
}

async function until(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not met in time');
}

describe('hub transport: redirect, certificates', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('answers plain HTTP only with a redirect to HTTPS, sends HSTS, and reports its ports', async () => {
    t = await startTestHub(tmp.dir);
    const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get({ host: '127.0.0.1', port: t!.httpPort!, path: '/api/clips?x=1', headers: { host: `127.0.0.1:${t!.httpPort}` } }, resolve).on('error', reject),
    );
    res.resume();
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, `https://127.0.0.1:${t.httpsPort}/api/clips?x=1`);
    const health = await call(t.base, 'GET', '/api/health');
    assert.match(String(health.headers['strict-transport-security']), /max-age=\d+/);
    assert.deepEqual({ https: health.json().httpsPort, http: health.json().httpPort }, { https: t.httpsPort, http: t.httpPort });
    for (const h of ['content-security-policy', 'referrer-policy', 'x-content-type-options']) assert.ok(health.headers[h], h);
    assert.match(String(health.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(health.headers['referrer-policy'], 'no-referrer');
  });

  it('sends the security headers on every response, refusals and errors included, with a CSP that runs no inline or evaluated script', async () => {
    t = await startTestHub(tmp.dir);
    // What an attacker meets: a missing page, a refused caller, a malformed body, as well as the app itself.
    const answers = [
      await call(t.base, 'GET', '/'),
      await call(t.base, 'GET', '/no/such/page'),
      await call(t.base, 'GET', '/api/clips'),
      await call(t.base, 'POST', '/api/login/start', { body: '{"username":', headers: { 'content-type': 'application/json' } }),
    ];
    assert.deepEqual(answers.map((a) => a.status), [200, 404, 401, 400]);
    for (const a of answers) {
      const csp = String(a.headers['content-security-policy']);
      assert.match(csp, /(^|; )script-src 'self' 'wasm-unsafe-eval'(;|$)/, csp);
      assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|\*/, csp);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(a.headers['x-frame-options'], 'DENY');
      assert.equal(a.headers['x-content-type-options'], 'nosniff');
      assert.equal(a.headers['referrer-policy'], 'no-referrer');
      assert.match(String(a.headers['strict-transport-security']), /max-age=\d+/);
    }
  });

  it("names the hub's host, host.local, localhost and its addresses in the server certificate", async () => {
    t = await startTestHub(tmp.dir);
    const cert = await presented(t.httpsPort);
    const san = cert.subjectAltName ?? '';
    for (const name of [os.hostname(), `${os.hostname()}.local`, 'localhost']) assert.ok(san.includes(`DNS:${name}`), `${name} in ${san}`);
    assert.ok(san.includes('IP Address:127.0.0.1'), san);
  });

  it('renews the server certificates (cameras\' and browsers\') before they expire, each under its same CA', async () => {
    const dir = path.join(tmp.dir, 'tls');
    const manager = new TlsManager(dir, undefined, createLogger('tls-test', 'error'));
    await manager.init();
    const server = https.createServer(manager.serverOptions(), (_q, s) => s.end('ok'));
    manager.attach(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const first = await presented(port, AGENT_SERVERNAME);
      const firstBrowser = await presented(port);
      const expiry = new Date(first.validTo).getTime();
      await manager.reload(new Date(expiry - 10 * 24 * 3600_000)); // ten days before expiry
      const renewed = await presented(port, AGENT_SERVERNAME);
      assert.notEqual(renewed.serialNumber, first.serialNumber, 'a new certificate is served without a restart');
      assert.ok(new Date(renewed.validTo).getTime() > expiry);
      const ca = new X509Certificate(await fs.readFile(path.join(dir, 'ca.crt')));
      assert.ok(renewed.checkIssued(ca) && renewed.verify(ca.publicKey), 'issued by the same hub CA, so paired cameras keep working');
      const browser = await presented(port);
      assert.notEqual(browser.serialNumber, firstBrowser.serialNumber, 'the browser certificate is renewed too, without a restart');
      const household = new X509Certificate(await fs.readFile(path.join(dir, 'household-ca.crt')));
      assert.ok(browser.checkIssued(household) && browser.verify(household.publicKey), 'under the same household CA, so phones keep trusting it');
      const again = await ensureHubTls(dir, new Date(expiry - 10 * 24 * 3600_000));
      assert.equal(new X509Certificate(again.certPem).serialNumber, renewed.serialNumber, 'not renewed twice');
    } finally {
      manager.stop();
      server.close();
    }
  });

  it('serves a user-supplied certificate to browsers without a restart, keeps the hub one for cameras, and refuses a bad pair', async () => {
    const userDir = path.join(tmp.dir, 'letsencrypt');
    await fs.mkdir(userDir);
    const certFile = path.join(userDir, 'fullchain.pem');
    const keyFile = path.join(userDir, 'privkey.pem');
    t = await startTestHub(path.join(tmp.dir, 'hub'), { tls: { certFile, keyFile } });
    const hubCa = new X509Certificate(await fs.readFile(path.join(tmp.dir, 'hub', 'tls', 'ca.crt')));
    const householdCa = new X509Certificate(await fs.readFile(path.join(tmp.dir, 'hub', 'tls', 'household-ca.crt')));
    assert.ok((await presented(t.httpsPort, 'home.example')).checkIssued(householdCa), 'no user certificate yet: the household CA\'s one is used');

    const good = opensslCertificate(userDir, 'home.example', 90);
    await fs.copyFile(good.key, keyFile);
    await fs.copyFile(good.cert, certFile);
    await until(async () => (await presented(t!.httpsPort, 'home.example')).subject.includes('CN=home.example'));
    assert.ok((await presented(t.httpsPort)).subject.includes('CN=home.example'), 'also without SNI');
    assert.ok((await presented(t.httpsPort, AGENT_SERVERNAME)).checkIssued(hubCa), 'cameras still get the certificate they pinned');

    // A key that does not belong to the certificate is refused; the working pair stays.
    const other = opensslCertificate(userDir, 'other.example', 90);
    await fs.copyFile(other.key, keyFile);
    await new Promise((r) => setTimeout(r, 5000));
    assert.ok((await presented(t.httpsPort, 'home.example')).subject.includes('CN=home.example'));
    assert.equal((await call(t.base, 'GET', '/api/health')).status, 200, 'the hub keeps serving');
  });
});

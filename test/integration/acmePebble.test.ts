import { strict as assert } from 'node:assert';
import { statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { hubPaths } from '../../common/dataLayout';
import { acmePaths } from '../../hub/acme/acmeStore';
import { runCli } from '../helpers/cli';
import { captureLog } from '../helpers/logCapture';
import { FakeClock, addTestUser, startTestHub, type TestHub } from '../helpers/hub';
import { pebbleInstalled, startPebble, type PebbleStack } from '../helpers/pebble';
import { freePort } from '../helpers/ports';
import { skipBecause } from '../helpers/skip';
import { useSharedTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/*
 * The hub's certificate from an ACME server, end to end against Pebble (Let's Encrypt's test
 * server) on loopback: issued through http-01 and dns-01, served without a restart to a
 * client that trusts only Pebble's root, renewed when it nears expiry, and kept when a
 * renewal fails.
 */

const DAY = 24 * 3600 * 1000;

/** The certificate the hub presents for `servername`, verified against `root` and the name. */
function served(port: number, servername: string, root: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername, ca: root }, () => {
      const cert = s.getPeerX509Certificate();
      s.end();
      if (!cert) return reject(new Error('no certificate'));
      resolve(cert);
    });
    s.once('error', reject);
  });
}

function plainGet(port: number, urlPath: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: urlPath, headers: { host: 'cameras.porchlight.test' } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    })
      .on('error', reject)
      .end();
  });
}

/** A dns-01 hook as an owner would write one, here for challtestsrv's API instead of a DNS provider's. */
function writeHook(dir: string, name: string, managementUrl: string, publish: 'the value' | 'a wrong value'): string {
  const file = path.join(dir, name);
  const value = publish === 'the value' ? 'value' : "'not-the-key-authorization'";
  writeFileSync(
    file,
    `#!${process.execPath}
const [action, record, value] = process.argv.slice(2);
const body = action === 'set' ? { host: record + '.', value: ${value} } : { host: record + '.' };
fetch('${managementUrl}/' + (action === 'set' ? 'set-txt' : 'clear-txt'), { method: 'POST', body: JSON.stringify(body) })
  .then((r) => { if (!r.ok) { console.error('DNS API said ' + r.status); process.exit(1); } })
  .catch((e) => { console.error(e.message); process.exit(1); });
`,
    { mode: 0o755 },
  );
  return file;
}

describe('certificate from an ACME server (Pebble)', function () {
  this.timeout(120_000);
  const tmp = useSharedTempDir('porchlight-acme-');
  let pebble: PebbleStack;
  let root: string;
  let hubHttpPort: number;
  let running: TestHub | null = null;

  before(async function () {
    if (!pebbleInstalled()) skipBecause(this, "Debian's pebble is not installed (scripts/test-setup.sh installs it)");
    hubHttpPort = await freePort();
    pebble = await startPebble(tmp.dir, hubHttpPort);
    root = await pebble.issuingRoot();
  });

  after(async () => {
    await running?.stop();
    await pebble?.close();
  });

  afterEach(async () => {
    await running?.stop();
    running = null;
  });

  const acmeSettings = (extra: Record<string, unknown>) => ({ directoryUrl: pebble.directoryUrl, caFile: pebble.caFile, ...extra });

  it('http-01: the hub answers the challenge on its plain-HTTP port and serves the issued certificate without a restart', async () => {
    const domain = 'cameras.porchlight.test';
    await pebble.manage('/add-a', { host: `${domain}.`, addresses: ['127.0.0.1'] });
    const dir = path.join(tmp.dir, 'http01');
    running = await startTestHub(dir, { httpPort: hubHttpPort, acme: acmeSettings({ domains: [domain], challenge: 'http-01' }) });
    const t = running;
    const cert = await until('the Pebble certificate served', async () => {
      const c = await served(t.httpsPort, domain, root).catch(() => null);
      return c && c.issuer.includes('Pebble') ? c : null;
    }, 60_000, 250);
    assert.ok(cert.subjectAltName?.includes(`DNS:${domain}`), cert.subjectAltName);
    assert.equal(t.hub.acme?.record.failures, 0);
    const files = acmePaths(hubPaths(dir).acme);
    assert.equal(statSync(files.accountKey).mode & 0o777, 0o600, 'the account key is the hub user\'s alone');
    assert.equal(statSync(files.keyFile).mode & 0o777, 0o600, 'the certificate key is the hub user\'s alone');
    // The plain-HTTP server answers only challenges of open orders; everything else goes to HTTPS.
    assert.equal((await plainGet(t.httpPort!, '/.well-known/acme-challenge/made-up-token')).status, 404);
    const other = await plainGet(t.httpPort!, '/login');
    assert.equal(other.status, 301);
    assert.match(other.location ?? '', /^https:\/\/cameras\.porchlight\.test:\d+\/login$/);

    // The console reads the same state, and has the running hub renew at once.
    const configFile = path.join(tmp.dir, 'http01.json');
    writeFileSync(configFile, JSON.stringify({ dataDir: dir, hub: { acme: acmeSettings({ domains: [domain], challenge: 'http-01' }) } }));
    const status = await runCli(['acme', 'status', '--config', configFile]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /certificate: +for cameras\.porchlight\.test, expires/);
    assert.match(status.stdout, /last attempt: .* succeeded/);
    const renew = await runCli(['acme', 'renew', '--config', configFile, '--wait', '60']);
    assert.equal(renew.code, 0, renew.stderr);
    assert.match(renew.stdout, /^renewed: the hub serves a certificate for cameras\.porchlight\.test until /);
    const renewed = await served(t.httpsPort, domain, root);
    assert.notEqual(renewed.serialNumber, cert.serialNumber, 'the certificate ordered from the console is served');
  });

  let dnsDir = '';
  let dnsCert: X509Certificate | null = null;

  it('dns-01: the hook publishes the TXT record and the hub serves the issued certificate; near expiry it renews', async () => {
    const domain = 'private-hub.porchlight.test';
    dnsDir = path.join(tmp.dir, 'dns01');
    const hook = writeHook(tmp.dir, 'dns-hook', pebble.managementUrl, 'the value');
    const clock = new FakeClock();
    running = await startTestHub(dnsDir, { redirectHttp: false, acme: acmeSettings({ domains: [domain], challenge: 'dns-01', dnsHook: hook }) }, clock);
    const t = running;
    const first = await until('the Pebble certificate served', async () => {
      const c = await served(t.httpsPort, domain, root).catch(() => null);
      return c && c.issuer.includes('Pebble') ? c : null;
    }, 60_000, 250);
    assert.equal(t.hub.acme?.record.lastError, null);

    // Not yet due: a check orders nothing.
    assert.equal(await t.hub.acme.check(), null);
    // 29 days before it expires it is due: the timer's check renews and the new one is served.
    clock.t = Date.parse(first.validTo) - 29 * DAY;
    const outcome = await t.hub.acme.check();
    assert.deepEqual(outcome, { renewed: true, error: null });
    const second = await served(t.httpsPort, domain, root);
    assert.notEqual(second.serialNumber, first.serialNumber, 'the renewed certificate is served');
    assert.ok(second.issuer.includes('Pebble'));
    dnsCert = second;
  });

  it('a renewal whose DNS hook publishes the wrong record keeps the old certificate serving, says why, and tells the owners after repeated failures', async function () {
    if (!dnsCert) skipBecause(this, 'the dns-01 test did not leave a certificate to renew');
    const domain = 'private-hub.porchlight.test';
    const hook = writeHook(tmp.dir, 'wrong-dns-hook', pebble.managementUrl, 'a wrong value');
    // Past the renewal date of the certificate the dns-01 test left.
    const clock = new FakeClock(Date.parse(dnsCert.validTo) - 10 * DAY);
    const capture = captureLog();
    running = await startTestHub(dnsDir, { redirectHttp: false, acme: acmeSettings({ domains: [domain], challenge: 'dns-01', dnsHook: hook }) }, clock, {}, null, capture.log);
    const t = running;
    await addTestUser(t.db, 'owner');
    const acme = t.hub.acme!;
    await until('the first renewal attempt failed', () => (acme.record.failures >= 1 ? true : null), 60_000, 100);
    assert.match(acme.record.lastError ?? '', /TXT|DNS|dns|record/);
    const still = await served(t.httpsPort, domain, root);
    assert.equal(still.fingerprint256, dnsCert.fingerprint256, 'the old certificate is still served');

    for (const expected of [2, 3]) {
      const outcome = await acme.check();
      assert.equal(outcome?.renewed, false);
      assert.equal(acme.record.failures, expected);
    }
    const notices = t.db.prepare("SELECT message FROM notifications WHERE kind = 'certificate-renewal-failed'").all() as Array<{ message: string }>;
    assert.equal(notices.length, 1, 'the owner is told once');
    assert.match(notices[0]!.message, /private-hub\.porchlight\.test/);
    assert.match(notices[0]!.message, /stays in use until it expires/);
    assert.ok(capture.messages('error').includes('certificate renewal failed; the current certificate stays in use'));
    const status = t.hub.acme!.record;
    assert.ok(status.lastError);
    assert.equal((await served(t.httpsPort, domain, root)).fingerprint256, dnsCert.fingerprint256);
  });
});

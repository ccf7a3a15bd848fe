import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import * as plist from 'plist';
import { useTempDir } from '../helpers/tmp';
import { call } from '../helpers/https';
import { startTestHub, type TestHub } from '../helpers/hub';
import { AGENT_SERVERNAME } from '../../common/protocol';
import { openPairingWindow } from '../../hub/pairing';
import { pairWithHub, HubClient } from '../../camera-agent/hubClient';

/** Connects as a browser that trusts only `ca` would, checking the name too; resolves with the error, if any. */
function connectTrusting(port: number, ca: string, servername: string): Promise<Error | null> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ca, minVersion: 'TLSv1.2' }, () => {
      socket.end();
      resolve(null);
    });
    socket.on('error', resolve);
  });
}

describe('household CA: downloads, and cameras across the upgrade', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub | undefined;
  let client: HubClient | undefined;
  afterEach(async () => {
    client = undefined;
    await t?.stop();
    t = undefined;
  });

  it('offers the CA to anyone as DER (.crt), an iOS profile and PEM, with its fingerprint, and browsers get a certificate it issued', async () => {
    t = await startTestHub(tmp.dir);
    const caPem = await fs.readFile(path.join(tmp.dir, 'tls', 'household-ca.crt'), 'utf8');
    const ca = new X509Certificate(caPem);
    const base = `porchlight-${os.hostname().toLowerCase().replace(/[^a-z0-9-]+/g, '-')}-ca`;

    const facts = await call(t.base, 'GET', '/api/household-ca');
    assert.equal(facts.status, 200, 'no sign-in needed: first-run setup shows it');
    assert.equal(facts.json().fingerprint, ca.fingerprint256);
    assert.equal(facts.json().inUse, true);
    assert.ok(facts.json().permitted.includes('localhost') && facts.json().permitted.includes('127.0.0.0/8'));

    const crt = await call(t.base, 'GET', '/household-ca.crt');
    assert.equal(crt.status, 200);
    assert.equal(crt.headers['content-type'], 'application/x-x509-ca-cert');
    assert.equal(crt.headers['content-disposition'], `attachment; filename="${base}.crt"`);
    assert.deepEqual(crt.body, ca.raw, 'the DER of the CA');

    const profile = await call(t.base, 'GET', '/household-ca.mobileconfig');
    assert.equal(profile.headers['content-type'], 'application/x-apple-aspen-config');
    assert.equal(profile.headers['content-disposition'], `attachment; filename="${base}.mobileconfig"`);
    const doc = plist.parse(profile.body.toString('utf8')) as { PayloadContent: Array<{ PayloadType: string; PayloadContent: Buffer }> };
    assert.equal(doc.PayloadContent[0]!.PayloadType, 'com.apple.security.root');
    assert.deepEqual(doc.PayloadContent[0]!.PayloadContent, ca.raw);

    const pem = await call(t.base, 'GET', '/household-ca.pem');
    assert.equal(pem.headers['content-disposition'], `attachment; filename="${base}.pem"`);
    assert.equal(pem.body.toString('utf8'), caPem);

    // A browser that installed it reaches the hub by its names, checked as browsers check them.
    for (const name of ['localhost', `${os.hostname()}.local`]) assert.equal(await connectTrusting(t.httpsPort, caPem, name), null, name);
  });

  it('keeps paired cameras working when a hub from before the household CA is upgraded', async () => {
    t = await startTestHub(tmp.dir);
    const paired = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'porch');
    await t.stop();
    t = undefined;
    // The hub dir as an older release left it: the cameras' CA, no household CA.
    for (const f of ['household-ca.crt', 'household-ca.key', 'browser.crt', 'browser.key']) await fs.rm(path.join(tmp.dir, 'tls', f));

    t = await startTestHub(tmp.dir);
    client = new HubClient({ ...paired, name: 'porch', hubUrl: t.base });
    await client.sendHealth({ state: 'streaming', since: Date.now(), failures: 0, detail: null });
    const household = await fs.readFile(path.join(tmp.dir, 'tls', 'household-ca.crt'), 'utf8');
    assert.notEqual(new X509Certificate(household).fingerprint256, paired.caFingerprint);
    assert.equal(new X509Certificate(await fs.readFile(path.join(tmp.dir, 'tls', 'ca.crt'))).fingerprint256, paired.caFingerprint, 'the pinned CA is unchanged');
    // The camera's CA is not what browsers get, and the household CA is not what cameras get.
    assert.ok((await connectTrusting(t.httpsPort, paired.caPem, 'localhost')) instanceof Error);
    const agentCert = await new Promise<X509Certificate>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: t!.httpsPort, servername: AGENT_SERVERNAME, rejectUnauthorized: false }, () => {
        resolve(s.getPeerX509Certificate()!);
        s.end();
      });
      s.on('error', reject);
    });
    assert.ok(agentCert.checkIssued(new X509Certificate(paired.caPem)));
  });

  it('a server showing a certificate for www.google.com signed with the household key is refused by a client that trusts the household CA', async () => {
    t = await startTestHub(tmp.dir);
    const dir = path.join(tmp.dir, 'tls');
    const caPem = await fs.readFile(path.join(dir, 'household-ca.crt'), 'utf8');
    const run = (args: string[]) => {
      const r = spawnSync('openssl', args, { cwd: tmp.dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    /** The attacker's move: sign a certificate for `name` with the stolen household key, and serve it. */
    const serveSigned = async (name: string): Promise<Error | null> => {
      await fs.writeFile(path.join(tmp.dir, `${name}.ext`), `basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${name}\n`);
      // The subject the CA permits (its O=, then the name), so that only the DNS name is on trial.
      const tag = /household CA \S+ ([0-9a-f]{6})/.exec(new X509Certificate(caPem).subject)?.[1];
      run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-subj', `/O=Porchlight household ${tag}/CN=${name}`, '-out', `${name}.csr`]);
      run(['x509', '-req', '-in', `${name}.csr`, '-CA', path.join(dir, 'household-ca.crt'), '-CAkey', path.join(dir, 'household-ca.key'), '-set_serial', '9', '-days', '30', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
      const server = tls.createServer({ key: await fs.readFile(path.join(tmp.dir, `${name}.key`)), cert: (await fs.readFile(path.join(tmp.dir, `${name}.crt`), 'utf8')) + caPem }, (s) => s.end());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        return await connectTrusting((server.address() as { port: number }).port, caPem, name);
      } finally {
        server.close();
      }
    };
    // The control: the same move for a name the CA covers is accepted, so the refusal is the name constraint's.
    assert.equal(await serveSigned('localhost'), null);
    const err = await serveSigned('www.google.com');
    assert.ok(err, 'the connection must be refused');
    // Node names OpenSSL's X509_V_ERR_PERMITTED_VIOLATION "UNSPECIFIED".
    assert.match(String((err as NodeJS.ErrnoException).code ?? err.message), /UNSPECIFIED|SUBTREE/i);
  });
});

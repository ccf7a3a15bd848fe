import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as plist from 'plist';
import { useTempDir } from '../helpers/tmp';
import { ensureHubTls } from '../../hub/certificates';
import { ensureHouseholdTls, type Machine } from '../../hub/householdCa';
import { mobileconfig } from '../../hub/caProfile';
import { parseExtraName } from '../../common/householdNames';

const PI: Machine = {
  host: 'porchpi',
  interfaces: { eth0: [{ address: '192.168.1.23', cidr: '192.168.1.23/24', internal: false }] },
};
const DAY = 24 * 3600_000;

function openssl(args: string[], cwd: string): { ok: boolean; out: string } {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/** What an attacker holding the household CA's key does: sign a certificate of their choosing with it. */
async function signWithHouseholdKey(dir: string, name: string, ext: string, issuer = 'household-ca', subject?: string): Promise<string> {
  await fs.writeFile(path.join(dir, `${name}.ext`), ext);
  // By default the subject the CA permits (its O=, then a CN), so that only the SAN or the EKU is on trial.
  const tag = /household CA \S+ ([0-9a-f]{6})/.exec(new X509Certificate(await fs.readFile(path.join(dir, 'household-ca.crt'))).subject)?.[1];
  const subj = subject ?? `/O=Porchlight household ${tag}/CN=${name}`;
  const made = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-subj', subj, '-out', `${name}.csr`], dir);
  assert.ok(made.ok, made.out);
  const signed = openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-set_serial', '7', '-days', '30', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
  assert.ok(signed.ok, signed.out);
  return `${name}.crt`;
}

const LEAF = (san: string) => `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`;

describe('household CA: name-constrained, for phones', function () {
  this.timeout(30_000);
  const tmp = useTempDir();

  it('issues a browser certificate that chains to it; the CA is critical-name-constrained to the hub, pathLen 0', async () => {
    const h = await ensureHouseholdTls(tmp.dir, [], new Date(), PI);
    const text = openssl(['x509', '-in', 'household-ca.crt', '-noout', '-text'], tmp.dir).out;
    assert.match(text, /X509v3 Name Constraints: critical\s+Permitted:/);
    for (const p of ['DNS:porchpi', 'DNS:porchpi.local', 'DNS:localhost', 'IP:127.0.0.0/255.0.0.0', 'IP:192.168.1.0/255.255.255.0']) assert.ok(text.includes(p), `${p} in\n${text}`);
    assert.match(text, /CA:TRUE, pathlen:0/);
    for (const [flag, value] of [['-verify_hostname', 'porchpi.local'], ['-verify_hostname', 'porchpi'], ['-verify_ip', '192.168.1.23'], ['-verify_ip', '127.0.0.1']] as const) {
      const v = openssl(['verify', '-CAfile', 'household-ca.crt', '-purpose', 'sslserver', flag, value, 'browser.crt'], tmp.dir);
      assert.ok(v.ok && /browser\.crt: OK/.test(v.out), `${value}: ${v.out}`);
    }
    assert.deepEqual(h.uncovered, []);
  });

  it("refuses what an attacker signs with the CA's key for another site: a name, a public address, or through an intermediate CA", async () => {
    await ensureHouseholdTls(tmp.dir, [], new Date(), PI);
    // The control: the same move for the hub's own name passes, so the refusals below are the constraint at work.
    const own = await signWithHouseholdKey(tmp.dir, 'own', LEAF('DNS:porchpi.local'));
    assert.ok(openssl(['verify', '-CAfile', 'household-ca.crt', own], tmp.dir).ok);

    for (const [name, san] of [
      ['google', 'DNS:www.google.com'],
      ['bank-ip', 'IP:8.8.8.8'],
      ['neighbour', 'IP:192.168.2.1'],
      ['sneaky', 'DNS:porchpi.local,DNS:www.google.com'],
    ] as const) {
      const crt = await signWithHouseholdKey(tmp.dir, name, LEAF(san));
      const v = openssl(['verify', '-CAfile', 'household-ca.crt', crt], tmp.dir);
      assert.ok(!v.ok, `${san} must be refused: ${v.out}`);
      assert.match(v.out, /permitted subtree violation/, san);
    }

    // An intermediate CA signed with the key, then a certificate for another site under it.
    await signWithHouseholdKey(tmp.dir, 'intermediate', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
    const below = await signWithHouseholdKey(tmp.dir, 'below', LEAF('DNS:www.google.com'), 'intermediate');
    const v = openssl(['verify', '-CAfile', 'household-ca.crt', '-untrusted', 'intermediate.crt', below], tmp.dir);
    assert.ok(!v.ok, v.out);
    assert.match(v.out, /path length constraint exceeded|permitted subtree violation/);
  });

  it("refuses an S/MIME or client certificate an attacker signs with the CA's key: the CA is for TLS servers only, and constrains every name type", async () => {
    const h = await ensureHouseholdTls(tmp.dir, [], new Date(), PI);
    const text = openssl(['x509', '-in', 'household-ca.crt', '-noout', '-text'], tmp.dir).out;
    assert.match(text, /X509v3 Extended Key Usage:\s+TLS Web Server Authentication\n/);
    for (const p of ['email:invalid', 'URI:invalid', 'DirName:O = Porchlight household']) assert.ok(text.includes(p), `${p} in\n${text}`);
    // Our own browser certificate still verifies, its subject below the permitted O=.
    const own = openssl(['verify', '-CAfile', 'household-ca.crt', '-purpose', 'sslserver', '-verify_hostname', 'porchpi.local', 'browser.crt'], tmp.dir);
    assert.ok(own.ok, own.out);
    assert.match(new X509Certificate(h.certPem).subject, /^O=Porchlight household [0-9a-f]{6}\nCN=porchpi$/);

    // The attacker's move: a certificate for the bank CEO's mailbox, for signing mail and for logging in.
    const smime = await signWithHouseholdKey(
      tmp.dir,
      'smime',
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection,clientAuth\nsubjectAltName=email:ceo@bank.example\n',
    );
    for (const purpose of ['smimesign', 'smimeencrypt', 'sslclient']) {
      const v = openssl(['verify', '-CAfile', 'household-ca.crt', '-purpose', purpose, smime], tmp.dir);
      assert.ok(!v.ok, `${purpose}: ${v.out}`);
    }
    // The EKU lock alone: a mailbox the constraints let through (…@invalid) is still refused for mail and client use, at the CA.
    const nowhere = await signWithHouseholdKey(tmp.dir, 'nowhere', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection,clientAuth\nsubjectAltName=email:x@invalid\n');
    assert.ok(openssl(['verify', '-CAfile', 'household-ca.crt', nowhere], tmp.dir).ok, 'the control: its names pass');
    for (const purpose of ['smimesign', 'sslclient']) {
      const v = openssl(['verify', '-CAfile', 'household-ca.crt', '-purpose', purpose, nowhere], tmp.dir);
      assert.ok(!v.ok && /at 1 depth lookup: unsuitable certificate purpose/.test(v.out), `${purpose}: ${v.out}`);
    }
    // Without a purpose (no EKU check), the name constraints alone refuse the mailbox.
    const anyPurpose = openssl(['verify', '-CAfile', 'household-ca.crt', smime], tmp.dir);
    assert.ok(!anyPurpose.ok && /permitted subtree violation/.test(anyPurpose.out), anyPurpose.out);
    // And a URI name or a made-up subject DN, each alone.
    for (const [name, ext, subject] of [
      ['uri', LEAF('URI:https://bank.example/'), undefined],
      ['dirname', LEAF('DNS:porchpi.local'), '/O=Bank of Example/CN=porchpi.local'],
    ] as const) {
      const v = openssl(['verify', '-CAfile', 'household-ca.crt', await signWithHouseholdKey(tmp.dir, name, ext, 'household-ca', subject)], tmp.dir);
      assert.ok(!v.ok && /permitted subtree violation/.test(v.out), `${name}: ${v.out}`);
    }
  });

  it('replaces a household CA made without the serverAuth EKU and full constraints (never released) with one that has them', async () => {
    const first = await ensureHouseholdTls(tmp.dir, [], new Date(), PI);
    // A CA as made before this change: same key, no EKU, DNS and IP subtrees only.
    const old = openssl(
      ['req', '-x509', '-new', '-key', 'household-ca.key', '-subj', '/CN=Porchlight household CA porchpi 000000/O=Porchlight', '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'nameConstraints=critical,permitted;DNS:porchpi,permitted;IP:192.168.1.0/255.255.255.0,permitted;IP:127.0.0.0/255.0.0.0', '-out', 'household-ca.crt'],
      tmp.dir,
    );
    assert.ok(old.ok, old.out);
    const again = await ensureHouseholdTls(tmp.dir, [], new Date(), PI);
    assert.ok(again.newCa);
    assert.notEqual(again.caFingerprint, first.caFingerprint);
    assert.match(openssl(['x509', '-in', 'household-ca.crt', '-noout', '-text'], tmp.dir).out, /Extended Key Usage:\s+TLS Web Server Authentication/);
    assert.equal((await ensureHouseholdTls(tmp.dir, [], new Date(), PI)).newCa, false);
  });

  it('re-issues the browser certificate under the same CA for a new DHCP address and before expiry; leaves out an address on another network', async () => {
    const first = await ensureHouseholdTls(tmp.dir, [], new Date(), PI);
    const lease = (address: string): Machine => ({ host: 'porchpi', interfaces: { eth0: [{ address, cidr: `${address}/24`, internal: false }] } });
    const moved = await ensureHouseholdTls(tmp.dir, [], new Date(), lease('192.168.1.57'));
    assert.equal(moved.caFingerprint, first.caFingerprint, 'phones keep trusting it');
    assert.notEqual(moved.certPem, first.certPem);
    assert.ok(new X509Certificate(moved.certPem).subjectAltName?.includes('IP Address:192.168.1.57'));
    assert.ok(!new X509Certificate(moved.certPem).subjectAltName?.includes('192.168.1.23'));
    const again = await ensureHouseholdTls(tmp.dir, [], new Date(), lease('192.168.1.57'));
    assert.equal(again.certPem, moved.certPem, 'nothing changed: not re-issued');

    const elsewhere = await ensureHouseholdTls(tmp.dir, [], new Date(), lease('10.0.0.5'));
    assert.equal(elsewhere.caFingerprint, first.caFingerprint);
    assert.deepEqual(elsewhere.uncovered, ['10.0.0.5']);
    assert.ok(!new X509Certificate(elsewhere.certPem).subjectAltName?.includes('10.0.0.5'));

    const expiry = new Date(new X509Certificate(elsewhere.certPem).validTo).getTime();
    const renewed = await ensureHouseholdTls(tmp.dir, [], new Date(expiry - 10 * DAY), lease('10.0.0.5'));
    assert.equal(renewed.caFingerprint, first.caFingerprint);
    assert.ok(new Date(new X509Certificate(renewed.certPem).validTo).getTime() > expiry);
  });

  it('makes a new CA when a configured extra name (a VPN tunnel address) is not covered, and names it in the certificate', async () => {
    const first = await ensureHouseholdTls(tmp.dir, [], new Date(), PI);
    const extra = ['10.44.0.1', 'porch.example.net'].map(parseExtraName);
    const next = await ensureHouseholdTls(tmp.dir, extra, new Date(), PI);
    assert.notEqual(next.caFingerprint, first.caFingerprint);
    assert.ok(next.newCa);
    const san = new X509Certificate(next.certPem).subjectAltName ?? '';
    assert.ok(san.includes('IP Address:10.44.0.1') && san.includes('DNS:porch.example.net'), san);
    const v = openssl(['verify', '-CAfile', 'household-ca.crt', '-verify_ip', '10.44.0.1', 'browser.crt'], tmp.dir);
    assert.ok(v.ok, v.out);
    const same = await ensureHouseholdTls(tmp.dir, extra, new Date(), PI);
    assert.equal(same.caFingerprint, next.caFingerprint, 'made once');
    assert.ok(!same.newCa);
  });

  it("leaves the cameras' CA alone: a hub from before the upgrade keeps the fingerprint its cameras pinned", async () => {
    const before = await ensureHubTls(tmp.dir);
    const household = await ensureHouseholdTls(tmp.dir, [], new Date(), PI);
    const after = await ensureHubTls(tmp.dir);
    assert.equal(after.caFingerprint, before.caFingerprint);
    assert.equal(after.certPem, before.certPem);
    assert.notEqual(household.caFingerprint, before.caFingerprint);
    assert.ok(!new X509Certificate(household.certPem).checkIssued(new X509Certificate(before.caPem)));
  });

  it('renders an iOS profile that parses as a plist and holds exactly the CA, with identifiers stable for the same CA', async () => {
    const h = await ensureHouseholdTls(tmp.dir, [], new Date(), PI);
    const xml = mobileconfig({ caDer: h.caDer, caName: h.caName, host: 'porchpi' });
    const doc = plist.parse(xml) as Record<string, unknown>;
    assert.equal(doc.PayloadType, 'Configuration');
    assert.equal(doc.PayloadVersion, 1);
    const payloads = doc.PayloadContent as Array<Record<string, unknown>>;
    assert.equal(payloads.length, 1);
    const root = payloads[0]!;
    assert.equal(root.PayloadType, 'com.apple.security.root');
    assert.ok(Buffer.isBuffer(root.PayloadContent));
    assert.deepEqual(root.PayloadContent, h.caDer);
    assert.equal(new X509Certificate(root.PayloadContent).fingerprint256, h.caFingerprint);
    for (const uuid of [doc.PayloadUUID, root.PayloadUUID]) assert.match(String(uuid), /^[0-9A-F]{8}-[0-9A-F]{4}-8[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    assert.notEqual(doc.PayloadUUID, root.PayloadUUID);
    assert.equal(mobileconfig({ caDer: h.caDer, caName: h.caName, host: 'porchpi' }), xml, 'the same CA gives the same profile');
  });
});

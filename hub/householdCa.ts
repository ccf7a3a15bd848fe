import 'reflect-metadata'; // @peculiar/x509 relies on tsyringe, which needs the Reflect metadata polyfill
import { promises as fs, existsSync } from 'node:fs';
import { X509Certificate, randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, Name, NameConstraints, id_ce_nameConstraints } from '@peculiar/asn1-x509';
import { writeFileAtomic } from '../common/atomicFile';
import {
  canonicalIp,
  coveredNames,
  dnsCovered,
  ipCovered,
  permittedNames,
  wantedNames,
  type CertificateNames,
  type ExtraName,
  type InterfaceAddress,
  type PermittedNames,
} from '../common/householdNames';
import { DAY, RENEW_BEFORE_DAYS, fingerprintOf, importKeyPem, issueServerCert, keyMatches, makeCaCert, type CryptoKey } from './certificates';

/*
 * The household CA: the one a phone installs so that its browser trusts the hub's page (a
 * service worker and Web Push need a trusted certificate). It is not the CA cameras pinned
 * (certificates.ts): that one has no name constraints, and changing it would unpair every
 * camera. This one carries a critical NameConstraints extension — only the hub's own names
 * and home-network addresses (common/householdNames.ts) — and pathLen 0, so a phone that
 * installed it trusts nothing else signed with its key: not www.google.com, not a bank's IP,
 * not an intermediate CA made from it. Browsers, Android and iOS all enforce the extension.
 *
 * The browser certificate is renewed as the cameras' one is (30 days before expiry) and also
 * when the hub's addresses change (a new DHCP lease): re-issued under the same CA, naming only
 * what the CA covers. An address outside every permitted subtree (the home moved to another
 * network) is left out and reported; a configured extra name the CA does not cover means a
 * new CA, since the owner asked for it, and phones must install that one.
 */

const CA_CERT = 'household-ca.crt';
const CA_KEY = 'household-ca.key';
const CERT = 'browser.crt';
const KEY = 'browser.key';

export interface HouseholdTls {
  caPem: string;
  /** The CA as DER: what the .crt download and the iOS profile carry. */
  caDer: Buffer;
  caFingerprint: string;
  /** The CA's common name, which phones show in their list of installed certificates. */
  caName: string;
  /** What the CA lets its certificates name. */
  permitted: PermittedNames;
  certPem: string;
  keyPem: string;
  /** Browser certificate followed by the household CA, as sent in the handshake. */
  chainPem: string;
  /** What the browser certificate names. */
  names: CertificateNames;
  /** The hub's present names the CA does not cover, so the certificate leaves them out. */
  uncovered: string[];
  /** Set when this call made a new CA (phones that installed the old one must install this one). */
  newCa: boolean;
}

/** The machine as the certificate sees it; a test passes its own. */
export interface Machine {
  host: string;
  interfaces: Record<string, InterfaceAddress[] | undefined>;
}

export function thisMachine(): Machine {
  return { host: os.hostname(), interfaces: os.networkInterfaces() };
}

/*
 * RFC 5280 leaves a name type with no permitted subtree unconstrained, so DNS and IP subtrees
 * alone would let the key vouch for an e-mail address (S/MIME), a URI or any subject DN. Each
 * of those types gets one permitted subtree too: e-mail and URI only under the reserved name
 * "invalid" (RFC 2606), which no real mailbox or site has, and subject DNs only below the CA's
 * own O= (the browser certificate's subject starts with it). The CA's ExtendedKeyUsage
 * (serverAuth only) is the second lock: OpenSSL and Apple refuse a chain for any other use.
 */
const NOWHERE = 'invalid';
/** The subject prefix this CA's certificates must have: O=Porchlight household <the CA's tag>. */
const householdOrg = (tag: string) => `O=Porchlight household ${tag}`;

function nameConstraints(permitted: PermittedNames, org: string): x509.Extension {
  const subtrees = [
    ...permitted.dns.map((dNSName) => new GeneralSubtree({ base: new GeneralName({ dNSName }) })),
    ...permitted.subnets.map((iPAddress) => new GeneralSubtree({ base: new GeneralName({ iPAddress }) })),
    new GeneralSubtree({ base: new GeneralName({ rfc822Name: NOWHERE }) }),
    new GeneralSubtree({ base: new GeneralName({ uniformResourceIdentifier: NOWHERE }) }),
    new GeneralSubtree({ base: new GeneralName({ directoryName: AsnConvert.parse(new x509.Name(org).toArrayBuffer(), Name) }) }),
  ];
  const value = AsnConvert.serialize(new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }));
  return new x509.Extension(id_ce_nameConstraints, true, value);
}

/** The subject DN prefix the CA permits, as a name string; null for a CA made before there was one. */
function permittedDirectory(caPem: string): string | null {
  const ext = new x509.X509Certificate(caPem).getExtension(id_ce_nameConstraints);
  if (!ext) return null;
  const nc = AsnConvert.parse(ext.value, NameConstraints);
  const dn = nc.permittedSubtrees?.find((t) => t.base.directoryName)?.base.directoryName;
  return dn ? new x509.Name(AsnConvert.serialize(dn)).toString() : null;
}

/**
 * Whether a CA on disk has today's locks: serverAuth-only EKU and a subtree for every name type.
 * One made earlier (never released) is replaced by a new one, which phones must install.
 */
function hasAllLocks(caPem: string): boolean {
  const cert = new x509.X509Certificate(caPem);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const serverOnly = !!eku && eku.usages.length === 1 && eku.usages[0] === x509.ExtendedKeyUsage.serverAuth;
  const ext = cert.getExtension(id_ce_nameConstraints);
  const bases = ext ? (AsnConvert.parse(ext.value, NameConstraints).permittedSubtrees ?? []).map((t) => t.base) : [];
  return serverOnly && bases.some((b) => b.rfc822Name !== undefined) && bases.some((b) => b.uniformResourceIdentifier !== undefined) && permittedDirectory(caPem) !== null;
}

/** What an existing CA permits, read from its NameConstraints; null when it has none. */
export function permittedOf(caPem: string): PermittedNames | null {
  const ext = new x509.X509Certificate(caPem).getExtension(id_ce_nameConstraints);
  if (!ext) return null;
  const nc = AsnConvert.parse(ext.value, NameConstraints);
  const out: PermittedNames = { dns: [], subnets: [] };
  for (const subtree of nc.permittedSubtrees ?? []) {
    if (subtree.base.dNSName) out.dns.push(subtree.base.dNSName.toLowerCase());
    if (subtree.base.iPAddress) {
      const [net = '', prefix = ''] = subtree.base.iPAddress.split('/');
      out.subnets.push(`${canonicalIp(net)}/${prefix}`);
    }
  }
  return out;
}

/** Whether the CA already covers every configured extra name (a subnet: all of it). */
function coversExtras(permitted: PermittedNames, extra: readonly ExtraName[]): boolean {
  return extra.every((e) => {
    if (e.kind === 'dns') return dnsCovered(e.value, permitted.dns);
    if (e.kind === 'ip') return ipCovered(e.value, permitted.subnets);
    const [net = '', prefix = ''] = e.value.split('/');
    return permitted.subnets.some((s) => Number(s.split('/')[1]) <= Number(prefix) && ipCovered(net, [s]));
  });
}

function makeCa(machine: Machine, permitted: PermittedNames, now: Date) {
  const tag = randomBytes(3).toString('hex');
  return makeCaCert(`CN=Porchlight household CA ${machine.host} ${tag}, O=Porchlight`, [
    nameConstraints(permitted, householdOrg(tag)),
    // Not critical (CA/Browser Forum practice for CAs); OpenSSL and Apple still hold the chain to it.
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
  ], now);
}

function makeBrowserCert(caPem: string, caKey: CryptoKey, host: string, names: CertificateNames, now: Date) {
  // The CN is a name the CA covers (OpenSSL checks a CN that looks like a host name against the
  // constraints too), below the O= the CA's directoryName subtree permits.
  return issueServerCert(new x509.X509Certificate(caPem), caKey, `${permittedDirectory(caPem)}, CN=${names.dns[0] ?? host}`, names, now);
}

/** The names a certificate carries, in the same form wantedNames gives them. */
function namesOf(certPem: string): CertificateNames {
  const san = new x509.X509Certificate(certPem).getExtension(x509.SubjectAlternativeNameExtension);
  const items = san?.names.items ?? [];
  return {
    dns: items.filter((n) => n.type === 'dns').map((n) => n.value.toLowerCase()),
    ips: items.filter((n) => n.type === 'ip').map((n) => canonicalIp(n.value)),
  };
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Loads the household CA and browser certificate from `dir`, making the CA on first start
 * (and on the upgrade of a hub that had none), and re-issuing the certificate when it nears
 * expiry or the hub's names changed.
 */
export async function ensureHouseholdTls(dir: string, extra: readonly ExtraName[], now = new Date(), machine: Machine = thisMachine()): Promise<HouseholdTls> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const caCertFile = path.join(dir, CA_CERT);
  const caKeyFile = path.join(dir, CA_KEY);
  const certFile = path.join(dir, CERT);
  const keyFile = path.join(dir, KEY);

  let newCa = !existsSync(caCertFile) || !existsSync(caKeyFile);
  if (!newCa) {
    const pem = await fs.readFile(caCertFile, 'utf8');
    const permitted = permittedOf(pem);
    const expires = new Date(new X509Certificate(pem).validTo).getTime();
    newCa =
      !permitted ||
      !hasAllLocks(pem) ||
      !coversExtras(permitted, extra) ||
      expires - now.getTime() < RENEW_BEFORE_DAYS * DAY ||
      !keyMatches(new X509Certificate(pem), await fs.readFile(caKeyFile, 'utf8'));
  }
  if (newCa) {
    const made = await makeCa(machine, permittedNames(machine.host, machine.interfaces, extra), now);
    await writeFileAtomic(caKeyFile, made.keyPem, 0o600);
    await writeFileAtomic(caCertFile, made.caPem, 0o644);
    await fs.rm(certFile, { force: true });
  }
  const caPem = await fs.readFile(caCertFile, 'utf8');
  const permitted = permittedOf(caPem)!;
  const { names, uncovered } = coveredNames(wantedNames(machine.host, machine.interfaces, extra), permitted);

  let reissue = !existsSync(certFile) || !existsSync(keyFile);
  if (!reissue) {
    const pem = await fs.readFile(certFile, 'utf8');
    const current = new X509Certificate(pem);
    const has = namesOf(pem);
    reissue =
      new Date(current.validTo).getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY ||
      !current.checkIssued(new X509Certificate(caPem)) ||
      !keyMatches(current, await fs.readFile(keyFile, 'utf8')) ||
      !sameSet(has.dns, names.dns) ||
      !sameSet(has.ips, names.ips);
  }
  if (reissue) {
    const caKey = await importKeyPem(await fs.readFile(caKeyFile, 'utf8'));
    const made = await makeBrowserCert(caPem, caKey, machine.host, names, now);
    await writeFileAtomic(keyFile, made.keyPem, 0o600);
    await writeFileAtomic(certFile, made.certPem, 0o644);
  }
  const certPem = await fs.readFile(certFile, 'utf8');
  const keyPem = await fs.readFile(keyFile, 'utf8');
  const ca = new X509Certificate(caPem);
  return {
    caPem,
    caDer: ca.raw,
    caFingerprint: fingerprintOf(caPem),
    caName: /CN=([^\n]+)/.exec(ca.subject)?.[1] ?? ca.subject,
    permitted,
    certPem,
    keyPem,
    chainPem: certPem + caPem,
    names,
    uncovered,
    newCa,
  };
}

import 'reflect-metadata'; // @peculiar/x509 relies on tsyringe, which needs the Reflect metadata polyfill
import { promises as fs, existsSync } from 'node:fs';
import { createPrivateKey, webcrypto, X509Certificate, randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import { writeFileAtomic } from '../common/atomicFile';

/*
 * The hub's own local CA and server certificate, made on first start. Agents pin the
 * CA (by SHA-256 fingerprint) when they pair, so the server certificate can be renewed
 * without re-pairing every camera.
 */

export type CryptoKey = webcrypto.CryptoKey;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
export const DAY = 24 * 3600 * 1000;
const CA_DAYS = 3650;
const SERVER_DAYS = 397;
/** Renew the server certificate when fewer days than this remain. */
export const RENEW_BEFORE_DAYS = 30;

export interface HubTls {
  caPem: string;
  certPem: string;
  keyPem: string;
  /** Server certificate followed by the CA, as sent in the handshake. */
  chainPem: string;
  caFingerprint: string;
}

export function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/**
 * Whether the key belongs to the certificate (their public keys are the same). A pair that does
 * not (a crash or an overlapping write between the two files) is re-issued rather than served.
 */
export function keyMatches(cert: X509Certificate, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

export async function importKeyPem(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, EC, true, ['sign']);
}

function lanAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal) out.push(a.address.split('%')[0]!);
  }
  return out;
}

/** Names a household may type or an agent may dial: hostname, hostname.local, LAN IPs, localhost. */
export function serverNames(): { dns: string[]; ips: string[] } {
  const host = os.hostname();
  const dns = [...new Set([host, `${host}.local`, 'localhost'])];
  const ips = [...new Set(['127.0.0.1', '::1', ...lanAddresses()])];
  return { dns, ips };
}

/** A random positive serial number, 16 bytes. */
function serialNumber(): string {
  return randomBytes(16).toString('hex').replace(/^[89a-f]/, '1');
}

/**
 * A self-signed CA (a fresh P-256 key, CA_DAYS long, pathLen 0: no intermediate CA below it, so
 * nothing it is limited to can be stepped around) named `name`, with `extensions` beside the
 * basic ones: the cameras' CA has none, the household CA its name constraints and EKU.
 */
export async function makeCaCert(name: string, extensions: x509.Extension[], now: Date): Promise<{ caPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY),
    keys,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ...extensions,
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { caPem: ca.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

/**
 * A TLS server certificate (a fresh P-256 key, SERVER_DAYS long) for `names`, issued by the CA
 * whose certificate and key are given: the cameras' server certificate and the browsers' one
 * (householdCa.ts) differ only in their CA, subject and names.
 */
export async function issueServerCert(caCert: x509.X509Certificate, caKey: CryptoKey, subject: string, names: { dns: string[]; ips: string[] }, now: Date) {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + SERVER_DAYS * DAY),
    signingAlgorithm: SIGN,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

/**
 * Loads the hub's TLS material from `dir`, creating the CA and server certificate on
 * first start and renewing the server certificate when it nears expiry.
 */
export async function ensureHubTls(dir: string, now = new Date()): Promise<HubTls> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const caCertFile = path.join(dir, 'ca.crt');
  const caKeyFile = path.join(dir, 'ca.key');
  const certFile = path.join(dir, 'server.crt');
  const keyFile = path.join(dir, 'server.key');

  if (!existsSync(caCertFile) || !existsSync(caKeyFile)) {
    const ca = await makeCaCert(`CN=Porchlight hub CA ${os.hostname()} ${randomBytes(3).toString('hex')}`, [], now);
    await writeFileAtomic(caKeyFile, ca.keyPem, 0o600);
    await writeFileAtomic(caCertFile, ca.caPem, 0o644);
    await fs.rm(certFile, { force: true });
  }
  const caPem = await fs.readFile(caCertFile, 'utf8');

  let needServer = !existsSync(certFile) || !existsSync(keyFile);
  if (!needServer) {
    const current = new X509Certificate(await fs.readFile(certFile, 'utf8'));
    const expires = new Date(current.validTo).getTime();
    needServer =
      expires - now.getTime() < RENEW_BEFORE_DAYS * DAY || !current.checkIssued(new X509Certificate(caPem)) || !keyMatches(current, await fs.readFile(keyFile, 'utf8'));
  }
  if (needServer) {
    const caCert = new x509.X509Certificate(caPem);
    const caKey = await importKeyPem(await fs.readFile(caKeyFile, 'utf8'));
    const { certPem, keyPem } = await issueServerCert(caCert, caKey, `CN=${os.hostname()}`, serverNames(), now);
    await writeFileAtomic(keyFile, keyPem, 0o600);
    await writeFileAtomic(certFile, certPem, 0o644);
  }
  const certPem = await fs.readFile(certFile, 'utf8');
  const keyPem = await fs.readFile(keyFile, 'utf8');
  return { caPem, certPem, keyPem, chainPem: certPem + caPem, caFingerprint: fingerprintOf(caPem) };
}

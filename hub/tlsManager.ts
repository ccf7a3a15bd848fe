import { promises as fs, watchFile, unwatchFile } from 'node:fs';
import type { CertificateStatus } from '../common/api/system';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as tls from 'node:tls';
import type { Logger } from '../common/logger';
import { AGENT_SERVERNAME } from '../common/protocol';
import { ensureHubTls, type HubTls } from './certificates';
import { ensureHouseholdTls, type HouseholdTls } from './householdCa';
import { parseExtraName } from '../common/householdNames';

/*
 * Owns what the HTTPS server presents. Agents (which send AGENT_SERVERNAME) always get
 * the certificate from the hub's own CA, which they pinned. Browsers get the household's
 * own certificate when one is configured (e.g. from Let's Encrypt), else the one from the
 * name-constrained household CA (householdCa.ts) that phones install.
 * Both are swapped in place — server.setSecureContext — so renewing or installing a
 * certificate never needs a restart. A bad user certificate is refused with a log line
 * and the previous one stays in use.
 */

/** TLS 1.2 suites allowed: ECDHE key exchange and AEAD ciphers only. TLS 1.3 suites are all AEAD. */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

const POLICY = { minVersion: 'TLSv1.2', ciphers: TLS12_CIPHERS, honorCipherOrder: true } as const;
// Also how soon a new DHCP address gets into the browser certificate.
const RENEW_CHECK_MS = 10 * 60 * 1000;
const WATCH_INTERVAL_MS = 2000;
const ACME_NOT_YET = 'the ACME server has not issued one yet';

export interface UserCertificateFiles {
  certFile: string;
  keyFile: string;
  /** 'acme': the files hub/acme/ installs, which do not exist until the first certificate is issued. */
  source?: 'user' | 'acme';
}

export type { CertificateStatus };

interface Material {
  key: string;
  cert: string;
}

/** Checks a user-supplied pair before it replaces a working one. */
export function checkCertificatePair(certPem: string, keyPem: string, now = new Date()): string | null {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return 'the certificate file is not a PEM certificate';
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return 'the key file is not a PEM private key';
  }
  if (!cert.checkPrivateKey(key)) return 'the private key does not belong to the certificate';
  if (new Date(cert.validTo).getTime() <= now.getTime()) return `the certificate expired on ${cert.validTo}`;
  if (new Date(cert.validFrom).getTime() > now.getTime()) return `the certificate is not valid before ${cert.validFrom}`;
  return null;
}

export class TlsManager {
  local!: HubTls;
  /** The household CA and the browser certificate it issued. */
  household!: HouseholdTls;
  private user: Material | null = null;
  private userProblem: string | null = null;
  private localCtx!: tls.SecureContext;
  private defaultCtx!: tls.SecureContext;
  private servers: tls.Server[] = [];
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly userFiles: UserCertificateFiles | undefined,
    private readonly log: Logger,
    /**
     * Names beyond the host's own (hub.householdCa.extraNames, validated by the config, and the
     * WireGuard tunnel's subnet and address), read again at every reload.
     */
    private readonly extraNames: readonly string[] | (() => readonly string[]) = [],
  ) {}

  async init(): Promise<void> {
    await this.reload();
  }

  /** Options for https.createServer: the policy, the default certificate, and agent SNI. */
  serverOptions(): tls.TlsOptions {
    return {
      ...POLICY,
      ...this.defaultMaterial(),
      SNICallback: (servername, cb) => cb(null, servername === AGENT_SERVERNAME ? this.localCtx : this.defaultCtx),
    };
  }

  attach(server: tls.Server): void {
    this.servers.push(server);
  }

  /**
   * Renews the local certificate if due and re-reads the user's files; swaps what changed.
   * One at a time: an ACME install calls it, and so do both file watches and the timer, and
   * two re-issues at once would interleave their key and certificate writes.
   */
  reload(now = new Date()): Promise<void> {
    const next = this.reloading.then(() => this.reloadNow(now));
    this.reloading = next.catch(() => undefined);
    return next;
  }

  private async reloadNow(now: Date): Promise<void> {
    this.local = await ensureHubTls(this.dir, now);
    this.localCtx = tls.createSecureContext({ ...POLICY, key: this.local.keyPem, cert: this.local.chainPem });
    await this.reloadHousehold(now);
    if (this.userFiles) await this.loadUser(now);
    const material = this.defaultMaterial();
    this.defaultCtx = tls.createSecureContext({ ...POLICY, ...material });
    for (const s of this.servers) s.setSecureContext({ ...POLICY, ...material });
  }

  private async loadUser(now: Date): Promise<void> {
    const { certFile, keyFile } = this.userFiles!;
    let problem: string | null;
    let material: Material | null = null;
    try {
      const [cert, key] = await Promise.all([fs.readFile(certFile, 'utf8'), fs.readFile(keyFile, 'utf8')]);
      problem = checkCertificatePair(cert, key, now);
      if (!problem) material = { cert, key };
    } catch (err) {
      const notYet = this.userFiles!.source === 'acme' && (err as NodeJS.ErrnoException).code === 'ENOENT';
      problem = notYet ? ACME_NOT_YET : `cannot read ${(err as NodeJS.ErrnoException).path ?? certFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
    if (material) {
      const changed = material.cert !== this.user?.cert;
      this.user = material;
      this.userProblem = null;
      if (changed) this.log.info({ certFile, validTo: new X509Certificate(material.cert).validTo }, 'using the configured certificate for browsers');
    } else if (problem !== this.userProblem) {
      this.userProblem = problem;
      if (problem === ACME_NOT_YET) this.log.info('no certificate from the ACME server yet; browsers get the hub certificate meanwhile');
      else this.log.error({ certFile, keyFile, problem }, this.user ? 'configured certificate refused; keeping the previous one' : 'configured certificate refused; using the hub certificate');
    }
  }

  private defaultMaterial(): Material {
    return this.user ?? { key: this.household.keyPem, cert: this.household.chainPem };
  }

  private async reloadHousehold(now: Date): Promise<void> {
    const before = this.household as HouseholdTls | undefined;
    this.household = await ensureHouseholdTls(this.dir, (typeof this.extraNames === 'function' ? this.extraNames() : this.extraNames).map(parseExtraName), now);
    const h = this.household;
    if (h.newCa) this.log.info({ caFingerprint: h.caFingerprint }, 'made a new household CA (first start, or to cover hub.householdCa.extraNames): phones that installed an earlier one must install this one (System page)');
    if (before && before.certPem !== h.certPem) this.log.info({ names: [...h.names.dns, ...h.names.ips] }, 'browser certificate re-issued');
    if (h.uncovered.join() !== (before?.uncovered.join() ?? '') && h.uncovered.length > 0) {
      this.log.warn({ uncovered: h.uncovered }, 'the household CA does not cover these names of the hub; browsers using them will warn (docs/phone.md, "Trusting the hub")');
    }
  }

  /** Watches the user's files and checks the local certificate for renewal periodically. */
  start(): void {
    const onChange = () => void this.reload().catch((err: Error) => this.log.error({ err: err.message }, 'certificate reload failed'));
    if (this.userFiles) {
      for (const f of [this.userFiles.certFile, this.userFiles.keyFile]) watchFile(f, { interval: WATCH_INTERVAL_MS }, onChange);
    }
    this.timer = setInterval(onChange, RENEW_CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.userFiles) for (const f of [this.userFiles.certFile, this.userFiles.keyFile]) unwatchFile(f);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.servers = [];
  }

  status(): CertificateStatus {
    const cert = new X509Certificate(this.defaultMaterial().cert);
    return {
      source: this.user ? (this.userFiles?.source ?? 'user') : 'local',
      subject: cert.subject,
      issuer: cert.issuer,
      validTo: cert.validTo,
      fingerprint: cert.fingerprint256,
      userCertificateProblem: this.userProblem,
    };
  }
}

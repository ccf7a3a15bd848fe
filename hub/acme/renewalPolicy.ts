import { X509Certificate } from 'node:crypto';

/*
 * When the hub orders a certificate, and when it tells the owners it could not. Pure, so the
 * table of cases runs with made-up times (test/hub/acmeRenewalPolicy.test.ts).
 */

const DAY_MS = 24 * 3600 * 1000;
/** Let's Encrypt's advice for 90-day certificates: renew with a third of the lifetime left. */
export const RENEW_BEFORE_DAYS = 30;
/** One failure is usually the network; three in a row (hours apart, with backoff) need a person. */
export const NOTIFY_AFTER_FAILURES = 3;

export interface LiveCertificate {
  notAfter: number;
  /** The DNS names it is for, lower case. */
  names: string[];
}

export function describeCertificate(certPem: string): LiveCertificate {
  const cert = new X509Certificate(certPem);
  const names = (cert.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4).toLowerCase());
  return { notAfter: Date.parse(cert.validTo), names };
}

export type RenewalReason = 'none yet' | 'expires soon' | 'names changed' | null;

/** Why a certificate is due now, or null: none yet, fewer than 30 days left, or not for every configured name. */
export function renewalReason(live: LiveCertificate | null, domains: string[], now: number): RenewalReason {
  if (!live) return 'none yet';
  if (domains.some((d) => !live.names.includes(d.toLowerCase()))) return 'names changed';
  if (live.notAfter - now < RENEW_BEFORE_DAYS * DAY_MS) return 'expires soon';
  return null;
}

/** When the next renewal is due (for the console), or now when it already is. */
export function renewalDueAt(live: LiveCertificate | null, domains: string[], now: number): number {
  if (!live || renewalReason(live, domains, now)) return now;
  return live.notAfter - RENEW_BEFORE_DAYS * DAY_MS;
}

/** The owners hear once per run of failures, after the third. */
export function shouldNotifyOwners(failures: number, alreadyNotified: boolean): boolean {
  return failures >= NOTIFY_AFTER_FAILURES && !alreadyNotified;
}

export function daysLeft(notAfter: number, now: number): number {
  return Math.floor((notAfter - now) / DAY_MS);
}

import * as os from 'node:os';
import { X509Certificate } from 'node:crypto';
import { type HubServices, type RouteDef, route } from '../routeTable';
import { HouseholdCaSchema } from '../../common/api/system';
import { caFileBase, mobileconfig } from '../caProfile';

/*
 * The household CA for a phone to install: its facts (fingerprint to compare, the names it
 * may vouch for) and three downloads — DER .crt for Android, an Apple profile for iOS, PEM for
 * everything else. Public: the CA certificate is no secret (every browser is sent it in the
 * handshake already), and first-run setup offers it before any account exists. A public
 * download cannot be trusted blindly, so the page shows the fingerprint to compare with the
 * one the phone shows, and the name constraints limit what a swapped-in CA could do anyway
 * to the phone owner's own choice to install it.
 */

const DOWNLOADS = { android: '/household-ca.crt', ios: '/household-ca.mobileconfig', pem: '/household-ca.pem' } as const;

export function householdCaRoutes(svc: HubServices): RouteDef[] {
  const file = (url: string, type: string, ext: string, summary: string, body: () => Buffer | string) =>
    route({
      method: 'GET',
      url,
      access: { kind: 'public' },
      summary,
      handler: async (_req, reply) =>
        reply
          .type(type)
          // A new CA (see householdCa.ts) must reach the next download at once.
          .header('cache-control', 'no-cache')
          .header('content-disposition', `attachment; filename="${caFileBase(os.hostname())}.${ext}"`)
          .send(body()),
    });
  return [
    route({
      method: 'GET',
      url: '/api/household-ca',
      access: { kind: 'public' },
      summary: 'The CA a phone installs to trust this hub: fingerprint, the names it may vouch for, and where to download it',
      schema: { response: { 200: HouseholdCaSchema } },
      handler: async () => {
        const h = svc.tls.household;
        return {
          fingerprint: h.caFingerprint,
          name: h.caName,
          validTo: new Date(new X509Certificate(h.caPem).validTo).toISOString(),
          permitted: [...h.permitted.dns, ...h.permitted.subnets],
          certificateNames: [...h.names.dns, ...h.names.ips],
          uncovered: h.uncovered,
          inUse: svc.tls.status().source === 'local',
          downloads: { ...DOWNLOADS },
        };
      },
    }),
    file(DOWNLOADS.android, 'application/x-x509-ca-cert', 'crt', 'The household CA as DER, for Android', () => svc.tls.household.caDer),
    file(DOWNLOADS.ios, 'application/x-apple-aspen-config', 'mobileconfig', 'The household CA as an Apple configuration profile, for iOS', () =>
      mobileconfig({ caDer: svc.tls.household.caDer, caName: svc.tls.household.caName, host: os.hostname() }),
    ),
    file(DOWNLOADS.pem, 'application/x-pem-file', 'pem', 'The household CA as PEM', () => svc.tls.household.caPem),
  ];
}

import { createHash } from 'node:crypto';
import * as plist from 'plist';

/*
 * The household CA as an Apple configuration profile (.mobileconfig), the one way iOS
 * installs a root certificate from Safari: one payload of type com.apple.security.root
 * holding the CA's DER. Unsigned — iOS then says "Not Verified", which is true of any
 * profile a home server makes; the fingerprint on the hub's page is what the owner compares.
 * Identifier and UUIDs are derived from the CA, so downloading it twice gives the same
 * profile (iOS replaces rather than duplicates) and a new CA gives a new one.
 */

/** A UUID made from a hash (RFC 9562 version 8: custom), stable for the same input. */
function stableUuid(input: string): string {
  const b = createHash('sha256').update(input).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface ProfileInput {
  caDer: Buffer;
  caName: string;
  /** The hub's host name, for the profile's title. */
  host: string;
}

export function caFileBase(host: string): string {
  const safe = host.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'hub';
  return `porchlight-${safe}-ca`;
}

export function mobileconfig({ caDer, caName, host }: ProfileInput): string {
  const id = createHash('sha256').update(caDer).digest('hex').slice(0, 16);
  const identifier = `org.porchlight.household-ca.${id}`;
  return plist.build({
    PayloadContent: [
      {
        PayloadCertificateFileName: `${caFileBase(host)}.crt`,
        PayloadContent: caDer,
        PayloadDescription: `Lets this device trust the Porchlight hub ${host}. The certificate only vouches for the hub's own names and home-network addresses.`,
        PayloadDisplayName: caName,
        PayloadIdentifier: `${identifier}.root`,
        PayloadType: 'com.apple.security.root',
        PayloadUUID: stableUuid(`root:${id}`),
        PayloadVersion: 1,
      },
    ],
    PayloadDescription: `Trust the Porchlight hub ${host} on this device, so its page works as an app with notifications.`,
    PayloadDisplayName: `Porchlight hub ${host}`,
    PayloadIdentifier: identifier,
    PayloadOrganization: 'Porchlight',
    PayloadRemovalDisallowed: false,
    PayloadType: 'Configuration',
    PayloadUUID: stableUuid(`profile:${id}`),
    PayloadVersion: 1,
  });
}

/*
 * The pairing invitation as one line: porchlight://pair?hub=<hub URL>&code=<code>&fp=<CA
 * fingerprint>. The hub's Cameras page shows it as a QR code and as text; a camera board with
 * a scanner, or someone pasting it, pairs with `porchlight agent pair --uri`. Carrying the
 * fingerprint means the camera knows the hub's CA before it sends the code, instead of
 * trusting whatever answered first.
 */

export interface PairingInvite {
  hubUrl: string;
  code: string;
  /** SHA-256 of the hub CA, as 64 hex digits (upper case, no colons). */
  caFingerprint: string;
}

export class PairingUriError extends Error {}

/** "AB:CD:…" (node's X509Certificate.fingerprint256) or plain hex → 64 upper-case hex digits, or null. */
export function normaliseFingerprint(fp: string): string | null {
  const hex = fp.replace(/:/g, '').toUpperCase();
  return /^[0-9A-F]{64}$/.test(hex) ? hex : null;
}

export function pairingUri(invite: PairingInvite): string {
  const fp = normaliseFingerprint(invite.caFingerprint);
  if (!fp) throw new PairingUriError('the CA fingerprint is not a SHA-256 fingerprint');
  const query = new URLSearchParams({ hub: invite.hubUrl, code: invite.code, fp });
  return `porchlight://pair?${query.toString()}`;
}

export function parsePairingUri(text: string): PairingInvite {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new PairingUriError('this is not a pairing link: it should start with porchlight://pair?');
  }
  if (url.protocol !== 'porchlight:' || (url.host !== 'pair' && url.pathname.replace(/^\/+/, '') !== 'pair')) {
    throw new PairingUriError('this is not a pairing link: it should start with porchlight://pair?');
  }
  const hub = url.searchParams.get('hub');
  const code = url.searchParams.get('code');
  const fp = url.searchParams.get('fp');
  if (!hub) throw new PairingUriError('the pairing link has no hub address (hub=)');
  let hubUrl: URL;
  try {
    hubUrl = new URL(hub);
  } catch {
    throw new PairingUriError(`the hub address "${hub}" in the pairing link is not a URL`);
  }
  if (hubUrl.protocol !== 'https:') throw new PairingUriError('the hub address in the pairing link must start with https://');
  if (!code || !/^[0-9]{8}$/.test(code)) throw new PairingUriError('the pairing link has no 8-digit code (code=)');
  const caFingerprint = fp ? normaliseFingerprint(fp) : null;
  if (!caFingerprint) throw new PairingUriError('the pairing link has no valid hub fingerprint (fp=, 64 hex digits)');
  return { hubUrl: hubUrl.toString(), code, caFingerprint };
}

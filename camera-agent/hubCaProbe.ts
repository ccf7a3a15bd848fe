import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { AGENT_SERVERNAME } from '../common/protocol';
import { normaliseFingerprint } from '../common/pairingUri';

/**
 * The hub's CA certificate, fetched from the chain its TLS server presents and accepted only
 * when its SHA-256 fingerprint is `fingerprint` and it issued the certificate presented:
 * what a pairing link's `fp=` is for. Nothing but a TLS handshake is sent.
 */
export function fetchPinnedHubCa(hubUrl: string, fingerprint: string, timeoutMs = 10_000): Promise<string> {
  const want = normaliseFingerprint(fingerprint);
  if (!want) return Promise.reject(new Error('the hub fingerprint is not 64 hex digits'));
  const url = new URL(hubUrl);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 443),
      servername: AGENT_SERVERNAME,
      // Checked below against the fingerprint instead of a CA store.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      timeout: timeoutMs,
    });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once('timeout', () => fail(new Error('the hub did not answer in time')));
    socket.once('error', (err: Error) => fail(new Error(`cannot reach the hub at ${url.host}: ${err.message}`)));
    socket.once('secureConnect', () => {
      // The legacy object is the one that carries the chain the server sent (read it first:
      // asking for the X509Certificate form before it leaves it empty).
      let link: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      const leaf = link?.raw ? new X509Certificate(link.raw) : null;
      const seen = new Set<string>();
      let ca: X509Certificate | null = null;
      while (link?.raw && !seen.has(link.fingerprint256)) {
        seen.add(link.fingerprint256);
        const cert = new X509Certificate(link.raw);
        if (normaliseFingerprint(cert.fingerprint256) === want) ca = cert;
        link = link.issuerCertificate;
      }
      socket.end();
      if (!ca) return reject(new Error('the hub at this address is not the one in the pairing link (its certificate fingerprint differs): refusing to send the code'));
      if (!leaf || !leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) {
        return reject(new Error('the hub presented a certificate its CA did not issue: refusing to send the code'));
      }
      resolve(ca.toString());
    });
  });
}

import { createECDH, createDecipheriv, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { ensureHubTls } from '../../hub/certificates';

/*
 * A push service on loopback, written here as the independent check of the hub's Web Push:
 * the RFC 8030 push endpoint (POST, Content-Encoding aes128gcm, TTL, Urgency), which verifies
 * the VAPID JWT (RFC 8292: ES256 by the key in "k", aud = this origin, exp at most 24 h ahead,
 * sub present) and decrypts the RFC 8291 payload with the subscription's private key and auth
 * secret, made here as a browser would. Nothing of web-push is used on this side.
 */

/** A browser's subscription: its P-256 key pair and 16-byte auth secret, and what it sends the hub. */
export interface BrowserSubscription {
  id: string;
  endpoint: string;
  ecdh: ECDH;
  auth: Buffer;
  json: { endpoint: string; keys: { p256dh: string; auth: string } };
}

export interface PushDelivery {
  subscription: string;
  headers: Record<string, string | string[] | undefined>;
  /** The VAPID public key the request was signed with ("k"). */
  vapidKey: string;
  claims: { aud: string; exp: number; sub: string };
  /** The decrypted payload, parsed. */
  payload: Record<string, unknown>;
  /** The encrypted body's size in bytes, as the push service counts it against its 4096-byte limit. */
  bodyBytes: number;
  status: number;
}

/** RFC 8030 §7.2 / RFC 8291 §4: the most a push service need accept; FCM, Mozilla and Apple refuse more with 413. */
export const PUSH_SERVICE_MAX_BODY = 4096;

export interface PushService {
  origin: string;
  /** The CA that signed this service's certificate: the hub must be told to trust it. */
  caPem: string;
  subscribe(): BrowserSubscription;
  /** Deliveries that passed every check. */
  delivered: PushDelivery[];
  /** Requests that failed a check, and why. */
  refused: string[];
  /** Every request, by subscription id, whatever it was answered. */
  requests: Map<string, number>;
  /** Answers the next requests for `id` with these statuses (one each), then 201 again. */
  answer(id: string, ...statuses: number[]): void;
  close(): Promise<void>;
}

const b64u = (b: Buffer) => b.toString('base64url');

/** RFC 8291 §3.4 and RFC 8188: one record, the sender's key in the header's keyid. */
export function decryptAes128gcm(body: Buffer, ua: ECDH, authSecret: Buffer): Buffer {
  if (body.length < 21) throw new Error('body shorter than the aes128gcm header');
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  if (idlen !== 65) throw new Error(`keyid is ${idlen} bytes, not a P-256 public key`);
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  if (ciphertext.length > rs) throw new Error('more than one record');
  const uaPublic = ua.getPublicKey();
  const ecdhSecret = ua.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then any zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}

/** Checks the VAPID Authorization header; returns the key and claims or throws naming the problem. */
export function verifyVapid(header: string | undefined, origin: string, nowSeconds: number): { key: string; claims: { aud: string; exp: number; sub: string } } {
  const m = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!m) throw new Error(`Authorization is not "vapid t=…, k=…": ${header ?? '(none)'}`);
  const [jwt, k] = [m[1]!, m[2]!];
  const [h, c, s] = jwt.split('.') as [string, string, string];
  const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string; typ?: string };
  if (head.alg !== 'ES256') throw new Error(`JWT alg ${head.alg}`);
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) }, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) throw new Error('JWT signature does not verify with k');
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as { aud: string; exp: number; sub: string };
  if (claims.aud !== origin) throw new Error(`aud ${claims.aud} is not ${origin}`);
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds || claims.exp > nowSeconds + 24 * 3600) throw new Error(`exp ${claims.exp} not within 24 h ahead`);
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) throw new Error('sub missing');
  return { key: k, claims };
}

export async function startPushService(): Promise<PushService> {
  const certDir = await fs.mkdtemp(path.join(os.tmpdir(), 'porchlight-push-service-'));
  const tls = await ensureHubTls(certDir);
  await fs.rm(certDir, { recursive: true, force: true });
  const subs = new Map<string, BrowserSubscription>();
  const delivered: PushDelivery[] = [];
  const refused: string[] = [];
  const requests = new Map<string, number>();
  const answers = new Map<string, number[]>();
  let origin = '';

  const server = https.createServer({ key: tls.keyPem, cert: tls.chainPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = /^\/push\/([a-z0-9]+)$/.exec(req.url ?? '')?.[1] ?? '';
      requests.set(id, (requests.get(id) ?? 0) + 1);
      const refuse = (status: number, why: string) => {
        refused.push(why);
        res.writeHead(status).end(why);
      };
      const sub = subs.get(id);
      if (req.method !== 'POST' || !sub) return refuse(404, `no subscription at ${req.method} ${req.url}`);
      const queued = answers.get(id);
      const status = queued?.shift() ?? 201;
      const body = Buffer.concat(chunks);
      if (body.length > PUSH_SERVICE_MAX_BODY) return refuse(413, `a ${body.length}-byte body is over the ${PUSH_SERVICE_MAX_BODY}-byte limit`);
      try {
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`Content-Encoding ${req.headers['content-encoding']}`);
        const ttl = Number(req.headers.ttl);
        if (req.headers.ttl === undefined || !Number.isInteger(ttl) || ttl < 0) throw new Error(`TTL ${String(req.headers.ttl)}`);
        const urgency = req.headers.urgency;
        if (urgency !== undefined && !['very-low', 'low', 'normal', 'high'].includes(String(urgency))) throw new Error(`Urgency ${String(urgency)}`);
        const { key, claims } = verifyVapid(req.headers.authorization, origin, Math.floor(Date.now() / 1000));
        const payload = JSON.parse(decryptAes128gcm(body, sub.ecdh, sub.auth).toString('utf8')) as Record<string, unknown>;
        delivered.push({ subscription: id, headers: req.headers, vapidKey: key, claims, payload, bodyBytes: body.length, status });
      } catch (err) {
        return refuse(400, (err as Error).message);
      }
      // RFC 8030 §5: 201 Created with the message's Location.
      res.writeHead(status, status === 201 ? { location: `${origin}/message/${randomBytes(8).toString('hex')}` } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    caPem: tls.caPem,
    subscribe() {
      const id = randomBytes(8).toString('hex');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const endpoint = `${origin}/push/${id}`;
      const sub: BrowserSubscription = { id, endpoint, ecdh, auth, json: { endpoint, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } } };
      subs.set(id, sub);
      return sub;
    },
    delivered,
    refused,
    requests,
    answer(id, ...statuses) {
      answers.set(id, [...(answers.get(id) ?? []), ...statuses]);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

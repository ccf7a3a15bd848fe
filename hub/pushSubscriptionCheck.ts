import { createECDH } from 'node:crypto';
import { isIP } from 'node:net';
import type { PushDeviceInput } from '../common/api/push';

/*
 * What the hub accepts as a device to push to. The endpoint is where the hub will POST, so it
 * must be an https:// URL (RFC 8030 requires TLS; a push service is never plain HTTP) on a
 * name, not a bare private address the hub would be made to call; the two keys must be what a
 * browser makes (RFC 8291): an uncompressed P-256 point (65 bytes, first 0x04) and a 16-byte
 * authentication secret, both base64url. Pure: the route turns a problem into a 400.
 */

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

function bytesOf(v: string, what: string): Buffer {
  if (!BASE64URL.test(v)) throw new RangeError(`${what} must be base64url`);
  return Buffer.from(v.replace(/=+$/, ''), 'base64url');
}

/** Throws a RangeError naming the problem; returns the subscription as it will be stored. */
export function checkPushDevice(input: PushDeviceInput): { name: string; endpoint: string; p256dh: string; auth: string } {
  const name = input.name.trim();
  if (name.length === 0) throw new RangeError('name: give the device a name');
  let url: URL;
  try {
    url = new URL(input.endpoint);
  } catch {
    throw new RangeError('endpoint: not a web address');
  }
  if (url.protocol !== 'https:') throw new RangeError('endpoint: must be an https:// address (a push service is always reached over TLS)');
  if (url.username || url.password) throw new RangeError('endpoint: must not carry a user name or password');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // A browser's push service is always a public name (fcm.googleapis.com, updates.push.services.mozilla.com,
  // web.push.apple.com…). An address literal other than loopback would let a signed-in user aim the hub's
  // POSTs at a machine on the home network; loopback stays allowed for the tests' own push service.
  if (isIP(host) !== 0 && host !== '127.0.0.1' && host !== '::1') throw new RangeError('endpoint: must be a push service\'s name, not an address');
  const key = bytesOf(input.keys.p256dh, 'keys.p256dh');
  if (key.length !== 65 || key[0] !== 0x04) throw new RangeError('keys.p256dh: must be an uncompressed P-256 public key (65 bytes, base64url)');
  try {
    // A point off the curve would only fail later, at every send.
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    ecdh.computeSecret(key);
  } catch {
    throw new RangeError('keys.p256dh: not a point on the P-256 curve');
  }
  const auth = bytesOf(input.keys.auth, 'keys.auth');
  if (auth.length !== 16) throw new RangeError('keys.auth: must be a 16-byte authentication secret (base64url)');
  return { name, endpoint: url.toString(), p256dh: key.toString('base64url'), auth: auth.toString('base64url') };
}

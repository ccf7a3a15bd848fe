import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { acceptsGzip } from '../../hub/routes/systemRoutes';
import { ClipEncryptor } from '../../common/clipEnvelope';
import type { DB } from '../../common/database';
import { hubPaths } from '../../common/dataLayout';
import { openPairingWindow } from '../../hub/pairing';
import { addUser } from '../../hub/users';
import { pairWithHub } from '../../camera-agent/hubClient';
import type { PairResponse } from '../../common/protocol';
import { useTempDir } from '../helpers/tmp';
import { call } from '../helpers/https';
import { makeTestMp4 } from '../helpers/media';
import { login, startTestHub, type TestHub } from '../helpers/hub';


describe('hub API', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;
  let base: string;
  let db: DB;
  let device: PairResponse;
  let mp4: Buffer;
  let httpsPort: number;

  beforeEach(async () => {
    t = await startTestHub(tmp.dir, { maxClipBytes: 2 * 1024 * 1024 });
    ({ base, db, httpsPort } = t);
    await addUser(db, 'owner', 'a long enough password', 'owner');
    const window = await openPairingWindow(db, 60_000);
    device = await pairWithHub(base, window.code, 'porch');
    mp4 = makeTestMp4(tmp.dir);
  });

  afterEach(async () => t.stop());

  async function sealed(clipId: string, deviceId = device.deviceId, plain = mp4): Promise<Buffer> {
    const enc = await ClipEncryptor.create({ publicKey: new Uint8Array(Buffer.from(device.footagePublicKey, 'base64')) }, { clipId, deviceId });
    return Buffer.concat([enc.header, ...enc.push(plain), enc.final()]);
  }

  function meta(clipId: string) {
    return JSON.stringify({ clipId, startedAt: 1000, endedAt: 3000, mediaStart: 0, mediaEnd: 2, trigger: 'motion' });
  }

  function upload(body: Buffer, clipId: string, token = device.token, extra: Record<string, string> = {}) {
    return call(base, 'POST', '/api/device/clips', {
      body,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'x-porchlight-clip': meta(clipId), ...extra },
    });
  }

  const storedClipFiles = () => readdirSync(hubPaths(tmp.dir).clips).length;
  const indexedClips = () => (db.prepare('SELECT COUNT(*) AS n FROM clips').get() as { n: number }).n;

  async function signIn(): Promise<{ cookie: string; csrf: string }> {
    const res = await login(base, 'owner', 'a long enough password');
    assert.equal(res.status, 200);
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    assert.match(String(res.headers['set-cookie']), /HttpOnly/i);
    assert.match(String(res.headers['set-cookie']), /Secure/i);
    assert.match(String(res.headers['set-cookie']), /SameSite=Strict/i);
    return { cookie, csrf: res.json().csrfToken };
  }

  it('stores a clip, lists it, and plays it back with Range support', async () => {
    const id = randomUUID();
    const res = await upload(await sealed(id), id);
    assert.equal(res.status, 201, res.body.toString());
    assert.equal(storedClipFiles(), 1);
    const again = await upload(await sealed(id), id);
    assert.equal(again.status, 200, 'a re-sent clip is acknowledged, not stored twice');
    assert.equal(indexedClips(), 1);

    const { cookie } = await signIn();
    const list = await call(base, 'GET', '/api/clips', { headers: { cookie } });
    assert.equal(list.json().clips[0].id, id);
    const full = await call(base, 'GET', `/api/clips/${id}/video`, { headers: { cookie } });
    assert.equal(full.status, 200);
    assert.equal(full.headers['content-type'], 'video/mp4');
    assert.ok(full.body.equals(mp4), 'playback returns the exact MP4');
    const part = await call(base, 'GET', `/api/clips/${id}/video`, { headers: { cookie, range: 'bytes=100-70099' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 100-70099/${mp4.length}`);
    assert.ok(part.body.equals(mp4.subarray(100, 70100)));
    const tail = await call(base, 'GET', `/api/clips/${id}/video`, { headers: { cookie, range: 'bytes=-10' } });
    assert.ok(tail.body.equals(mp4.subarray(mp4.length - 10)));
    const outside = await call(base, 'GET', `/api/clips/${id}/video`, { headers: { cookie, range: `bytes=${mp4.length}-` } });
    assert.equal(outside.status, 416);
  });

  it('refuses bad clip uploads with a clear 4xx and stores nothing', async () => {
    const id = randomUUID();
    const good = await sealed(id);
    const tampered = Buffer.from(good);
    tampered[tampered.length - 300] = tampered[tampered.length - 300]! ^ 0xff;
    const cases: Array<[string, Promise<Awaited<ReturnType<typeof call>>>, number, RegExp]> = [
      ['no token', call(base, 'POST', '/api/device/clips', { body: good, headers: { 'content-type': 'application/octet-stream', 'x-porchlight-clip': meta(id) } }), 401, /token/],
      ['wrong token', upload(good, id, 'xw7ITVneg1DifRRQuPGcA7fJvV8-FAVl'), 401, /token/],
      ['tampered clip', upload(tampered, id), 400, /rejected/],
      ['truncated clip', upload(good.subarray(0, good.length - 40), id), 400, /truncated|authentication/],
      ['oversized clip', upload(Buffer.alloc(3 * 1024 * 1024), id), 413, /larger/],
      ['not a clip', upload(mp4, id), 400, /not a Porchlight clip/],
      ['bad metadata header', upload(good, id, device.token, { 'x-porchlight-clip': '{not json' }), 400, /metadata/],
      ['metadata with wrong types', upload(good, id, device.token, { 'x-porchlight-clip': JSON.stringify({ clipId: id, startedAt: 'x' }) }), 400, /metadata/],
      ['clip sealed for another id', upload(good, randomUUID()), 403, /another/],
      ['clip claiming another device', upload(await sealed(id, randomUUID()), id), 403, /another device/],
      ['wrong content type', upload(good, id, device.token, { 'content-type': 'application/json' }), 415, /octet-stream/],
    ];
    for (const [name, pending, status, message] of cases) {
      const res = await pending;
      assert.equal(res.status, status, `${name}: ${res.body.toString()}`);
      assert.match(res.json().error.message, message, name);
    }
    assert.equal(storedClipFiles(), 0);
    assert.equal(indexedClips(), 0);
    assert.equal(readdirSync(hubPaths(tmp.dir).tmp).length, 0, 'no temp files left behind');
    assert.equal((await upload(good, id)).status, 201, 'the hub still serves');
  });

  it('validates JSON routes and sessions', async () => {
    const json = { 'content-type': 'application/json' };
    const malformed = await call(base, 'POST', '/api/login/start', { body: '{"username": ', headers: json });
    assert.equal(malformed.status, 400);
    const wrongType = await call(base, 'POST', '/api/login/start', { body: JSON.stringify({ username: 1, startLoginRequest: [] }), headers: json });
    assert.equal(wrongType.status, 400);
    const notOpaque = await call(base, 'POST', '/api/login/start', { body: JSON.stringify({ username: 'owner', startLoginRequest: 'A'.repeat(40) }), headers: json });
    assert.equal(notOpaque.status, 400);
    assert.match(notOpaque.json().error.message, /not an OPAQUE message/);
    const huge = await call(base, 'POST', '/api/login/start', { body: JSON.stringify({ username: 'x', startLoginRequest: 'y'.repeat(100_000) }), headers: json });
    assert.equal(huge.status, 413);
    const wrongPassword = await login(base, 'owner', 'nope nope nope');
    assert.equal(wrongPassword.status, 401);
    const forged = await call(base, 'GET', '/api/clips', { headers: { cookie: '__Host-porchlight_session=forged' } });
    assert.equal(forged.status, 401);
    const traversal = await call(base, 'GET', '/api/clips/..%2F..%2Fhub.db/video', { headers: { cookie: (await signIn()).cookie } });
    assert.equal(traversal.status, 400);
    const { cookie, csrf } = await signIn();
    const noCsrf = await call(base, 'POST', '/api/pairing/open', { headers: { cookie } });
    assert.equal(noCsrf.status, 403);
    const withCsrf = await call(base, 'POST', '/api/pairing/open', { headers: { cookie, 'x-csrf-token': csrf } });
    assert.equal(withCsrf.status, 200);
    assert.match(withCsrf.json().code, /^\d{8}$/);
    const badPair = await call(base, 'POST', '/api/pair/start', { body: JSON.stringify({ ke1: "1' OR 1=1 --" }), headers: json });
    assert.equal(badPair.status, 400);
    const oldPairing = await call(base, 'POST', '/api/pair', { body: JSON.stringify({ code: '00000000', name: 'x' }), headers: json });
    assert.equal(oldPairing.status, 410, 'the one-request pairing that sent the code is gone');
    await assert.rejects(pairWithHub(base, withCsrf.json().code === '00000000' ? '00000001' : '00000000', 'x'), /did not prove it knows this pairing code/);

    const events = (body: string, token = device.token) =>
      call(base, 'POST', '/api/device/events', { body, headers: { ...json, authorization: `Bearer ${token}` } });
    assert.equal((await events('{"kind":')).status, 400);
    assert.equal((await events(JSON.stringify({ kind: 'explode', mediaTime: 1, at: 1 }))).status, 400);
    assert.equal((await events(JSON.stringify({ kind: 'start', mediaTime: -1, at: 1 }))).status, 400);
    assert.equal((await events(JSON.stringify({ kind: 'start', mediaTime: 1, at: 1 }), 'not-a-real-token-at-all')).status, 401);
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM motion_events').get() as { n: number }).n, 0, 'nothing stored');
    assert.equal((await events(JSON.stringify({ kind: 'start', mediaTime: 1, at: 1 }))).status, 200);
  });

  it('refuses TLS 1.0 and 1.1 handshakes and TLS 1.2 suites without AEAD, and accepts 1.2 and 1.3 (Debian openssl s_client)', async () => {
    // The protocol and suite agreed, or null when the handshake failed. s_client prints
    // "Protocol : TLSv1.2" for a refused handshake too; only its "New, …, Cipher is …" line
    // tells a handshake that happened.
    // stdin is /dev/null so s_client ends right after the handshake.
    const handshake = (flag: string, cipher = 'DEFAULT@SECLEVEL=0') =>
      new Promise<string | null>((resolve) => {
        const args = ['s_client', '-connect', `127.0.0.1:${httpsPort}`, flag];
        if (flag !== '-tls1_3') args.push('-cipher', cipher);
        const child = spawn('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('close', () => {
          const agreed = /^New, (TLSv1(?:\.\d)?), Cipher is (\S+)/m.exec(out);
          resolve(agreed ? `${agreed[1]} ${agreed[2]}` : null);
        });
      });
    assert.equal(await handshake('-tls1'), null);
    assert.equal(await handshake('-tls1_1'), null);
    // A client that offers only CBC suites (no AEAD), as a downgrading middlebox would: Node's
    // default list takes them. (Suites without ECDHE cannot meet the hub's ECDSA certificate anyway.)
    assert.equal(await handshake('-tls1_2', 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA@SECLEVEL=0'), null);
    assert.match(String(await handshake('-tls1_2')), /^TLSv1\.2 ECDHE-ECDSA-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/);
    assert.match(String(await handshake('-tls1_3')), /^TLSv1\.3 TLS_/);
  });

  it('serves the web page and its bundled script with a strict content security policy', async () => {
    const page = await call(base, 'GET', '/');
    assert.equal(page.status, 200);
    const html = page.body.toString();
    assert.match(html, /<script src="\/app.js" defer><\/script>/);
    // No inline script or style, and no event-handler attributes.
    assert.doesNotMatch(html, /<script>|<style|\son[a-z]+=/i);
    const script = await call(base, 'GET', '/app.js');
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
    assert.ok(script.body.length > 1000, 'the bundle is served');
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.match(String(page.headers['strict-transport-security']), /max-age/);
  });

  it('serves the service worker from the root as script that is always revalidated, the manifest and the icons', async () => {
    const worker = await call(base, 'GET', '/sw.js');
    assert.equal(worker.status, 200);
    assert.match(String(worker.headers['content-type']), /^text\/javascript/, 'a browser registers a worker only when it is served as script');
    assert.equal(worker.headers['cache-control'], 'no-cache', 'a new hub version reaches installed apps at their next start');
    assert.match(worker.body.toString(), /porchlight-shell-/);
    assert.doesNotMatch(worker.body.toString(), /PORCHLIGHT_SHELL_VERSION/, "the cache is named for the build's shell");
    const manifest = await call(base, 'GET', '/manifest.webmanifest');
    assert.match(String(manifest.headers['content-type']), /^application\/manifest\+json/);
    const icons = (manifest.json() as { icons: Array<{ src: string; sizes: string }> }).icons;
    for (const icon of icons) {
      const png = await call(base, 'GET', icon.src);
      assert.equal(png.status, 200, icon.src);
      assert.equal(png.headers['content-type'], 'image/png');
      const size = Number(icon.sizes.split('x')[0]);
      assert.equal(png.body.readUInt32BE(16), size, `${icon.src} is ${icon.sizes}`);
    }
  });

  it('reads Accept-Encoding as browsers and proxies write it: gzip;q=0 is a no', () => {
    assert.equal(acceptsGzip('gzip, deflate, br'), true);
    assert.equal(acceptsGzip('br;q=1.0, gzip;q=0.8'), true);
    assert.equal(acceptsGzip('*'), true);
    assert.equal(acceptsGzip('gzip;q=0'), false);
    assert.equal(acceptsGzip('*, gzip;q=0'), false, 'gzip named wins over *');
    assert.equal(acceptsGzip('identity'), false);
    assert.equal(acceptsGzip(''), false);
  });

  it('sends the page, its script and its stylesheet gzipped to a browser that takes gzip, the same bytes unpacked', async () => {
    for (const url of ['/', '/app.js', '/app.css', '/sw.js', '/manifest.webmanifest']) {
      const plain = await call(base, 'GET', url);
      const packed = await call(base, 'GET', url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
      assert.equal(plain.headers['content-encoding'], undefined, `${url} plain for a client without gzip`);
      assert.equal(packed.headers['content-encoding'], 'gzip', url);
      assert.match(String(packed.headers.vary), /accept-encoding/i, url);
      assert.deepEqual(gunzipSync(packed.body), plain.body, url);
      if (url === '/app.js') assert.ok(packed.body.length < plain.body.length / 2, `the script shrinks: ${packed.body.length} of ${plain.body.length} bytes`);
    }
  });
});


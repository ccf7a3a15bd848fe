import { strict as assert } from 'node:assert';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import * as opaque from '@serenity-kit/opaque';
import { HubClient } from '../../camera-agent/hubClient';
import { identityFile } from '../../camera-agent/identity';
import { pairCamera } from '../../camera-agent/pairCamera';
import { ensureHubTls, type HubTls } from '../../hub/certificates';
import { openPairingWindow } from '../../hub/pairing';
import { useTestHubWithUsers } from '../helpers/hub';
import { useTempDir } from '../helpers/tmp';

/*
 * Issue 19, pairing: the one-time code must authenticate both sides (OPAQUE), so that
 *  - a fake hub on the LAN (its own certificate, CA and footage key) gets neither the camera
 *    nor anything to test code guesses against offline;
 *  - a man in the middle who terminates TLS and forwards to the real hub cannot hand the
 *    camera his own CA or footage key, nor read its token;
 *  - a wrong code is refused and counted, and still never crosses the network.
 * Every attacker here is a real HTTPS server on 127.0.0.1; the camera is the real client.
 */

interface Captured {
  method: string;
  url: string;
  body: string;
}

interface Server {
  base: string;
  captured: Captured[];
  close(): Promise<void>;
}

function readBody(req: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function listen(tls: HubTls, handle: (c: Captured) => Promise<{ status: number; body: unknown }>): Promise<Server> {
  const captured: Captured[] = [];
  const server = https.createServer({ cert: tls.chainPem, key: tls.keyPem }, (req, res) => {
    void (async () => {
      const c = { method: req.method ?? '', url: req.url ?? '', body: await readBody(req) };
      captured.push(c);
      const answer = await handle(c);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    captured,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The attacker's CA, server certificate and footage key, all his own. */
async function attackerKit(dir: string): Promise<{ tls: HubTls; footagePublicKey: string }> {
  return { tls: await ensureHubTls(dir), footagePublicKey: randomBytes(32).toString('base64') };
}

/**
 * A fake hub. It answers the old one-request pairing with its own CA and footage key, and the
 * OPAQUE pairing as well as anyone without the code's record can: with a record made for a
 * code it guesses.
 */
async function fakeHub(dir: string, guess: string): Promise<Server & { footagePublicKey: string }> {
  const kit = await attackerKit(dir);
  const serverSetup = opaque.server.createSetup();
  const reg = opaque.client.startRegistration({ password: guess });
  const { registrationResponse } = opaque.server.createRegistrationResponse({ serverSetup, userIdentifier: 'porchlight-pairing-window', registrationRequest: reg.registrationRequest });
  const { registrationRecord } = opaque.client.finishRegistration({ password: guess, registrationResponse, clientRegistrationState: reg.clientRegistrationState });
  const server = await listen(kit.tls, async ({ url, body }) => {
    if (url === '/api/pair') {
      return {
        status: 200,
        body: { deviceId: randomUUID(), token: randomBytes(24).toString('base64url'), caPem: kit.tls.caPem, caFingerprint: kit.tls.caFingerprint, footagePublicKey: kit.footagePublicKey },
      };
    }
    if (url === '/api/pair/start') {
      const { ke1 } = JSON.parse(body) as { ke1: string };
      const { loginResponse } = opaque.server.startLogin({ serverSetup, registrationRecord, startLoginRequest: ke1, userIdentifier: 'porchlight-pairing-window' });
      return { status: 200, body: { exchangeId: randomBytes(18).toString('base64url'), ke2: loginResponse } };
    }
    return { status: 200, body: {} };
  });
  return { ...server, footagePublicKey: kit.footagePublicKey };
}

/**
 * A man in the middle: terminates TLS with his own certificate, forwards every request to the
 * real hub and, in the hub's pairing answer, puts his own CA and footage key. With
 * `hideFingerprint` he also rewrites the certificate fingerprint the camera reports, to the one
 * the real hub serves, so the hub would not see him.
 */
async function interceptor(dir: string, hubBase: string, hideFingerprint = false): Promise<Server & { footagePublicKey: string }> {
  const kit = await attackerKit(dir);
  let hubFingerprint = '';
  const swap = (answer: Record<string, unknown>) => ({ ...answer, caPem: kit.tls.caPem, caFingerprint: kit.tls.caFingerprint, footagePublicKey: kit.footagePublicKey });
  const server = await listen(kit.tls, async ({ method, url, body }) => {
    let forwarded = body;
    if (hideFingerprint && url === '/api/pair/finish') forwarded = JSON.stringify({ ...(JSON.parse(body) as object), tlsFingerprint: hubFingerprint });
    const upstream = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = https.request(
        new URL(url, hubBase),
        { method, rejectUnauthorized: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(forwarded) } },
        (res) => {
          hubFingerprint = (res.socket as TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? '';
          void readBody(res).then((text) => resolve({ status: res.statusCode ?? 0, text }), reject);
        },
      );
      req.on('error', reject);
      req.end(forwarded);
    });
    let answer = JSON.parse(upstream.text) as Record<string, unknown>;
    if (upstream.status === 200 && url === '/api/pair') answer = swap(answer);
    if (upstream.status === 200 && url === '/api/pair/finish') {
      answer = { ...answer, answer: JSON.stringify(swap(JSON.parse(String(answer.answer)) as Record<string, unknown>)) };
    }
    return { status: upstream.status, body: answer };
  });
  return { ...server, footagePublicKey: kit.footagePublicKey };
}

/** Every form of the code an attacker could read or check a guess against. */
function codeForms(code: string): string[] {
  const sha = createHash('sha256').update(code).digest();
  return [code, Buffer.from(code).toString('base64'), Buffer.from(code).toString('base64url'), sha.toString('hex'), sha.toString('base64'), sha.toString('base64url')];
}

describe('pairing with OPAQUE: the one-time code authenticates hub and camera both', function () {
  this.timeout(60_000);
  before(() => opaque.ready);
  const hub = useTestHubWithUsers(['owner']);
  const tmp = useTempDir('porchlight-pake-');
  const devices = () => (hub().db.prepare('SELECT COUNT(*) AS n FROM devices').get() as { n: number }).n;

  it('pairs a camera with the real hub, which keeps no hash of the code, only an OPAQUE record', async () => {
    const { code } = await openPairingWindow(hub().db, 60_000);
    const agentDir = path.join(tmp.dir, 'agent');
    const identity = await pairCamera(agentDir, hub().base, code, 'porch');
    assert.ok(existsSync(identityFile(agentDir)));
    const client = new HubClient(identity);
    try {
      await client.sendEvent({ kind: 'start', mediaTime: 1, at: Date.now() });
    } finally {
      client.close();
    }
    const row = hub().db.prepare('SELECT * FROM pairing_windows ORDER BY id DESC LIMIT 1').get() as Record<string, unknown>;
    assert.equal(row.closed_reason, 'used');
    // An 8-digit code's hash is a table lookup away from the code: a stolen database must not hold one.
    const stored = JSON.stringify(row);
    for (const form of codeForms(code)) assert.ok(!stored.includes(form), `the window row holds the code as ${form}`);
    assert.equal(typeof row.opaque_record, 'string', 'the window keeps the OPAQUE registration record of its code');
  });

  it('a fake hub with its own certificate and footage key gets no camera, no code, and nothing to test guesses against', async () => {
    const { code } = await openPairingWindow(hub().db, 60_000);
    const guess = code === '12345678' ? '87654321' : '12345678';
    const fake = await fakeHub(path.join(tmp.dir, 'fake'), guess);
    const agentDir = path.join(tmp.dir, 'agent');
    try {
      await assert.rejects(pairCamera(agentDir, fake.base, code, 'porch'), /did not prove it knows this pairing code.*nothing was stored/);
      await assert.rejects(pairCamera(agentDir, fake.base, code, 'porch'), /did not prove it knows this pairing code/);
    } finally {
      await fake.close();
    }
    assert.ok(!existsSync(identityFile(agentDir)), 'the camera stored no identity, so no footage is ever sealed to the fake key');

    const heard = fake.captured.map((c) => c.body).join('\n');
    for (const form of codeForms(code)) assert.ok(!heard.includes(form), `the fake hub heard the code as ${form}`);
    assert.deepEqual(
      fake.captured.map((c) => c.url),
      ['/api/pair/start', '/api/pair/abandon', '/api/pair/start', '/api/pair/abandon'],
      'the camera stops after the fake answer: no KE3, nothing keyed by the code goes out',
    );
    const ke1s = fake.captured.filter((c) => c.url === '/api/pair/start').map((c) => (JSON.parse(c.body) as { ke1: string }).ke1);
    assert.notEqual(ke1s[0], ke1s[1], 'KE1 is blinded afresh each time: the same code gives different bytes');
    // The offline attack that the old hash (or the code itself) allowed: compute what each
    // candidate code would have sent and compare. With a blinded KE1 no candidate matches, the
    // right code included, so capturing it gives the fake hub no way to test guesses.
    const candidates = [code, guess, ...Array.from({ length: 998 }, (_, i) => String(i).padStart(8, '0'))];
    for (const candidate of candidates) {
      const would = opaque.client.startLogin({ password: candidate }).startLoginRequest;
      assert.ok(!ke1s.includes(would), `candidate ${candidate} reproduces the captured KE1`);
    }
    assert.equal(devices(), 0);
  });

  for (const hideFingerprint of [false, true]) {
    it(`a man in the middle who terminates TLS and swaps in his own CA and footage key is refused${hideFingerprint ? ', even when he rewrites the certificate the camera reports' : ''}`, async () => {
      const { code } = await openPairingWindow(hub().db, 60_000);
      const mitm = await interceptor(path.join(tmp.dir, 'mitm'), hub().base, hideFingerprint);
      const agentDir = path.join(tmp.dir, 'agent');
      try {
        await assert.rejects(pairCamera(agentDir, mitm.base, code, 'porch'), hideFingerprint ? /changed on the way to the hub/ : /TLS certificate this hub did not serve/);
      } finally {
        await mitm.close();
      }
      assert.ok(!existsSync(identityFile(agentDir)), 'the camera stored nothing');
      assert.equal(devices(), 0, 'the hub issued no device and no token');
      const heard = mitm.captured.map((c) => c.body).join('\n');
      for (const form of codeForms(code)) assert.ok(!heard.includes(form), `the man in the middle read the code as ${form}`);
      const refused = hub().db.prepare("SELECT detail FROM audit_log WHERE action = 'pairing.refused'").all() as Array<{ detail: string }>;
      assert.equal(refused.length, 1);
      assert.match(refused[0]!.detail, /intercepted/);
    });
  }

  it('a wrong code is refused by the camera itself, counted against the window, and never sent', async () => {
    const { code } = await openPairingWindow(hub().db, 60_000);
    const wrong = code === '00000000' ? '00000001' : '00000000';
    // An honest relay (it changes nothing) shows what crossed the network.
    const relay = await interceptor(path.join(tmp.dir, 'relay'), hub().base);
    const agentDir = path.join(tmp.dir, 'agent');
    try {
      await assert.rejects(pairCamera(agentDir, relay.base, wrong, 'porch'), /did not prove it knows this pairing code: the code is wrong/);
    } finally {
      await relay.close();
    }
    assert.ok(!existsSync(identityFile(agentDir)));
    const heard = relay.captured.map((c) => c.body).join('\n');
    for (const form of [...codeForms(wrong), ...codeForms(code)]) assert.ok(!heard.includes(form), `the code crossed the network as ${form}`);
    const row = hub().db.prepare('SELECT attempts, closed_at FROM pairing_windows ORDER BY id DESC LIMIT 1').get() as { attempts: number; closed_at: number | null };
    assert.deepEqual(row, { attempts: 1, closed_at: null }, 'one attempt counted; the window stays open for the right code');
    const refused = hub().db.prepare("SELECT detail FROM audit_log WHERE action = 'pairing.refused'").all() as Array<{ detail: string }>;
    assert.equal(refused.length, 1);
    assert.match(refused[0]!.detail, /wrong-code/);
    const identity = await pairCamera(agentDir, hub().base, code, 'porch');
    assert.ok(identity.deviceId, 'the right code still pairs');
  });
});

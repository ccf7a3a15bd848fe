import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pairWithHub } from '../../camera-agent/hubClient';
import { ClipEncryptor } from '../../common/clipEnvelope';
import type { ClipUploadMeta, PairResponse } from '../../common/protocol';
import { openPairingWindow } from '../../hub/pairing';
import { startTestHub, type TestHub } from '../helpers/hub';
import { makeTestMp4 } from '../helpers/media';

/*
 * A camera's upload refused before the hub has read all of it (a bad token, a clip too large
 * or not a clip, an id taken, a full disk) must leave the connection usable: the camera's
 * keep-alive pool hands the same connection to its next request, and a hub that stopped
 * reading it mid-body would leave that request unanswered until the camera's 30 s timeout.
 * (A full disk, 507, needs a tmpfs and root: test/integration/flakyNetwork.test.ts.)
 */

interface Answer {
  status: number;
  code: string | undefined;
  reused: boolean;
}

/** Well under the camera's 30 s request timeout, generous for a loaded machine. */
const PROMPT_MS = 10_000;

describe('clip upload refused early: the answer arrives and the connection still serves the next request', function () {
  this.timeout(60_000);
  // One hub for the file: the temp dir is made here, not per test.
  let dir: string;
  let hub: TestHub;
  let porch: PairResponse;
  let garden: PairResponse;
  let agent: https.Agent;
  let mp4: Buffer;
  const maxClipBytes = 1024 * 1024;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'porchlight-refusals-'));
    hub = await startTestHub(path.join(dir, 'hub'), { maxClipBytes });
    porch = await pairWithHub(hub.base, (await openPairingWindow(hub.db, 60_000)).code, 'porch');
    garden = await pairWithHub(hub.base, (await openPairingWindow(hub.db, 60_000)).code, 'garden');
    mp4 = makeTestMp4(dir, 1);
  });
  after(async () => {
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // One connection at a time, kept alive: what a camera's client does.
  beforeEach(() => (agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false })));
  afterEach(() => agent.destroy());

  const meta = (clipId: string): string => {
    const m: ClipUploadMeta = { clipId, startedAt: 1_700_000_000_000, endedAt: 1_700_000_005_000, mediaStart: 0, mediaEnd: 5, trigger: 'motion' };
    return JSON.stringify(m);
  };

  const sealed = async (paired: PairResponse, clipId: string, padBytes = 0): Promise<Buffer> => {
    const enc = await ClipEncryptor.create({ publicKey: new Uint8Array(Buffer.from(paired.footagePublicKey, 'base64')) }, { clipId, deviceId: paired.deviceId });
    return Buffer.concat([enc.header, ...enc.push(Buffer.concat([mp4, randomBytes(padBytes)])), enc.final()]);
  };

  /** Sends on the shared agent; fails naming `what` when no answer comes within PROMPT_MS. */
  function send(what: string, route: string, opts: { method?: string; token?: string; clipId?: string; body?: Buffer; chunked?: boolean } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.clipId) headers['x-porchlight-clip'] = meta(opts.clipId);
      if (opts.body) headers['content-type'] = 'application/octet-stream';
      if (opts.body && !opts.chunked) headers['content-length'] = opts.body.length;
      const req = https.request(new URL(route, hub.base), { method: opts.method ?? 'POST', agent, headers, timeout: PROMPT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let code: string | undefined;
          try {
            code = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { code?: string } }).error?.code;
          } catch {
            code = undefined;
          }
          resolve({ status: res.statusCode ?? 0, code, reused: req.reusedSocket });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${what}: no answer within ${PROMPT_MS} ms (a connection left half-read by the refusal before it?)`)));
      // The refused body may be cut once the hub has answered; the answer is what counts.
      req.on('error', (err) => reject(err));
      if (!opts.body) return void req.end();
      if (!opts.chunked) return void req.end(opts.body);
      for (let at = 0; at < opts.body.length; at += 64 * 1024) req.write(opts.body.subarray(at, at + 64 * 1024));
      req.end();
    });
  }

  /** The refusal, then two more requests on the same agent: a health check and a real clip. */
  async function refusedThenServed(what: string, refused: () => Promise<Answer>, status: number, code: string): Promise<void> {
    const answer = await refused();
    assert.equal(answer.status, status, `${what}: status`);
    assert.equal(answer.code, code, `${what}: error code`);
    const health = await send(`${what}, then GET /api/health`, '/api/health', { method: 'GET' });
    assert.equal(health.status, 200);
    const clipId = randomUUID();
    const ok = await send(`${what}, then a good clip`, '/api/device/clips', { token: porch.token, clipId, body: await sealed(porch, clipId) });
    assert.equal(ok.status, 201, `${what}: the next clip is stored`);
  }

  // Bigger than the socket buffers, so the hub answers while most of the body is unread.
  const big = () => randomBytes(maxClipBytes - 4096);

  it('not a clip (refused by the first chunk, mid-stream): 400, then the next requests are answered', async () => {
    await refusedThenServed('not a clip', () => send('not a clip', '/api/device/clips', { token: porch.token, clipId: randomUUID(), body: big() }), 400, 'CLIP_FORMAT');
  });

  it('too large, found while streaming (no declared length): 413, then the next requests are answered', async () => {
    const clipId = randomUUID();
    const body = await sealed(porch, clipId, maxClipBytes);
    await refusedThenServed('too large, chunked', () => send('too large', '/api/device/clips', { token: porch.token, clipId, body, chunked: true }), 413, 'CLIP_TOO_LARGE');
  });

  it('too large by its declared length (refused before reading): 413, then the next requests are answered', async () => {
    const body = randomBytes(maxClipBytes + 4096);
    await refusedThenServed('too large, declared', () => send('too large', '/api/device/clips', { token: porch.token, clipId: randomUUID(), body }), 413, 'CLIP_TOO_LARGE');
  });

  it('a wrong token (refused before the handler): 401, then the next requests are answered', async () => {
    await refusedThenServed('wrong token', () => send('wrong token', '/api/device/clips', { token: 'xw7ITVneg1DifRRQuPGcA7fJvV8-FAVl', clipId: randomUUID(), body: big() }), 401, 'BAD_DEVICE_TOKEN');
  });

  it("a clip id another camera holds: 409, then the next requests are answered", async () => {
    const clipId = randomUUID();
    const stored = await send('garden stores a clip', '/api/device/clips', { token: garden.token, clipId, body: await sealed(garden, clipId) });
    assert.equal(stored.status, 201);
    await refusedThenServed('id taken', () => send('id taken', '/api/device/clips', { token: porch.token, clipId, body: big() }), 409, 'CLIP_ID_TAKEN');
  });
});

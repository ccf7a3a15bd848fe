import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { HubClient, HubRequestError } from '../../camera-agent/hubClient';
import type { ClipUploadMeta } from '../../common/protocol';
import { ensureHubTls } from '../../hub/certificates';
import { useTempDir } from '../helpers/tmp';

/*
 * The camera's side of an upload refused early: a hub (or anything between) that answers
 * before reading the whole body and then stops reading that connection. The agent's client
 * must not hand that connection to its next request, which would wait out the 30 s timeout.
 */
describe('hub client: a connection that carried a refused upload is not reused', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let server: https.Server | null = null;
  let client: HubClient | null = null;
  afterEach(async () => {
    client?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = client = null;
  });

  it('answered 507 after one chunk and never read again: the next upload goes out on a new connection and is stored at once', async () => {
    const tls = await ensureHubTls(path.join(tmp.dir, 'tls'));
    const connections = new Set<unknown>();
    let uploads = 0;
    server = https.createServer({ cert: tls.chainPem, key: tls.keyPem }, (req: IncomingMessage, res: ServerResponse) => {
      connections.add(req.socket);
      uploads++;
      if (uploads === 1) {
        // The refusal comes after the first chunk; the rest of the body is never read.
        req.once('data', () => {
          req.pause();
          // Once the camera has handed the whole body to its socket, as on a fast link: the
          // connection then looks free to its keep-alive pool as soon as the answer is read.
          setTimeout(() => {
            res.writeHead(507, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { code: 'HUB_DISK_FULL', message: "the hub's disk is full" } }));
          }, 300);
        });
        return;
      }
      req.resume();
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    // As long as the hub keeps an idle connection (fastify's default), longer than the camera's timeout.
    server.keepAliveTimeout = 72_000;
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    client = new HubClient({ deviceId: randomUUID(), token: 'token', name: 'porch', hubUrl: `https://127.0.0.1:${port}`, caPem: tls.caPem, caFingerprint: tls.caFingerprint, footagePublicKey: '' });
    const meta: ClipUploadMeta = { clipId: randomUUID(), startedAt: 1, endedAt: 2, mediaStart: 0, mediaEnd: 1, trigger: 'motion' };
    // Small enough to fit the socket buffers while the hub does not read.
    const file = path.join(tmp.dir, 'clip.plc');
    writeFileSync(file, randomBytes(64 * 1024));

    await assert.rejects(client.uploadClip(meta, file), (err: unknown) => err instanceof HubRequestError && err.status === 507 && err.code === 'HUB_DISK_FULL');
    const started = Date.now();
    await client.uploadClip(meta, file);
    const tookMs = Date.now() - started;
    assert.equal(uploads, 2);
    assert.equal(connections.size, 2, 'the second upload used a new connection');
    // The bug waited out the 30 s request timeout; a new connection on loopback takes milliseconds.
    assert.ok(tookMs < 10_000, `the second upload took ${tookMs} ms`);
  });
});

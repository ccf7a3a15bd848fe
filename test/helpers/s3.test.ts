import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import * as http from 'node:http';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AddressInfo } from 'node:net';
import { CurlError, curlListObjects, startS3, type S3Peer } from './s3';
import { useTempDir } from './tmp';

function sdkClient(peer: S3Peer): S3Client {
  return new S3Client({
    endpoint: peer.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

describe('test helper: S3 peer (s3rver + curl)', function () {
  this.timeout(60_000);
  const tmp = useTempDir();

  it('writes a 0600 credentials file and serves the default bucket on 127.0.0.1', async () => {
    const peer = await startS3(tmp.dir);
    try {
      assert.equal(peer.bucket, 'footage');
      assert.match(peer.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(peer.endpoint, `http://127.0.0.1:${peer.port}`);
      assert.ok(peer.dir.startsWith(tmp.dir));
      assert.equal(statSync(peer.credentialsFile).mode & 0o777, 0o600);
      assert.deepEqual(await peer.listObjects(), []);
    } finally {
      await peer.close();
    }
  });

  it('sees through curl what the AWS SDK put, and keeps it across stop/start on the same port', async () => {
    const peer = await startS3(tmp.dir);
    const client = sdkClient(peer);
    try {
      const body = randomBytes(300_000);
      const key = 'cam/front door/2024-05-01T10:00:00Z.clip';
      await client.send(new PutObjectCommand({ Bucket: peer.bucket, Key: key, Body: body }));

      assert.deepEqual(await peer.listObjects(), [{ key, size: body.length }]);
      assert.ok((await peer.getObject(key)).equals(body));
      assert.equal(await peer.objectSha256(key), createHash('sha256').update(body).digest('hex'));

      const port = peer.port;
      await peer.stop();
      assert.equal(peer.running, false);
      await assert.rejects(peer.listObjects(), (e: unknown) => e instanceof CurlError && e.exitCode === 7);
      await assert.rejects(client.send(new PutObjectCommand({ Bucket: peer.bucket, Key: 'x', Body: 'x' })), /ECONNREFUSED/);

      await peer.start();
      assert.equal(peer.running, true);
      assert.equal(peer.port, port);
      assert.deepEqual(await peer.listObjects(), [{ key, size: body.length }]);
      assert.ok((await peer.getObject(key)).equals(body));
    } finally {
      client.destroy();
      await peer.close();
      await peer.close();
    }
  });

  it('drops an in-flight upload when stopped', async () => {
    const peer = await startS3(tmp.dir);
    try {
      let connected!: () => void;
      const isConnected = new Promise<void>((r) => (connected = r));
      const failed = new Promise<Error>((resolve, reject) => {
        const req = http.request(`${peer.endpoint}/${peer.bucket}/slow`, { method: 'PUT', headers: { 'content-length': 1_000_000 } });
        req.on('response', () => reject(new Error('the upload was answered')));
        req.on('error', resolve);
        req.on('socket', (s) => s.on('connect', connected));
        req.write(Buffer.alloc(1000));
      });
      await isConnected;
      // Let s3rver read the headers and start on the body, so the upload is truly in flight.
      await new Promise((r) => setTimeout(r, 200));
      await peer.stop();
      const err = (await failed) as NodeJS.ErrnoException;
      assert.ok(['ECONNRESET', 'EPIPE'].includes(err.code ?? ''), String(err));
    } finally {
      await peer.close();
    }
  });

  it('lists more than 1000 objects, in any of several buckets', async () => {
    const peer = await startS3(tmp.dir, { buckets: ['footage', 'other'] });
    const client = sdkClient(peer);
    try {
      const keys = Array.from({ length: 1001 }, (_, i) => `k/${String(i).padStart(4, '0')}`);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((Key) => client.send(new PutObjectCommand({ Bucket: 'other', Key, Body: Key }))));
      }
      const listed = await peer.listObjects('other');
      assert.deepEqual(listed.map((o) => o.key).sort(), keys);
      assert.ok(listed.every((o) => o.size === 6));
      assert.deepEqual(await peer.listObjects(), []);
      assert.equal((await peer.getObject('k/0042', 'other')).toString(), 'k/0042');
    } finally {
      client.destroy();
      await peer.close();
    }
  });

  it('curl client: follows continuation tokens, decodes XML entities and signs with SigV4', async () => {
    // s3rver cannot hand out continuation tokens (see s3.ts), so a scripted peer plays S3 here.
    const seen: Array<{ url: string; auth: string; sha: string }> = [];
    const pages: Record<string, string> = {
      '': '<IsTruncated>true</IsTruncated><NextContinuationToken>a+b/c=</NextContinuationToken><Contents><Key>x &amp; y&#x2F;z</Key><Size>3</Size></Contents>',
      'a+b/c=': '<IsTruncated>false</IsTruncated><Contents><Key>&lt;2&gt;</Key><Size>10</Size></Contents><Contents><Key>3</Key><Size>0</Size></Contents>',
    };
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '', 'http://x');
      seen.push({ url: req.url ?? '', auth: req.headers.authorization ?? '', sha: String(req.headers['x-amz-content-sha256']) });
      const page = pages[url.searchParams.get('continuation-token') ?? ''];
      res.writeHead(page === undefined ? 400 : 200, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>${page ?? ''}</ListBucketResult>`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      assert.deepEqual(await curlListObjects(endpoint, 'b'), [
        { key: 'x & y/z', size: 3 },
        { key: '<2>', size: 10 },
        { key: '3', size: 0 },
      ]);
      assert.deepEqual(
        seen.map((r) => r.url),
        ['/b?list-type=2', '/b?list-type=2&continuation-token=a%2Bb%2Fc%3D'],
      );
      for (const r of seen) {
        assert.match(r.auth, /^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request, /);
        assert.equal(r.sha, createHash('sha256').digest('hex'));
      }
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});


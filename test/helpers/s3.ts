import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';

// Only the Koa side of s3rver is used: its own run()/listen() turn EADDRINUSE into an
// unhandled 'error' event and cannot reuse a port, which a restart on the same port needs.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver ships no types; the members used are typed here
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  configureBuckets(): Promise<unknown>;
  callback(): http.RequestListener;
  logger: { close(): void };
  store: { listObjects(bucket: string, options: { maxKeys?: number }): Promise<unknown> };
};

export interface S3Object {
  key: string;
  size: number;
}

export interface S3Peer {
  /** http://127.0.0.1:PORT, path-style. */
  readonly endpoint: string;
  readonly port: number;
  /** The first configured bucket. */
  readonly bucket: string;
  /** YAML with the S3RVER key pair, as the relay's config expects. */
  readonly credentialsFile: string;
  /** s3rver's storage directory. */
  readonly dir: string;
  readonly running: boolean;
  /** Drops every open connection at once, as a vanished peer would. */
  stop(): Promise<void>;
  /** Serves again on the same port and storage. */
  start(): Promise<void>;
  /** Stops for good; safe to call more than once. */
  close(): Promise<void>;
  listObjects(bucket?: string): Promise<S3Object[]>;
  getObject(key: string, bucket?: string): Promise<Buffer>;
  objectSha256(key: string, bucket?: string): Promise<string>;
}

/** Thrown when curl fails; exitCode 7 is "could not connect". */
export class CurlError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = 'CurlError';
  }
}

const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';
// Every request this client makes is a GET without a body.
const EMPTY_SHA256 = createHash('sha256').digest('hex');

function decodeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    switch (e.toLowerCase()) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m?.[1] === undefined ? undefined : decodeXml(m[1]);
}

/**
 * curl rather than the AWS SDK, so that a bug in how the product drives the SDK cannot
 * also hide in the check of what actually landed in the bucket.
 */
function curl(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'curl',
      [
        ...['--silent', '--show-error', '--fail-with-body', '--max-time', '30'],
        ...['--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', `${ACCESS_KEY}:${SECRET_KEY}`],
        // s3rver (like S3) insists on it, and curl 7.88 only sends it when told to.
        ...['--header', `x-amz-content-sha256: ${EMPTY_SHA256}`],
        url,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else {
        const detail = [Buffer.concat(err).toString('utf8').trim(), Buffer.concat(out).toString('utf8').slice(0, 500).trim()];
        reject(new CurlError(`curl ${url} exited ${code}: ${detail.filter(Boolean).join('\n')}`, code));
      }
    });
  });
}

function objectPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** ListObjectsV2 through curl, following continuation tokens. */
export async function curlListObjects(endpoint: string, bucket: string): Promise<S3Object[]> {
  const objects: S3Object[] = [];
  let token: string | undefined;
  do {
    const query = `list-type=2${token === undefined ? '' : `&continuation-token=${encodeURIComponent(token)}`}`;
    const xml = (await curl(`${endpoint}/${encodeURIComponent(bucket)}?${query}`)).toString('utf8');
    for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const body = m[1] ?? '';
      const key = tag(body, 'Key');
      const size = tag(body, 'Size');
      if (key === undefined || size === undefined) throw new Error(`unexpected ListObjectsV2 entry: ${body}`);
      objects.push({ key, size: Number(size) });
    }
    if (tag(xml, 'IsTruncated') === 'true') {
      token = tag(xml, 'NextContinuationToken');
      if (!token) throw new Error('truncated ListObjectsV2 answer without a NextContinuationToken');
    } else token = undefined;
  } while (token !== undefined);
  return objects;
}

export function curlGetObject(endpoint: string, bucket: string, key: string): Promise<Buffer> {
  return curl(`${endpoint}/${encodeURIComponent(bucket)}/${objectPath(key)}`);
}

class Peer implements S3Peer {
  readonly credentialsFile: string;
  readonly dir: string;
  readonly bucket: string;
  private boundPort = 0;
  private readonly app: InstanceType<typeof S3rver>;
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private closed = false;
  private configured = false;

  constructor(base: string, buckets: string[]) {
    const first = buckets[0];
    if (first === undefined) throw new Error('startS3 needs at least one bucket');
    this.bucket = first;
    this.dir = path.join(base, 's3');
    mkdirSync(this.dir, { recursive: true });
    this.credentialsFile = path.join(base, 's3-credentials.yaml');
    writeFileSync(this.credentialsFile, `accessKeyId: ${ACCESS_KEY}\nsecretAccessKey: ${SECRET_KEY}\n`, { mode: 0o600 });
    this.app = new S3rver({ silent: true, directory: this.dir, configureBuckets: buckets.map((name) => ({ name })) });
    // s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 no
    // longer offers, so every truncated V2 listing becomes a 500. One long page is the
    // smaller lie; only an explicit max-keys below 1000 still hits the bug.
    const store = this.app.store;
    const list = store.listObjects.bind(store);
    store.listObjects = (bucket, options) => list(bucket, { ...options, maxKeys: options.maxKeys === 1000 ? Infinity : options.maxKeys });
  }

  get port(): number {
    return this.boundPort;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('S3 peer is closed');
    if (this.server) return;
    if (!this.configured) {
      await this.app.configureBuckets();
      this.configured = true;
    }
    // The old socket can linger briefly in the kernel after a stop.
    for (let attempt = 0; ; attempt++) {
      const server = http.createServer(this.app.callback());
      server.on('connection', (s: Socket) => {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      });
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(this.boundPort, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
        this.boundPort = (server.address() as AddressInfo).port;
        this.server = server;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 40) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stop();
    this.app.logger.close();
  }

  listObjects(bucket = this.bucket): Promise<S3Object[]> {
    return curlListObjects(this.endpoint, bucket);
  }

  getObject(key: string, bucket = this.bucket): Promise<Buffer> {
    return curlGetObject(this.endpoint, bucket, key);
  }

  async objectSha256(key: string, bucket = this.bucket): Promise<string> {
    return createHash('sha256').update(await this.getObject(key, bucket)).digest('hex');
  }
}

/** A real S3 endpoint (s3rver) on 127.0.0.1, storing under dir; the caller must close() it. */
export async function startS3(dir: string, opts: { buckets?: string[] } = {}): Promise<S3Peer> {
  const peer = new Peer(dir, opts.buckets ?? ['footage']);
  await peer.start();
  return peer;
}

import { readFileSync, createReadStream } from 'node:fs';
import type { Readable, Transform } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import YAML from 'yaml';
import type { RelayTarget } from '../config';
import type { FileDigests } from '../fileHash';
import { describeRelayTarget } from './targetDescription';
import { describeIoError, NotFoundError, TargetConfigError, type UploadTarget } from './uploadTarget';

type S3Config = Extract<RelayTarget, { type: 's3' }>;

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface MultipartSettings {
  thresholdBytes: number;
  partSizeBytes: number;
}

/** Where the owner can fix a key pair: said after each credentials problem. */
const FIX_KEYS = 'enter the access key and secret on the System page (Cloud backup), or fix relay.target.credentialsFile';

/** Why a credentials file cannot be read, in words that name the fix (pure; its test needs no file). */
export function credentialsFileProblem(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return `the S3 credentials file ${file} does not exist: create it (accessKeyId and secretAccessKey, mode 0600) or ${FIX_KEYS}`;
    case 'EACCES':
    case 'EPERM':
      return `the S3 credentials file ${file} cannot be read by the relay's user (${code}): make it owned by the porchlight user, mode 0600, or ${FIX_KEYS}`;
    case 'EISDIR':
      return `the S3 credentials file ${file} is a folder, not a file: point relay.target.credentialsFile at the file, or ${FIX_KEYS}`;
    default:
      return `the S3 credentials file ${file} cannot be read (${code ?? (err as Error)?.message ?? String(err)}): ${FIX_KEYS}`;
  }
}

export function loadS3Credentials(file: string): S3Credentials {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TargetConfigError(credentialsFileProblem(file, err), { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch {
    // Not the parser's message: it quotes the line, and the line may hold the secret.
    throw new TargetConfigError(`the S3 credentials file ${file} is not YAML or JSON: it must hold accessKeyId and secretAccessKey; ${FIX_KEYS}`);
  }
  const c = parsed as Partial<S3Credentials> | null;
  if (!c || typeof c.accessKeyId !== 'string' || typeof c.secretAccessKey !== 'string' || !c.accessKeyId || !c.secretAccessKey) {
    throw new TargetConfigError(`the S3 credentials file ${file} must contain accessKeyId and secretAccessKey; ${FIX_KEYS}`);
  }
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
}

/** An endpoint the SDK could not send to, named before any request: no retry would cure it. */
export function endpointProblem(endpoint: string | undefined): string | null {
  if (endpoint === undefined) return null;
  // Checked first, and the address not quoted: "key:secret@host" must not reach a log.
  const userInfo = 'the S3 endpoint holds a user name or password: put the key pair in the credentials file or on the System page instead';
  if (endpoint.includes('@')) return userInfo;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `the S3 endpoint "${endpoint}" is not a web address: use one like https://s3.example.com (System page, Cloud backup, or relay.target.endpoint)`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `the S3 endpoint "${endpoint}" must start with https:// (or http:// on your own network)`;
  if (url.username || url.password) return userInfo;
  return null;
}

const CONFIG_ERRORS: Record<string, string> = {
  NoSuchBucket: 'the bucket does not exist',
  NotFound: 'the bucket does not exist (or the endpoint is not S3)',
  InvalidAccessKeyId: 'the access key is not known to the server',
  SignatureDoesNotMatch: 'the secret key is wrong',
  AccessDenied: 'the credentials may not write to this bucket',
  Forbidden: 'the credentials may not use this bucket',
  InvalidBucketName: 'the bucket name is not valid',
  PermanentRedirect: 'the bucket is in another region',
  AuthorizationHeaderMalformed: 'the region is wrong for this bucket',
};

const unquote = (etag: string | undefined) => (etag ?? '').replace(/"/g, '');

/**
 * S3-compatible storage (AWS, MinIO, R2, B2, …) through the AWS SDK v3. Clips from the
 * multipart threshold up go up in parts through lib-storage, one part in flight (a Pi's
 * memory holds one part). Every upload is verified with a HEAD: size, the SHA-256 kept in the
 * object's metadata, and the ETag the server computed from the bytes it got (MD5, or the MD5
 * of the parts' MD5s) — so a cut connection or a proxy that mangles bytes cannot pass.
 */
export class S3Target implements UploadTarget {
  readonly description: string;
  private readonly client: S3Client;

  constructor(
    private readonly config: S3Config,
    private readonly multipart: MultipartSettings,
    credentials?: S3Credentials,
  ) {
    const badEndpoint = endpointProblem(config.endpoint);
    if (badEndpoint) throw new TargetConfigError(badEndpoint);
    this.description = describeRelayTarget(config);
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: credentials ?? (config.credentialsFile ? loadS3Credentials(config.credentialsFile) : undefined),
      // Plain payloads: aws-chunked trailers are not understood by every S3-compatible server.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1, // the relay's queue does the retrying, with backoff that survives restarts
      // Quiet: every failure comes back to the relay as an error it logs once, as JSON; the
      // SDK's own console lines would break the log's format.
      logger: { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      // A silent network (a cable pulled mid-upload) must fail, not hang the queue.
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    });
  }

  private keyOf(key: string): string {
    return `${this.config.prefix}${key}`;
  }

  /** Turns SDK and socket errors into messages that name the fix. */
  private explain(err: unknown): Error {
    if (err instanceof S3ServiceException) {
      const known = CONFIG_ERRORS[err.name];
      const status = err.$metadata.httpStatusCode;
      // HEAD answers carry no error body: only the status says what went wrong.
      const reason = known ?? (status === 401 || status === 403 ? 'the server refused these credentials' : undefined);
      if (reason) return new TargetConfigError(`S3 refused (${known ? err.name : `HTTP ${status}`}): ${reason} — check the cloud backup settings (bucket "${this.config.bucket}", region ${this.config.region}) and the access key: on the System page, or relay.target and its credentials file`, { cause: err });
      return new Error(`S3 error ${err.name} (HTTP ${err.$metadata.httpStatusCode ?? '?'}): ${err.message}`, { cause: err });
    }
    const e = err as NodeJS.ErrnoException;
    if (e?.name === 'TimeoutError' || e?.code === 'TimeoutError') return new Error(`${this.config.endpoint ?? 'S3'} did not answer in time`, { cause: err });
    return describeIoError(err, this.config.endpoint ?? `S3 (${this.config.region})`);
  }

  /** `etags`: what the server may answer for these bytes (some S3 look-alikes give a multipart object its whole MD5). */
  private async verify(key: string, bytes: number, sha256: string, etags: string[]): Promise<void> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key) }));
    const got = unquote(head.ETag);
    if (head.ContentLength !== bytes || head.Metadata?.sha256 !== sha256 || (this.config.verifyEtag && !etags.includes(got))) {
      throw new Error(`verification of ${key} failed (stored ${head.ContentLength} bytes, ETag ${got}; sent ${bytes} bytes, ETag ${etags.join(' or ')})`);
    }
  }

  async putFile(key: string, file: string, digests: FileDigests, pace?: () => Transform): Promise<void> {
    const source = createReadStream(file);
    const Body = pace ? source.pipe(pace()) : source;
    const params = {
      Bucket: this.config.bucket,
      Key: this.keyOf(key),
      Body,
      ContentType: 'application/octet-stream',
      Metadata: { sha256: digests.sha256 },
    };
    const parts = digests.bytes >= this.multipart.thresholdBytes;
    try {
      if (parts) {
        const upload = new Upload({ client: this.client, params, partSize: this.multipart.partSizeBytes, queueSize: 1, leavePartsOnError: false });
        await upload.done();
      } else {
        await this.client.send(new PutObjectCommand({ ...params, ContentLength: digests.bytes }));
      }
      await this.verify(key, digests.bytes, digests.sha256, parts ? [digests.multipartEtag, digests.singleEtag] : [digests.singleEtag]);
    } catch (err) {
      throw this.explain(err);
    } finally {
      // Both: a pacing transform left behind would keep its timer (and the process) alive.
      source.destroy();
      if (Body !== source) Body.destroy();
    }
  }

  async putBytes(key: string, body: Buffer): Promise<void> {
    const sha256 = createHash('sha256').update(body).digest('hex');
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key), Body: body, ContentLength: body.length, ContentType: 'application/octet-stream', Metadata: { sha256 } }),
      );
      await this.verify(key, body.length, sha256, [createHash('md5').update(body).digest('hex')]);
    } catch (err) {
      throw this.explain(err);
    }
  }

  async get(key: string): Promise<Readable> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key) }));
      return out.Body as Readable;
    } catch (err) {
      if (err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.name === 'NotFound')) throw new NotFoundError(`${key} is not in ${this.description}`);
      throw this.explain(err);
    }
  }

  async *list(): AsyncIterable<{ key: string; bytes: number }> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: this.config.prefix, ContinuationToken: token }));
      } catch (err) {
        throw this.explain(err);
      }
      for (const o of page.Contents ?? []) {
        if (o.Key) yield { key: o.Key.slice(this.config.prefix.length), bytes: o.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async remove(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key) }));
    } catch (err) {
      throw this.explain(err);
    }
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
    } catch (err) {
      throw this.explain(err);
    }
  }

  /**
   * Multipart uploads cut off by a crash keep their parts (and their storage bill) until
   * aborted. Servers without the listing call (some S3 look-alikes) are skipped.
   */
  async cleanup(): Promise<void> {
    try {
      const open = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.config.bucket, Prefix: this.config.prefix }));
      for (const u of open.Uploads ?? []) {
        if (u.Key && u.UploadId) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.config.bucket, Key: u.Key, UploadId: u.UploadId }));
      }
    } catch {
      // Best effort: an unsupported call or an offline target must not stop the relay starting.
    }
  }

  close(): void {
    this.client.destroy();
  }
}

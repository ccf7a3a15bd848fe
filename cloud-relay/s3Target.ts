import { readFileSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import YAML from 'yaml';
import type { RelayTarget } from '../common/config';
import { TargetConfigError, type UploadTarget } from './uploadTarget';

type S3Config = Extract<RelayTarget, { type: 's3' }>;

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export function loadS3Credentials(file: string): S3Credentials {
  let parsed: unknown;
  try {
    parsed = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TargetConfigError(`cannot read S3 credentials file ${file}: ${(err as Error).message}`);
  }
  const c = parsed as Partial<S3Credentials> | null;
  if (!c || typeof c.accessKeyId !== 'string' || typeof c.secretAccessKey !== 'string') {
    throw new TargetConfigError(`${file} must contain accessKeyId and secretAccessKey`);
  }
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
}

/** S3-compatible storage (AWS, MinIO, R2, B2, …) through the AWS SDK v3. */
export class S3Target implements UploadTarget {
  readonly description: string;
  private readonly client: S3Client;

  constructor(
    private readonly config: S3Config,
    credentials?: S3Credentials,
  ) {
    this.description = `s3://${config.bucket}/${config.prefix}${config.endpoint ? ` at ${config.endpoint}` : ''}`;
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: credentials ?? (config.credentialsFile ? loadS3Credentials(config.credentialsFile) : undefined),
      // Plain payloads: aws-chunked trailers are not understood by every S3-compatible server.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1, // the relay's queue does the retrying, with backoff that survives restarts
    });
  }

  async put(objectName: string, file: string, sha256: string, bytes: number): Promise<void> {
    const Key = `${this.config.prefix}${objectName}.plc`;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key,
          Body: createReadStream(file),
          ContentLength: bytes,
          ContentType: 'application/octet-stream',
          Metadata: { sha256 },
        }),
      );
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key }));
      if (head.ContentLength !== bytes || head.Metadata?.sha256 !== sha256) {
        throw new Error(`verification of ${Key} failed (size ${head.ContentLength}, expected ${bytes})`);
      }
    } catch (err) {
      if (err instanceof S3ServiceException && ['NoSuchBucket', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied'].includes(err.name)) {
        throw new TargetConfigError(`S3 refused the upload (${err.name}): check bucket, region and credentials`);
      }
      throw err;
    }
  }

  close(): void {
    this.client.destroy();
  }
}

import * as path from 'node:path';
import type { Config } from '../common/config';
import { DirectoryTarget } from './directoryTarget';
import { S3Target } from './s3Target';
import type { UploadTarget } from './uploadTarget';

/** The configured target; without one, the folder `cloud/` in the data dir (the embedded default). */
export function createTarget(config: Config): UploadTarget {
  const t = config.relay.target ?? { type: 'directory' as const, path: path.join(config.dataDir, 'cloud') };
  if (t.type === 'directory') return new DirectoryTarget(path.resolve(t.path));
  return new S3Target(t, { thresholdBytes: config.relay.multipartThresholdBytes, partSizeBytes: config.relay.partSizeBytes });
}

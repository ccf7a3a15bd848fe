import * as path from 'node:path';
import type { Config, RelayTarget } from '../config';
import type { DB } from '../database';
import { DirectoryTarget } from './directoryTarget';
import { FollowingTarget } from './followingTarget';
import { S3Target, type S3Credentials } from './s3Target';
import { effectiveTarget } from './targetChoice';
import type { UploadTarget } from './uploadTarget';

/**
 * The configured target; without one, the folder `cloud/` in the data dir (the embedded
 * default). `chosen` (the owner's choice from the web UI) beats both; `credentials` stand in
 * for its credentials file (a connection test of settings not saved yet).
 */
export function createTarget(config: Config, chosen?: RelayTarget, credentials?: S3Credentials): UploadTarget {
  const t = chosen ?? config.relay.target ?? { type: 'directory' as const, path: path.join(config.dataDir, 'cloud') };
  if (t.type === 'directory') return new DirectoryTarget(path.resolve(t.path));
  return new S3Target(t, { thresholdBytes: config.relay.multipartThresholdBytes, partSizeBytes: config.relay.partSizeBytes }, credentials);
}

/**
 * The target in effect — the owner's choice from the web UI, else the config file's, else the
 * default folder — followed as the owner changes it, re-read at most every probeSeconds.
 */
export function followChosenTarget(config: Config, db: DB, hubDataDir: string, onSwitch?: (description: string) => void): UploadTarget {
  return new FollowingTarget(
    () => effectiveTarget(config, db, hubDataDir).target,
    (target) => createTarget(config, target),
    config.relay.probeSeconds * 1000,
    Date.now,
    onSwitch,
  );
}

import { readFileSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Config, RelayTarget } from '../config';
import type { DB } from '../database';
import { writeFileAtomic } from '../atomicFile';
import { readSetting, writeSetting } from '../settingsTable';

/*
 * The upload target the owner chose in the web UI. It beats the config file's `relay.target`
 * (which beats the default folder): the homeowner who set up the hub from the wizard should
 * not need a shell to change where the footage goes. The choice is a row of the settings
 * table, without the S3 secret, which lives in its own 0600 file under the hub's data dir
 * so that a copy of the database (or a GET) never carries it.
 */

export const TARGET_SETTING = 'cloud.target';

export type TargetChoice =
  | { type: 'directory'; path: string }
  | {
      type: 's3';
      /** null: AWS itself. */
      endpoint: string | null;
      region: string;
      bucket: string;
      prefix: string;
      forcePathStyle: boolean;
      accessKeyId: string;
    };

/** A choice as the owner sends it: for S3 the secret, which may be left out to keep the stored one. */
export type TargetInput =
  | { type: 'directory'; path: string }
  | {
      type: 's3';
      endpoint?: string | null;
      region?: string;
      bucket: string;
      prefix?: string;
      forcePathStyle?: boolean;
      accessKeyId: string;
      secretAccessKey?: string;
    };

export type TargetSource = 'ui' | 'config' | 'default';

const REGION = /^[a-z0-9-]{2,32}$/;
/** S3's bucket naming rules (lower case, digits, dots and dashes, 3–63, letters or digits at both ends). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Printable ASCII without spaces: what S3-compatible servers issue as keys. */
const KEY_TEXT = /^[\x21-\x7e]+$/;

/**
 * What is wrong with a choice, as a clause the UI turns into a sentence, or null. Pure: the
 * route and the connection test both refuse through it before anything is stored or sent.
 */
export function targetProblem(input: TargetInput): string | null {
  if (input.type === 'directory') {
    const p = input.path.trim();
    if (!p) return 'enter the folder the clips should be copied to';
    if (!path.isAbsolute(p)) return `the folder must be a full path starting with / (not "${p}")`;
    if (p.includes('\0')) return 'the folder path contains a character that is not allowed';
    return null;
  }
  const endpoint = input.endpoint?.trim() ?? '';
  if (endpoint) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return `the endpoint "${endpoint}" is not a web address; use one like https://s3.example.com`;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'the endpoint must start with https:// (or http:// on your own network)';
    if (url.username || url.password) return 'put the access key and secret in their own fields, not in the endpoint address';
  }
  const region = input.region?.trim() || 'us-east-1';
  if (!REGION.test(region)) return `"${region}" is not a region name; use one like us-east-1 or eu-central-1`;
  const bucket = input.bucket.trim();
  if (!bucket) return 'enter the bucket name';
  if (!BUCKET.test(bucket) || bucket.includes('..')) return `"${bucket}" is not a valid bucket name: 3–63 lower-case letters, digits, dots or dashes`;
  const prefix = input.prefix ?? 'porchlight/';
  if (prefix.startsWith('/') || prefix.length > 200 || !/^[A-Za-z0-9!_.*'()/-]*$/.test(prefix)) {
    return 'the folder inside the bucket may use letters, digits and / _ . - only, and must not start with /';
  }
  if (!input.accessKeyId.trim() || !KEY_TEXT.test(input.accessKeyId.trim())) return 'enter the access key (letters and digits, no spaces)';
  if (input.secretAccessKey !== undefined && (!input.secretAccessKey || !KEY_TEXT.test(input.secretAccessKey))) {
    return 'enter the secret key (no spaces)';
  }
  return null;
}

/** The choice with defaults filled in and the secret taken out. */
export function normalizeChoice(input: TargetInput): TargetChoice {
  if (input.type === 'directory') return { type: 'directory', path: path.normalize(input.path.trim()) };
  const endpoint = input.endpoint?.trim() ?? '';
  const prefix = input.prefix ?? 'porchlight/';
  return {
    type: 's3',
    endpoint: endpoint ? endpoint.replace(/\/+$/, '') : null,
    region: input.region?.trim() || 'us-east-1',
    bucket: input.bucket.trim(),
    // Objects go "into" the folder: a prefix without its slash would glue names onto it.
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    forcePathStyle: input.forcePathStyle ?? true,
    accessKeyId: input.accessKeyId.trim(),
  };
}

/** The S3 key pair of the owner's choice, beside the hub's other keys. */
export function cloudCredentialsPath(hubDataDir: string): string {
  return path.join(hubDataDir, 'keys', 'cloud-credentials.json');
}

interface StoredCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

function readCredentials(hubDataDir: string): StoredCredentials | null {
  try {
    const c = JSON.parse(readFileSync(cloudCredentialsPath(hubDataDir), 'utf8')) as Partial<StoredCredentials>;
    return typeof c.accessKeyId === 'string' && typeof c.secretAccessKey === 'string' ? { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey } : null;
  } catch {
    return null;
  }
}

export function readTargetChoice(db: DB): TargetChoice | null {
  return readSetting<TargetChoice>(db, TARGET_SETTING);
}

/** Whether a secret is stored for this access key (a new key needs its own secret). */
export function hasSecretFor(hubDataDir: string, accessKeyId: string): boolean {
  return readCredentials(hubDataDir)?.accessKeyId === accessKeyId;
}

/** The secret to use with `input`: the one sent, or the stored one when the access key is the same. */
export function secretFor(hubDataDir: string, input: Extract<TargetInput, { type: 's3' }>): string | null {
  if (input.secretAccessKey) return input.secretAccessKey;
  const stored = readCredentials(hubDataDir);
  return stored && stored.accessKeyId === input.accessKeyId.trim() ? stored.secretAccessKey : null;
}

/**
 * Stores the owner's choice: the secret first (atomically, 0640: the relay, in the hub's group,
 * reads it; it is the relay's own key, not one of the hub's), then the setting, so the
 * relay never sees an S3 choice whose key pair is not there yet. A folder needs no secret,
 * and none is kept.
 */
export async function saveTargetChoice(db: DB, hubDataDir: string, choice: TargetChoice, secret: string | null): Promise<void> {
  const file = cloudCredentialsPath(hubDataDir);
  if (choice.type === 's3') {
    if (secret === null) throw new Error('an S3 choice needs its secret key');
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, JSON.stringify({ accessKeyId: choice.accessKeyId, secretAccessKey: secret }), 0o640);
  }
  writeSetting(db, TARGET_SETTING, choice);
  if (choice.type === 'directory') await fs.rm(file, { force: true });
}

/** Forgets the owner's choice: the config file's target (or the default folder) applies again. */
export async function clearTargetChoice(db: DB, hubDataDir: string): Promise<void> {
  db.prepare('DELETE FROM settings WHERE key = ?').run(TARGET_SETTING);
  await fs.rm(cloudCredentialsPath(hubDataDir), { force: true });
}

/** A choice in the form the relay's targets take (the S3 secret by file, as for the config file). */
export function choiceAsTarget(choice: TargetChoice, credentialsFile: string): RelayTarget {
  if (choice.type === 'directory') return { type: 'directory', path: choice.path };
  return {
    type: 's3',
    ...(choice.endpoint ? { endpoint: choice.endpoint } : {}),
    region: choice.region,
    bucket: choice.bucket,
    prefix: choice.prefix,
    forcePathStyle: choice.forcePathStyle,
    verifyEtag: true,
    credentialsFile,
  };
}

/** The target in force and where it came from: the UI's choice, the config file, or the default folder. */
export function effectiveTarget(config: Config, db: DB | null, hubDataDir: string): { target: RelayTarget; source: TargetSource } {
  const chosen = db ? readTargetChoice(db) : null;
  if (chosen) return { target: choiceAsTarget(chosen, cloudCredentialsPath(hubDataDir)), source: 'ui' };
  if (config.relay.target) return { target: config.relay.target, source: 'config' };
  return { target: { type: 'directory', path: path.join(config.dataDir, 'cloud') }, source: 'default' };
}

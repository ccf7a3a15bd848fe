import type { CheckOutcome, CheckResult } from '../api/cloudTarget';
import type { RelayTarget } from '../config';
import type { UploadTarget } from './uploadTarget';

/*
 * "Test connection": the same round trip `porchlight cloud test` makes (probe, write a small
 * object, verify it, delete it), with the failure said so that a homeowner knows what to
 * change. The wording is a pure function of the error, tested without any network.
 */

export type { CheckOutcome, CheckResult };

/** The error codes along an error's causes (the SDK nests socket errors; Node groups them in AggregateErrors). */
function codesOf(err: unknown, seen = new Set<unknown>()): { names: string[]; codes: string[]; status: number | undefined } {
  const names: string[] = [];
  const codes: string[] = [];
  let status: number | undefined;
  const walk = (e: unknown) => {
    if (!e || typeof e !== 'object' || seen.has(e)) return;
    seen.add(e);
    const x = e as { name?: unknown; code?: unknown; cause?: unknown; errors?: unknown; $metadata?: { httpStatusCode?: number } };
    if (typeof x.name === 'string') names.push(x.name);
    if (typeof x.code === 'string') codes.push(x.code);
    status ??= x.$metadata?.httpStatusCode;
    walk(x.cause);
    if (Array.isArray(x.errors)) for (const inner of x.errors) walk(inner);
  };
  walk(err);
  return { names, codes, status };
}

function where(target: RelayTarget): string {
  if (target.type === 'directory') return `the folder ${target.path}`;
  return target.endpoint ? `the storage service at ${target.endpoint}` : `Amazon S3 (${target.region})`;
}

/** What went wrong, for the person who typed the settings. */
export function describeCheckFailure(err: unknown, target: RelayTarget): CheckResult {
  const { names, codes, status } = codesOf(err);
  const has = (...xs: string[]) => xs.some((x) => names.includes(x) || codes.includes(x));
  const result = (outcome: CheckOutcome, message: string): CheckResult => ({ ok: false, outcome, message });
  const place = where(target);
  if (target.type === 's3') {
    const bucket = `"${target.bucket}"`;
    if (has('NoSuchBucket') || (has('NotFound') && status === 404)) return result('bucket_missing', `the bucket ${bucket} does not exist at ${place}: create it there first, or check its name`);
    if (has('InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken')) {
      return result('credentials_refused', `${place} refused the access key or the secret key: check both`);
    }
    if (has('PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException')) {
      return result('wrong_region', `the bucket ${bucket} is in another region than ${target.region}: check the region`);
    }
    if (has('AccessDenied')) {
      return result('access_denied', `${place} refused these credentials for the bucket ${bucket}: the key needs permission to list, read, write and delete objects in it`);
    }
    // A HEAD answer has no body: a bare 403 cannot say whether the key or its rights are wrong.
    if (has('Forbidden') || status === 403 || status === 401) {
      return result('credentials_refused', `${place} refused these credentials: check the access key and the secret key, and that the key may use the bucket ${bucket}`);
    }
    if (has('InvalidBucketName')) return result('failed', `${place} says ${bucket} is not a valid bucket name`);
  }
  if (has('ECONNREFUSED')) return result('unreachable', `${place} refused the connection: check the address and port, and that the service is running`);
  if (has('ENOTFOUND', 'EAI_AGAIN')) return result('host_unknown', `the host name of ${place} is not known: check the address, and the hub's internet connection`);
  if (has('ETIMEDOUT', 'TimeoutError', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE')) {
    return result('timed_out', `${place} cannot be reached (no answer): check the address and the hub's network connection`);
  }
  if (has('EACCES', 'EPERM')) return result('not_writable', `${place} may not be written by the Porchlight service: give its user write access to the folder`);
  if (has('EROFS')) return result('read_only', `${place} is read-only (a read-only mount, or the service is not allowed to write there)`);
  if (has('ENOSPC', 'EDQUOT')) return result('full', `${place} is full`);
  if (has('ENOTDIR', 'EEXIST')) return result('not_writable', `${place} is not a folder`);
  const detail = err instanceof Error ? err.message : String(err);
  return result('failed', `${place} did not work: ${detail.charAt(0).toLowerCase()}${detail.slice(1)}`);
}

/** Probe, write, verify and delete a small object; a CheckResult either way, never a throw. */
export async function checkTarget(target: UploadTarget, config: RelayTarget, now = Date.now()): Promise<CheckResult> {
  const key = `porchlight-test-${now.toString(36)}`;
  try {
    await target.check();
    await target.putBytes(key, Buffer.from('porchlight connection test\n'));
    await target.remove(key);
  } catch (err) {
    return describeCheckFailure(err, config);
  }
  return { ok: true, outcome: 'ok', message: `the connection works: the hub wrote a test file to ${where(config)}, checked it and removed it` };
}

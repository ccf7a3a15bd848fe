import { strict as assert } from 'node:assert';
import { S3ServiceException } from '@aws-sdk/client-s3';
import type { RelayTarget } from '../../../common/config';
import { describeCheckFailure } from '../../../common/cloud/targetCheck';
import { normalizeChoice, targetProblem } from '../../../common/cloud/targetChoice';
import { describeIoError, TargetConfigError } from '../../../common/cloud/uploadTarget';

const S3: RelayTarget = { type: 's3', endpoint: 'https://s3.example.com', region: 'eu-west-1', bucket: 'footage', prefix: 'porchlight/', forcePathStyle: true, verifyEtag: true };
const FOLDER: RelayTarget = { type: 'directory', path: '/mnt/nas/porchlight' };

function s3Error(name: string, status: number): Error {
  const inner = new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
  return new TargetConfigError(`S3 refused (${name})`, { cause: inner });
}

function ioError(code: string): Error {
  return describeIoError(Object.assign(new Error(code), { code }), 'somewhere');
}

describe('connection test wording', () => {
  const cases: Array<[string, Error, RelayTarget, string, RegExp]> = [
    ['missing bucket (HEAD)', s3Error('NotFound', 404), S3, 'bucket_missing', /bucket "footage" does not exist at the storage service at https:\/\/s3\.example\.com/],
    ['missing bucket (PUT)', s3Error('NoSuchBucket', 404), S3, 'bucket_missing', /does not exist/],
    ['unknown key', s3Error('InvalidAccessKeyId', 403), S3, 'credentials_refused', /refused the access key or the secret key/],
    ['wrong secret', s3Error('SignatureDoesNotMatch', 403), S3, 'credentials_refused', /check both/],
    ['no permission', s3Error('AccessDenied', 403), S3, 'access_denied', /needs permission/],
    ['bare 403 from a HEAD', s3Error('Forbidden', 403), S3, 'credentials_refused', /check the access key and the secret key, and that the key may use the bucket "footage"/],
    ['other region', s3Error('PermanentRedirect', 301), S3, 'wrong_region', /another region than eu-west-1/],
    ['nobody listening', ioError('ECONNREFUSED'), S3, 'unreachable', /refused the connection/],
    ['unknown host', ioError('ENOTFOUND'), S3, 'host_unknown', /host name .* is not known/],
    ['silent network', ioError('ETIMEDOUT'), S3, 'timed_out', /cannot be reached/],
    ['folder permissions', ioError('EACCES'), FOLDER, 'not_writable', /the folder \/mnt\/nas\/porchlight may not be written/],
    ['read-only mount', ioError('EROFS'), FOLDER, 'read_only', /read-only/],
    ['full disk', ioError('ENOSPC'), FOLDER, 'full', /is full/],
    ['anything else', new Error('Verification of x failed'), FOLDER, 'failed', /did not work: verification of x failed/],
  ];
  for (const [name, err, target, outcome, message] of cases) {
    it(name, () => {
      const r = describeCheckFailure(err, target);
      assert.equal(r.ok, false);
      assert.equal(r.outcome, outcome);
      assert.match(r.message, message);
      assert.match(r.message, /^[a-z"]/);
    });
  }

  it('names AWS itself when there is no endpoint', () => {
    const { endpoint: _e, ...aws } = S3;
    assert.match(describeCheckFailure(ioError('ECONNREFUSED'), aws).message, /^Amazon S3 \(eu-west-1\) refused/);
  });
});

describe('target choice checks', () => {
  it('accepts what a homeowner types for common services', () => {
    assert.equal(targetProblem({ type: 'directory', path: '/mnt/nas/porchlight' }), null);
    assert.equal(targetProblem({ type: 's3', bucket: 'my.home-footage', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'abc/def+ghi' }), null);
    assert.equal(targetProblem({ type: 's3', endpoint: 'https://abc.r2.cloudflarestorage.com', region: 'auto', bucket: 'cams', accessKeyId: 'k', secretAccessKey: 's' }), null);
  });

  it('fills in defaults and keeps the secret out of the stored choice', () => {
    const c = normalizeChoice({ type: 's3', endpoint: 'https://minio.lan:9000/', bucket: ' cams ', prefix: 'home', accessKeyId: ' key ', secretAccessKey: 'secret' });
    assert.deepEqual(c, { type: 's3', endpoint: 'https://minio.lan:9000', region: 'us-east-1', bucket: 'cams', prefix: 'home/', forcePathStyle: true, accessKeyId: 'key' });
    assert.equal(JSON.stringify(c).includes('secret'), false);
    assert.deepEqual(normalizeChoice({ type: 'directory', path: '/mnt/nas//porchlight/' }), { type: 'directory', path: '/mnt/nas/porchlight/' });
  });

  it('says what is wrong', () => {
    assert.match(targetProblem({ type: 'directory', path: 'nas' })!, /full path/);
    assert.match(targetProblem({ type: 's3', bucket: 'ab', accessKeyId: 'k' })!, /not a valid bucket name/);
    assert.match(targetProblem({ type: 's3', bucket: 'a..b', accessKeyId: 'k' })!, /not a valid bucket name/);
    assert.match(targetProblem({ type: 's3', bucket: 'cams', endpoint: 'https://user:pw@s3.lan', accessKeyId: 'k' })!, /not in the endpoint/);
    assert.match(targetProblem({ type: 's3', bucket: 'cams', prefix: '/abs', accessKeyId: 'k' })!, /must not start with \//);
    assert.match(targetProblem({ type: 's3', bucket: 'cams', accessKeyId: 'has space' })!, /access key/);
    assert.match(targetProblem({ type: 's3', bucket: 'cams', accessKeyId: 'k', secretAccessKey: 'has space' })!, /secret key/);
  });
});

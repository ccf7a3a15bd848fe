import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { credentialsFileProblem, endpointProblem, loadS3Credentials, S3Target } from '../../../common/cloud/s3Target';
import { TargetConfigError } from '../../../common/cloud/uploadTarget';
import { describeRelayTarget } from '../../../common/cloud/targetDescription';
import { useTempDir } from '../../helpers/tmp';

/*
 * S3 settings no retry can cure, as the relay reports them (state `misconfigured`, shown on
 * the System page): each names what is wrong and where to fix it, and none quotes the secret.
 */

const errno = (code: string) => Object.assign(new Error(`${code}: something`), { code });
const MULTIPART = { thresholdBytes: 16 << 20, partSizeBytes: 8 << 20 };

describe('S3 settings the relay cannot use', () => {
  const tmp = useTempDir();

  it('a credentials file that is missing, unreadable by the service or a folder: each says so, names the file, and where to fix it', () => {
    const file = '/etc/porchlight/s3.yaml';
    const cases: Array<[string, RegExp]> = [
      ['ENOENT', /does not exist: create it/],
      ['EACCES', /cannot be read by the relay's user \(EACCES\): make it owned by the porchlight user, mode 0600/],
      ['EISDIR', /is a folder, not a file/],
      ['EIO', /cannot be read \(EIO\)/],
    ];
    for (const [code, says] of cases) {
      const text = credentialsFileProblem(file, errno(code));
      assert.match(text, says, code);
      assert.ok(text.includes(file), `${code}: names the file`);
      assert.match(text, /System page/, `${code}: says where to fix it`);
    }
  });

  it('a credentials file that is not YAML, or lacks a key: a TargetConfigError that does not quote the secret', () => {
    const notYaml = path.join(tmp.dir, 'bad.yaml');
    writeFileSync(notYaml, 'accessKeyId: "AKIA\nsecretAccessKey: [hunter2-secret');
    assert.throws(() => loadS3Credentials(notYaml), (err: Error) => err instanceof TargetConfigError && /is not YAML or JSON/.test(err.message) && !err.message.includes('hunter2'));
    const half = path.join(tmp.dir, 'half.yaml');
    writeFileSync(half, 'accessKeyId: AKIA\n');
    assert.throws(() => loadS3Credentials(half), (err: Error) => err instanceof TargetConfigError && /must contain accessKeyId and secretAccessKey/.test(err.message));
    assert.throws(() => loadS3Credentials(path.join(tmp.dir, 'none.yaml')), (err: Error) => err instanceof TargetConfigError && /does not exist/.test(err.message));
  });

  it('an endpoint that is not a web address is refused before any request, as a configuration error', () => {
    assert.equal(endpointProblem(undefined), null, 'AWS itself');
    assert.equal(endpointProblem('https://s3.example.com'), null);
    assert.equal(endpointProblem('http://192.168.1.5:9000'), null);
    assert.match(endpointProblem('s3.example.com') ?? '', /is not a web address/);
    assert.match(endpointProblem('ftp://s3.example.com') ?? '', /must start with https:\/\//);
    for (const withUser of ['https://AKIA:hunter2@s3.example.com', 'AKIA:hunter2@s3.example.com']) {
      const text = endpointProblem(withUser) ?? '';
      assert.match(text, /holds a user name or password/, withUser);
      assert.equal(text.includes('hunter2'), false, `the secret is not quoted: ${text}`);
    }
    const target = { type: 's3' as const, endpoint: 'not an address', region: 'us-east-1', bucket: 'footage', prefix: 'clips/', forcePathStyle: true, verifyEtag: true };
    assert.throws(() => new S3Target(target, MULTIPART, { accessKeyId: 'A', secretAccessKey: 'B' }), (err: Error) => err instanceof TargetConfigError && /"not an address" is not a web address/.test(err.message));
  });

  it('names a target whose endpoint wrongly holds a key without the key, in the log and on the System page', () => {
    const said = describeRelayTarget({ type: 's3', bucket: 'footage', prefix: 'clips/', endpoint: 'https://AKIAEXAMPLE:wJalrXUtnFEMIsecret@s3.example.net', region: 'eu', forcePathStyle: true, credentialsFile: '/etc/porchlight/s3.yaml' } as never);
    assert.equal(said, 's3://footage/clips/ at https://***@s3.example.net');
    assert.ok(!said.includes('wJalrXUtnFEMIsecret') && !said.includes('AKIAEXAMPLE'));
  });
});

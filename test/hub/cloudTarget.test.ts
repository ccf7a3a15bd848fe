import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { cloudCredentialsPath } from '../../common/cloud/targetChoice';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { startS3, type S3Peer } from '../helpers/s3';
import { useTempDir } from '../helpers/tmp';

/** A loopback port nobody listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('cloud target from the web UI', function () {
  this.timeout(90_000);
  const tmp = useTempDir();
  let t: TestHub;
  let owner: SignedIn;
  let s3: S3Peer;
  const SECRET = 'S3RVER';

  const s3Body = (extra: Record<string, unknown> = {}) => ({
    type: 's3',
    endpoint: s3.endpoint,
    region: 'us-east-1',
    bucket: 'footage',
    forcePathStyle: true,
    accessKeyId: 'S3RVER',
    secretAccessKey: SECRET,
    ...extra,
  });
  const put = (body: unknown) => call(t.base, 'PUT', '/api/cloud/target', { body: JSON.stringify(body), headers: { ...owner.headers, ...JSON_HEADERS } });
  const test = (body: unknown) => call(t.base, 'POST', '/api/cloud/test', { body: JSON.stringify(body), headers: { ...owner.headers, ...JSON_HEADERS } });
  const get = () => call(t.base, 'GET', '/api/cloud/target', { headers: owner.headers });
  const stored = () => t.db.prepare("SELECT value FROM settings WHERE key = 'cloud.target'").get() as { value: string } | undefined;

  beforeEach(async () => {
    t = await startTestHub(path.join(tmp.dir, 'hub'));
    await addTestUser(t.db, 'owner');
    owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    s3 = await startS3(tmp.dir);
  });
  afterEach(async () => {
    await t.stop();
    await s3.close();
  });

  it('shows the default folder until the owner chooses', async () => {
    const res = await get();
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { source: 'default', target: { type: 'directory', path: path.join(tmp.dir, 'hub', 'cloud') } });
  });

  it('stores an S3 choice with its secret in a 0640 file (the relay, in the hub group, reads it; others nothing), and never gives the secret back', async () => {
    const res = await put(s3Body({ secretAccessKey: 'a-very-secret-key/123' }));
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.json().source, 'ui');
    assert.equal(res.json().target.bucket, 'footage');
    assert.equal(res.json().target.prefix, 'porchlight/');
    assert.equal(res.json().target.secretSet, true);
    const file = cloudCredentialsPath(path.join(tmp.dir, 'hub'));
    assert.equal(statSync(file).mode & 0o777, 0o640);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).secretAccessKey, 'a-very-secret-key/123');
    for (const text of [res.body.toString(), (await get()).body.toString(), stored()!.value]) {
      assert.equal(text.includes('a-very-secret-key'), false, `the secret leaked into ${text}`);
    }
    const audit = t.db.prepare("SELECT detail FROM audit_log WHERE action = 'cloud.target_changed'").all() as Array<{ detail: string }>;
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.detail.includes('a-very-secret-key'), false);
  });

  it('keeps the stored secret when it is left blank for the same key, and asks for one for a new key', async () => {
    assert.equal((await put(s3Body())).status, 200);
    const again = await put(s3Body({ secretAccessKey: '', prefix: 'home/' }));
    assert.equal(again.status, 200, again.body.toString());
    assert.equal(again.json().target.prefix, 'home/');
    assert.equal(JSON.parse(readFileSync(cloudCredentialsPath(path.join(tmp.dir, 'hub')), 'utf8')).secretAccessKey, SECRET);
    const newKey = await put(s3Body({ accessKeyId: 'OTHERKEY', secretAccessKey: undefined }));
    assert.equal(newKey.status, 400);
    assert.equal(newKey.json().error.code, 'NO_SECRET');
    assert.equal(JSON.parse(stored()!.value).accessKeyId, 'S3RVER', 'nothing changed');
  });

  it('refuses bad settings with a clear message and stores nothing', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ type: 'directory', path: 'relative/folder' }, /full path/],
      [{ type: 'directory' }, /enter the folder/],
      [{ type: 's3', bucket: 'Bad_Bucket', accessKeyId: 'K', secretAccessKey: 'S' }, /not a valid bucket name/],
      [{ type: 's3', bucket: 'footage', accessKeyId: 'K' }, /secret key/],
      [{ type: 's3', bucket: 'footage', endpoint: 'ftp://example.com', accessKeyId: 'K', secretAccessKey: 'S' }, /must start with https/],
      [{ type: 's3', bucket: 'footage', endpoint: 'not a url', accessKeyId: 'K', secretAccessKey: 'S' }, /not a web address/],
      [{ type: 's3', bucket: 'footage', region: 'Mars 1', accessKeyId: 'K', secretAccessKey: 'S' }, /not a region name/],
      [{ type: 's3', bucket: 'footage', accessKeyId: '' , secretAccessKey: 'S' }, /access key/],
      [{ type: 'ftp' }, /^the kind of backup must be "directory", "s3" or "config"$/],
      [{ type: 'directory', path: '/srv/nas', password: 'x' }, /^the hub does not take "password" here/],
    ];
    for (const [body, message] of cases) {
      const res = await put(body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.body.toString()}`);
      assert.match(res.json().error.message, message, JSON.stringify(body));
      assert.match(res.json().error.message, /^[a-z"]/);
    }
    assert.equal(stored(), undefined);
    assert.equal(existsSync(cloudCredentialsPath(path.join(tmp.dir, 'hub'))), false);
  });

  it('switches to a folder (dropping the S3 secret) and back to the config file', async () => {
    assert.equal((await put(s3Body())).status, 200);
    const folder = path.join(tmp.dir, 'nas');
    const res = await put({ type: 'directory', path: folder });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { source: 'ui', target: { type: 'directory', path: folder } });
    assert.equal(existsSync(cloudCredentialsPath(path.join(tmp.dir, 'hub'))), false);
    const back = await put({ type: 'config' });
    assert.equal(back.json().source, 'default');
    assert.equal(stored(), undefined);
  });

  it('tests a good bucket, a missing bucket and an unreachable endpoint, in plain words', async () => {
    const good = await test(s3Body());
    assert.equal(good.status, 200, good.body.toString());
    assert.deepEqual([good.json().ok, good.json().outcome], [true, 'ok']);
    assert.match(good.json().message, /connection works/);
    assert.deepEqual(await s3.listObjects(), [], 'the test file is removed again');

    const missing = await test(s3Body({ bucket: 'no-such-bucket' }));
    assert.equal(missing.status, 200);
    assert.deepEqual([missing.json().ok, missing.json().outcome], [false, 'bucket_missing']);
    assert.match(missing.json().message, /the bucket "no-such-bucket" does not exist/);

    const port = await closedPort();
    const gone = await test(s3Body({ endpoint: `http://127.0.0.1:${port}` }));
    assert.deepEqual([gone.json().ok, gone.json().outcome], [false, 'unreachable']);
    assert.match(gone.json().message, /refused the connection/);

    // s3rver checks the access key (not a V4 signature): an unknown key stands for refused credentials.
    const wrongKey = await test(s3Body({ accessKeyId: 'NOBODY', secretAccessKey: 'not-the-secret' }));
    assert.equal(wrongKey.json().ok, false);
    assert.equal(wrongKey.json().outcome, 'credentials_refused', wrongKey.body.toString());
    assert.equal(stored(), undefined, 'testing stores nothing');
  });

  it('tests a folder: writable, or not a folder at all', async () => {
    const ok = await test({ type: 'directory', path: path.join(tmp.dir, 'nas') });
    assert.deepEqual([ok.json().ok, ok.json().outcome], [true, 'ok']);
    const file = path.join(tmp.dir, 'a-file');
    writeFileSync(file, 'x');
    const bad = await test({ type: 'directory', path: path.join(file, 'inside') });
    assert.equal(bad.json().ok, false);
    assert.equal(bad.json().outcome, 'not_writable', bad.body.toString());
  });

  it('tests with the stored secret when the field is left blank', async () => {
    assert.equal((await put(s3Body())).status, 200);
    const res = await test(s3Body({ secretAccessKey: undefined }));
    assert.equal(res.json().ok, true, res.body.toString());
    const other = await test(s3Body({ accessKeyId: 'OTHERKEY', secretAccessKey: undefined }));
    assert.equal(other.status, 400);
    assert.equal(other.json().error.code, 'NO_SECRET');
  });
});

import { strict as assert } from 'node:assert';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { cloudCredentialsPath } from '../../common/cloud/targetChoice';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { startS3, type S3Peer } from '../helpers/s3';
import { useTempDir } from '../helpers/tmp';
import { skipBecause } from '../helpers/skip';

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

describe("cloud target Test with the relay under its own user (the hub judges the folder for that user)", function () {
  this.timeout(90_000);
  const tmp = useTempDir();
  let t: TestHub;
  let owner: SignedIn;
  // A made-up relay account, as /etc/passwd would give it on an installed hub.
  const RELAY = { name: 'porchlight-relay', uid: 4242, gid: 4243, groups: ['porchlight'] };
  const test = (body: unknown) => call(t.base, 'POST', '/api/cloud/test', { body: JSON.stringify(body), headers: { ...owner.headers, ...JSON_HEADERS } });

  beforeEach(async function () {
    if (process.getuid?.() !== 0) skipBecause(this, 'giving folders to another user needs root (CI runs as root); not root here');
    // The relay must be able to pass through the temp dir, as it passes through /var/lib.
    chmodSync(tmp.dir, 0o755);
    t = await startTestHub(path.join(tmp.dir, 'hub'), {}, undefined, {}, null, undefined, () => RELAY);
    await addTestUser(t.db, 'owner');
    owner = await signIn(t.base, 'owner', PASSWORDS.owner);
  });
  afterEach(async () => {
    await t?.stop();
  });

  it("passes the relay's own 0750 folder without writing in it, and fails a folder the hub's user made (0700), naming the fix", async () => {
    const relays = path.join(tmp.dir, 'relays');
    mkdirSync(relays, { mode: 0o750 });
    chmodSync(relays, 0o750);
    chownSync(relays, RELAY.uid, RELAY.gid);
    const before = statSync(relays).mtimeMs;
    const ok = await test({ type: 'directory', path: relays });
    assert.deepEqual([ok.json().ok, ok.json().outcome], [true, 'ok'], ok.body.toString());
    assert.equal(statSync(relays).mtimeMs, before, 'the hub wrote no test file where only the relay writes');

    // The attacker's move here is the hub's own: a folder as its user and umask make it.
    const hubs = path.join(tmp.dir, 'hub-made');
    mkdirSync(hubs, { mode: 0o700 });
    chmodSync(hubs, 0o700);
    const bad = await test({ type: 'directory', path: hubs });
    assert.deepEqual([bad.json().ok, bad.json().outcome], [false, 'not_writable'], bad.body.toString());
    assert.match(bad.json().message, /the relay's user porchlight-relay cannot write .*hub-made: it is 0700 root:root; run: sudo chown porchlight-relay:porchlight .*hub-made && sudo chmod 0750/);
  });

  it('creates no missing folder (it would be the hub\'s): says the relay will create it, or that it cannot', async () => {
    const parent = path.join(tmp.dir, 'relay-parent');
    mkdirSync(parent, { mode: 0o750 });
    chownSync(parent, RELAY.uid, RELAY.gid);
    const fresh = path.join(parent, 'cloud');
    const ok = await test({ type: 'directory', path: fresh });
    assert.deepEqual([ok.json().ok, ok.json().outcome], [true, 'ok'], ok.body.toString());
    assert.match(ok.json().message, /will create it at its first upload/);
    assert.equal(existsSync(fresh), false, 'the hub made no folder');

    const inRootDir = path.join(tmp.dir, 'nas', 'cloud');
    const bad = await test({ type: 'directory', path: inRootDir });
    assert.deepEqual([bad.json().ok, bad.json().outcome], [false, 'not_writable'], bad.body.toString());
    assert.match(bad.json().message, /cannot create .*nas\/cloud in .* \(0755 root:root\); run: sudo install -d -m 0750 -o porchlight-relay -g porchlight/);
    assert.equal(existsSync(path.join(tmp.dir, 'nas')), false, 'the hub made no folder');
  });
});

import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RelayTarget } from '../../../common/config';
import { FollowingTarget } from '../../../common/cloud/followingTarget';
import type { UploadTarget } from '../../../common/cloud/uploadTarget';
import { useTempDir } from '../../helpers/tmp';

/** A target that only says which choice it was built from. */
function fake(description: string, closed: string[]): UploadTarget {
  return {
    description,
    putFile: async () => undefined,
    putBytes: async () => undefined,
    get: async () => {
      throw new Error('not here');
    },
    list: async function* () {},
    remove: async () => undefined,
    check: async () => undefined,
    cleanup: async () => undefined,
    close: () => void closed.push(description),
  };
}

describe('following the chosen target', () => {
  const tmp = useTempDir();

  it('rebuilds only when the choice or its key file changes, and not more often than asked', async () => {
    const keyFile = path.join(tmp.dir, 'keys.json');
    writeFileSync(keyFile, '{"accessKeyId":"A","secretAccessKey":"one"}');
    let choice: RelayTarget = { type: 'directory', path: '/mnt/a' };
    let now = 0;
    let builds = 0;
    const closed: string[] = [];
    const switches: string[] = [];
    const target = new FollowingTarget(
      () => choice,
      (t) => fake(`${t.type}:${t.type === 'directory' ? t.path : t.bucket}#${++builds}`, closed),
      1000,
      () => now,
      (d) => switches.push(d),
    );
    await target.check();
    assert.equal(target.description, 'directory:/mnt/a#1');
    assert.deepEqual(switches, [], 'the first target is not a switch');

    choice = { type: 's3', region: 'us-east-1', bucket: 'cams', prefix: 'p/', forcePathStyle: true, verifyEtag: true, credentialsFile: keyFile };
    now = 500;
    assert.equal(target.description, 'directory:/mnt/a#1', 'not re-read before the interval');
    now = 1000;
    await target.check();
    assert.equal(target.description, 's3:cams#2');
    assert.deepEqual(switches, ['s3:cams#2']);

    now = 2000;
    await target.check();
    assert.equal(builds, 2, 'the same choice keeps its target');

    writeFileSync(keyFile, '{"accessKeyId":"A","secretAccessKey":"two"}');
    now = 3000;
    await target.check();
    assert.equal(target.description, 's3:cams#3', 'a new secret for the same key counts as a change');

    target.close();
    assert.deepEqual(closed.sort(), ['directory:/mnt/a#1', 's3:cams#2', 's3:cams#3'], 'retired targets are closed too');
  });

  it('fails each call with the reason while the choice cannot be opened, and recovers when it can', async () => {
    let broken = true;
    let now = 0;
    const target = new FollowingTarget(
      () => ({ type: 'directory', path: broken ? '/bad' : '/good' }),
      (t) => {
        if (t.type === 'directory' && t.path === '/bad') throw new Error('cannot read S3 credentials file');
        return fake('good', []);
      },
      1000,
      () => now,
    );
    await assert.rejects(target.check(), /cannot read S3 credentials file/);
    assert.equal(target.description, 'folder /bad', 'the choice that cannot be opened is still named, for the System page');
    broken = false;
    now = 1000;
    await target.check();
    assert.equal(target.description, 'good');
    target.close();
  });
});

import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { useTempDir } from '../helpers/tmp';

/*
 * `porchlight config get FILE KEY`: install.sh asks it which S3 credentials file the relay
 * reads, so it must print exactly the setting, and fail clearly on anything else.
 */
describe('porchlight config get', function () {
  this.timeout(60_000);
  const tmp = useTempDir();

  function config(body: string): string {
    const file = path.join(tmp.dir, 'porchlight.yaml');
    writeFileSync(file, body);
    return file;
  }

  const s3 = 'relay:\n  target:\n    type: s3\n    bucket: home-clips\n    credentialsFile: /etc/porchlight/secrets/s3.yaml\n';

  it('prints one setting, defaults applied', async () => {
    const file = config(s3);
    const got = await runCli(['config', 'get', file, 'relay.target.credentialsFile']);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout, '/etc/porchlight/secrets/s3.yaml\n');
    const region = await runCli(['config', 'get', file, 'relay.target.region']);
    assert.equal(region.stdout, 'us-east-1\n', 'a default the file does not write');
  });

  it('exits 1 naming a setting that is not set, and refuses a section, a bad name or a bad file', async () => {
    const file = config('relay:\n  target:\n    type: directory\n    path: /srv/clips\n');
    const unset = await runCli(['config', 'get', file, 'relay.target.credentialsFile']);
    assert.equal(unset.code, 1);
    assert.equal(unset.stdout, '');
    assert.match(unset.stderr, /relay\.target\.credentialsFile is not set/);
    const section = await runCli(['config', 'get', config(s3), 'relay.target']);
    assert.notEqual(section.code, 0);
    assert.match(section.stderr, /a section, not one setting/);
    const badName = await runCli(['config', 'get', config(s3), 'relay..target']);
    assert.notEqual(badName.code, 0);
    assert.match(badName.stderr, /not a setting's name/);
    const badFile = await runCli(['config', 'get', config('relay:\n  target:\n    type: s3\n'), 'relay.target.bucket']);
    assert.notEqual(badFile.code, 0);
    assert.match(badFile.stderr, /relay\.target" is invalid/);
  });
});

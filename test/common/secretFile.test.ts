import { strict as assert } from 'node:assert';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readOrCreateSecretFile } from '../../common/atomicFile';
import { useTempDir } from '../helpers/tmp';

/* A key made once: never two different keys for one file, never replaced, the owner's alone. */
describe('readOrCreateSecretFile', () => {
  const tmp = useTempDir();

  it('makes the file once, 0600, and every caller at the same moment reads the same secret', async () => {
    const file = path.join(tmp.dir, 'keys', 'k.key');
    let made = 0;
    const make = () => `secret-${++made}\n`;
    const texts = await Promise.all(Array.from({ length: 5 }, () => readOrCreateSecretFile(file, make)));
    assert.equal(new Set(texts).size, 1, texts.join(' | '));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(path.dirname(file)), ['k.key'], 'no file made aside is left');
  });

  it('reads an existing file as it is and makes nothing', async () => {
    const file = path.join(tmp.dir, 'k.key');
    writeFileSync(file, 'kept\n');
    assert.equal(await readOrCreateSecretFile(file, () => assert.fail('made a new secret')), 'kept\n');
  });
});

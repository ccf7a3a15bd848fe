import { strict as assert } from 'node:assert';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { loadOpaqueSetup } from '../../hub/opaqueSetup';
import { useTempDir } from '../helpers/tmp';

describe('the OPAQUE server setup file', () => {
  const tmp = useTempDir();

  it('is made once, mode 0600, and read back the same', async () => {
    const file = path.join(tmp.dir, 'made', 'opaque-setup.key');
    const first = await loadOpaqueSetup(file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(await loadOpaqueSetup(file), first);
  });

  it('is not made anew when accounts hold records bound to a lost one: the hub refuses, naming the file and the way out', async () => {
    const file = path.join(tmp.dir, 'lost', 'opaque-setup.key');
    await assert.rejects(loadOpaqueSetup(file, () => true), (err: Error) => {
      assert.ok(err.message.includes(file), err.message);
      assert.match(err.message, /restore it from a backup.*porchlight user reset-password/);
      return true;
    });
  });
});

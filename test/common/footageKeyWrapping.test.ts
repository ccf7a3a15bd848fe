import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { generateFootageKeyPair, loadFootageKeyPair, openWrappedKeyFile, readFootageKeyFile, saveFootageKeyPair, wrapFootageKeyFile, WrongPassphraseError, KeyFileError } from '../../common/footageKeys';
import { FootageKeyring } from '../../hub/footageKeyring';
import { useTempDir } from '../helpers/tmp';

/*
 * The hub's own key file wrapped with the owner's passphrase (docs/security.md, "Footage key
 * at rest"). The attacker's move: read the key file, and the blocks the old plain file left
 * (a hard link made before wrapping stands in for a reader of freed blocks).
 */
describe('footage key file wrapped with a passphrase', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  const PASSPHRASE = 'a passphrase of some length';

  it('holds only the public key and the sealed secret key; the old plain file is overwritten; a wrong passphrase is refused', async () => {
    const file = path.join(tmp.dir, 'keys', 'footage.key');
    const keys = await generateFootageKeyPair();
    await saveFootageKeyPair(file, keys);
    const oldInode = path.join(tmp.dir, 'old-inode');
    await fs.link(file, oldInode);
    const secretB64 = Buffer.from(Buffer.from(keys.secretKey).toString('base64'));
    assert.ok((await fs.readFile(oldInode)).includes(secretB64), 'the plain file holds the secret key');

    await wrapFootageKeyFile(file, keys, PASSPHRASE);
    for (const f of [file, oldInode]) {
      const data = await fs.readFile(f);
      assert.ok(!data.includes(secretB64) && !data.includes(Buffer.from(keys.secretKey)), `${path.basename(f)} holds no secret key`);
    }
    assert.ok((await fs.readFile(oldInode)).every((b) => b === 0), 'the old plain file was overwritten with zeros');
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    const kf = await readFootageKeyFile(file);
    assert.equal(kf.wrapped, true);
    assert.deepEqual(kf.wrapped && Buffer.from(kf.publicKey), Buffer.from(keys.publicKey));
    await assert.rejects(loadFootageKeyPair(file), /passphrase-protected/);
    await assert.rejects(openWrappedKeyFile(file, 'not the passphrase at all'), WrongPassphraseError);
    assert.deepEqual(Buffer.from((await openWrappedKeyFile(file, PASSPHRASE)).secretKey), Buffer.from(keys.secretKey));
    await assert.rejects(wrapFootageKeyFile(file, keys, 'too short'), (err: Error) => err instanceof KeyFileError && /at least 12 characters/.test(err.message));
  });

  it('a hub keyring loaded from a wrapped file is locked (423) until the passphrase opens it, and never writes the key unwrapped', async () => {
    const file = path.join(tmp.dir, 'footage.key');
    const keys = await generateFootageKeyPair();
    await saveFootageKeyPair(file, keys);
    await wrapFootageKeyFile(file, keys, PASSPHRASE);
    const before = await fs.readFile(file);
    const ring = await FootageKeyring.load(file);
    assert.equal(ring.locked, true);
    assert.equal(ring.wrapped, true);
    assert.throws(() => ring.pair(), (err: Error & { statusCode?: number; code?: string }) => err.statusCode === 423 && err.code === 'FOOTAGE_KEY_LOCKED');
    let told = 0;
    ring.onUnlocked = () => (told += 1);
    await assert.rejects(ring.unlock('a wrong passphrase guess'), WrongPassphraseError);
    assert.equal(ring.locked, true);
    await ring.unlock(PASSPHRASE);
    assert.equal(ring.locked, false);
    assert.equal(told, 1);
    assert.deepEqual(Buffer.from(ring.pair().secretKey), Buffer.from(keys.secretKey));
    assert.ok((await fs.readFile(file)).equals(before), 'unlocking leaves the file as it was');
  });
});

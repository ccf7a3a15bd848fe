import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { openDatabase, type DB } from '../../common/database';
import { DeviceError, findDevice } from '../../hub/devices';
import { useTempDir } from '../helpers/tmp';

/*
 * docs/security.md: "porchlight device revoke NAME means exactly one camera (an ambiguous name
 * is refused with the ids)". Revoking the wrong camera by name would leave the one meant
 * working: the CLI must never guess.
 */
describe('a camera named on the console: exactly one, or a refusal naming the ids', () => {
  const tmp = useTempDir();
  let db: DB;
  let n = 0;
  beforeEach(() => {
    db = openDatabase(path.join(tmp.dir, `hub-${n++}.db`));
  });
  afterEach(() => db.close());

  // Written straight to the table: pairing refuses a second active camera of the same name, but a
  // database from before that rule (or a rename race) may hold two.
  const add = (id: string, name: string, createdAt: number, revokedAt: number | null = null) =>
    db.prepare('INSERT INTO devices (id, name, token_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?)').run(id, name, `hash-${id}`, createdAt, revokedAt);

  it('prefers the active camera over a revoked one of the same name, whatever the case typed', () => {
    add('old-front', 'Front door', 1, 5);
    add('new-front', 'Front door', 10);
    assert.equal(findDevice(db, 'front DOOR')?.id, 'new-front');
    assert.equal(findDevice(db, 'old-front')?.id, 'old-front', 'an id names its camera, revoked or not');
  });

  it('refuses a name two active cameras share, naming both ids, rather than pick one', () => {
    add('garden-a', 'Garden', 1);
    add('garden-b', 'Garden', 2);
    assert.throws(() => findDevice(db, 'garden'), (err: Error) => err instanceof DeviceError && /several cameras are named "garden"/.test(err.message) && /garden-a/.test(err.message) && /garden-b/.test(err.message));
    assert.equal(findDevice(db, 'garden-b')?.id, 'garden-b');
    assert.equal(findDevice(db, 'shed'), undefined);
  });
});

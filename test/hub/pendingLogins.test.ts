import { strict as assert } from 'node:assert';
import { MAX_PENDING_LOGINS, PENDING_LOGIN_TTL_MS, PendingLogins } from '../../hub/pendingLogins';

describe('pending OPAQUE sign-ins: one minute, once, from the address that started them, bounded', () => {
  const entry = (ip = '10.0.0.1') => ({ userId: 1, name: 'owner', ip, serverLoginState: 'state' });

  it('gives an exchange back once, only to its address, only within the minute', () => {
    const p = new PendingLogins();
    const id = p.add(entry(), 0)!;
    assert.equal(p.take(id, '10.0.0.2', 1), undefined, 'another address gets nothing');
    assert.equal(p.take(id, '10.0.0.1', 1)?.name, 'owner', 'and spent nothing: the right address still gets it');
    assert.equal(p.take(id, '10.0.0.1', 2), undefined, 'once');
    const late = p.add(entry(), 0)!;
    assert.equal(p.take(late, '10.0.0.1', PENDING_LOGIN_TTL_MS + 1), undefined, 'expired');
  });

  it('refuses new exchanges when full of live ones, and makes room from expired ones', () => {
    const p = new PendingLogins();
    for (let i = 0; i < MAX_PENDING_LOGINS; i++) assert.notEqual(p.add(entry(), 0), null);
    assert.equal(p.add(entry(), 1), null, 'full of live exchanges: refused (the route answers 503)');
    assert.notEqual(p.add(entry(), PENDING_LOGIN_TTL_MS + 1), null, 'the expired ones are swept');
  });
});

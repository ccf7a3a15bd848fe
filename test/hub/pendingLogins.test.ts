import { strict as assert } from 'node:assert';
import { addressGroup, MAX_PENDING_LOGINS, MAX_PENDING_PER_ADDRESS, PENDING_LOGIN_TTL_MS, PendingLogins } from '../../hub/pendingLogins';

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

  it('keeps an address to its newest exchanges, so one address cannot fill the map and lock everyone out', () => {
    const p = new PendingLogins();
    const flood = Array.from({ length: MAX_PENDING_LOGINS }, () => p.add(entry('10.6.6.6'), 0));
    assert.ok(flood.every((id) => id !== null), 'each start is answered');
    assert.equal(flood.filter((id) => p.take(id, '10.6.6.6', 1) !== undefined).length, MAX_PENDING_PER_ADDRESS, 'only its newest are kept');
    // The same flood from one machine's many IPv6 addresses counts as one /64.
    for (let i = 0; i < MAX_PENDING_LOGINS; i++) assert.notEqual(p.add(entry(`2001:db8:1:2::${i.toString(16)}`), 2), null);
    const honest = p.add(entry('10.0.0.1'), 3);
    assert.notEqual(honest, null, 'an honest sign-in still starts');
    assert.equal(p.take(honest!, '10.0.0.1', 4)?.name, 'owner');
    assert.equal(addressGroup('2001:0db8:0001:0002:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(addressGroup('::ffff:192.0.2.7'), '192.0.2.7');
  });

  it('refuses new exchanges when full of live ones, and makes room from expired ones', () => {
    const p = new PendingLogins();
    for (let i = 0; i < MAX_PENDING_LOGINS; i++) assert.notEqual(p.add(entry(`10.${(i >> 8) & 255}.${i & 255}.1`), 0), null);
    assert.equal(p.add(entry(), 1), null, 'full of live exchanges: refused (the route answers 503)');
    assert.notEqual(p.add(entry(), PENDING_LOGIN_TTL_MS + 1), null, 'the expired ones are swept');
  });
});

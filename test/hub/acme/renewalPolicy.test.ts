import { strict as assert } from 'node:assert';
import { renewalDueAt, renewalReason, shouldNotifyOwners, type LiveCertificate } from '../../../hub/acme/renewalPolicy';

const DAY = 24 * 3600 * 1000;
const NOW = Date.parse('2026-12-06T12:00:00Z');
const cert = (daysLeft: number, names = ['cameras.example.org']): LiveCertificate => ({ notAfter: NOW + daysLeft * DAY, names });

describe('ACME renewal policy', () => {
  const cases: Array<[string, LiveCertificate | null, string[], ReturnType<typeof renewalReason>]> = [
    ['no certificate yet', null, ['cameras.example.org'], 'none yet'],
    ['89 days left', cert(89), ['cameras.example.org'], null],
    ['30 days and a minute left', { notAfter: NOW + 30 * DAY + 60_000, names: ['cameras.example.org'] }, ['cameras.example.org'], null],
    ['29 days left', cert(29), ['cameras.example.org'], 'expires soon'],
    ['expired', cert(-1), ['cameras.example.org'], 'expires soon'],
    ['a name added to the config', cert(80), ['cameras.example.org', 'door.example.org'], 'names changed'],
    ['a name removed from the config (still covered)', cert(80, ['cameras.example.org', 'door.example.org']), ['cameras.example.org'], null],
    ['names compared without case', cert(80), ['Cameras.Example.org'], null],
  ];
  for (const [what, live, domains, expected] of cases) {
    it(`${what}: ${expected ?? 'not due'}`, () => assert.equal(renewalReason(live, domains, NOW), expected));
  }

  it('says when a certificate falls due: 30 days before it expires', () => {
    assert.equal(renewalDueAt(cert(89), ['cameras.example.org'], NOW), NOW + 59 * DAY);
    assert.equal(renewalDueAt(cert(10), ['cameras.example.org'], NOW), NOW);
  });

  it('tells the owners once, from the third failure in a row', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => shouldNotifyOwners(n, false)), [false, false, true, true]);
    assert.equal(shouldNotifyOwners(5, true), false);
  });
});

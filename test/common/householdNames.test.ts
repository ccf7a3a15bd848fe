import { strict as assert } from 'node:assert';
import { coveredNames, networkOf, parseExtraName, permittedNames, wantedNames, type InterfaceAddress } from '../../common/householdNames';
import { parseConfig } from '../../common/config';

const lan = (address: string, cidr: string | null, internal = false): InterfaceAddress => ({ address, cidr, internal });
const PI = {
  lo: [lan('127.0.0.1', '127.0.0.1/8', true), lan('::1', '::1/128', true)],
  eth0: [lan('192.168.1.23', '192.168.1.23/24'), lan('fe80::1%eth0', 'fe80::1/64'), lan('fd12:3456:789a:1::23', 'fd12:3456:789a:1::23/64')],
  // A hub with a public address as well (a VPS, or a router that hands them out): only that address.
  wan: [lan('203.0.113.9', '203.0.113.9/24'), lan('2001:db8:1:2::9', '2001:db8:1:2::9/64')],
};

describe('household CA names: what it may vouch for', () => {
  it('permits the host name, host.local, localhost, loopback, private LAN subnets, and public addresses only alone', () => {
    const p = permittedNames('porchpi', PI, []);
    assert.deepEqual(p.dns, ['porchpi', 'porchpi.local', 'localhost']);
    assert.deepEqual(p.subnets, ['127.0.0.0/8', '::1/128', '192.168.1.0/24', 'fd12:3456:789a:1::/64', '203.0.113.9/32', '2001:db8:1:2::9/128']);
  });

  it('adds configured extra names: a DNS name, an address alone, a subnet', () => {
    const extra = ['Porch.Example.NET.', '10.44.0.1', '10.45.0.7/24'].map(parseExtraName);
    assert.deepEqual(extra, [
      { kind: 'dns', value: 'porch.example.net' },
      { kind: 'ip', value: '10.44.0.1' },
      { kind: 'subnet', value: '10.45.0.0/24' },
    ]);
    const p = permittedNames('porchpi', PI, extra);
    assert.ok(p.dns.includes('porch.example.net'));
    assert.ok(p.subnets.includes('10.44.0.1/32') && p.subnets.includes('10.45.0.0/24'));
    const w = wantedNames('porchpi', PI, extra);
    assert.ok(w.dns.includes('porch.example.net') && w.ips.includes('10.44.0.1'));
    assert.ok(!w.ips.some((ip) => ip.startsWith('10.45.')), 'a subnet is room in the CA, not a name in the certificate');
    assert.ok(!w.ips.some((ip) => ip.startsWith('fe80')), 'link-local addresses are not named');
  });

  it('refuses extra names that are not names, one-label names, public subnets, and subnets so wide they would cover much of the internet', () => {
    for (const [text, why] of [
      ['-bad-.example', /neither a DNS name/],
      ['exa mple.com', /neither a DNS name/],
      ['10.0.0.0/33', /not a subnet/],
      ['0.0.0.0/0', /too wide/],
      ['2000::/3', /too wide/],
      // A public /8 is narrow enough for the width rule but is other people's machines.
      ['8.0.0.0/8', /"8\.0\.0\.0\/8" is not a private subnet/],
      ['10.0.0.0/7', /too wide|not a private subnet/],
      ['172.16.0.0/11', /not a private subnet/],
      ['2001:db8::/48', /not a private subnet/],
      // One label is a whole top-level domain under RFC 5280's subtree rule.
      ['com', /"com" is a single label/],
      ['lan.', /"lan\." is a single label/],
    ] as const) {
      assert.throws(() => parseExtraName(text), why, text);
    }
    for (const ok of ['10.44.0.0/16', '172.20.0.0/16', '192.168.7.0/24', '100.64.0.0/10', 'fd00:1:2::/48', '203.0.113.9', 'cameras.example.org']) parseExtraName(ok);
    assert.throws(() => parseConfig({ hub: { householdCa: { extraNames: ['ok.example', '1.0.0.0/1'] } } }), /hub\.householdCa\.extraNames\.1" is invalid: .*too wide/);
    assert.throws(() => parseConfig({ hub: { householdCa: { extraNames: ['8.0.0.0/8'] } } }), /hub\.householdCa\.extraNames\.0" is invalid: "8\.0\.0\.0\/8" is not a private subnet/);
    assert.throws(() => parseConfig({ hub: { householdCa: { extraNames: ['ok.example', 'com'] } } }), /hub\.householdCa\.extraNames\.1" is invalid: "com" is a single label/);
  });

  it('after a new DHCP lease on the same network the new address is covered; on another network it is not', () => {
    const p = permittedNames('porchpi', PI, []);
    const moved = (address: string, cidr: string) => ({ ...PI, eth0: [lan(address, cidr)] });
    const same = coveredNames(wantedNames('porchpi', moved('192.168.1.57', '192.168.1.57/24'), []), p);
    assert.ok(same.names.ips.includes('192.168.1.57'));
    assert.deepEqual(same.uncovered, []);
    const other = coveredNames(wantedNames('porchpi', moved('10.0.0.5', '10.0.0.5/24'), []), p);
    assert.ok(!other.names.ips.includes('10.0.0.5'));
    assert.deepEqual(other.uncovered, ['10.0.0.5']);
    const renamed = coveredNames(wantedNames('newname', PI, []), p);
    assert.deepEqual(renamed.uncovered, ['newname', 'newname.local']);
  });

  it('writes a subnet with its network address', () => {
    assert.equal(networkOf('192.168.1.23', 24), '192.168.1.0/24');
    assert.equal(networkOf('172.20.5.9', 12), '172.16.0.0/12');
    assert.equal(networkOf('fd12:3456:789a:1:abcd::23', 64), 'fd12:3456:789a:1::/64');
  });
});

import { strict as assert } from 'node:assert';
import { endpointProblem, interfaceProblem, listenPortProblem, peerNameProblem, subnetProblem } from '../../common/api/remote';
import { peerConfig, randomSubnet } from '../../hub/remoteAccess';

/* The rules for remote access inputs (docs/remote.md), shared by the console and the page. */

describe('remote access inputs', () => {
  it('takes a public DNS name or an IP address as the endpoint, and refuses the rest saying why', () => {
    for (const ok of ['home.example.net', 'home.example.net.', 'porchlight-7.duckdns.org', 'router', '203.0.113.7', '2001:db8::7']) {
      assert.equal(endpointProblem(ok), null, ok);
    }
    const cases: Array<[string, RegExp]> = [
      ['home.example.net:51820', /without a port/],
      ['203.0.113.7:51820', /without a port/],
      ['', /public DNS name/],
      ['not a host', /public DNS name/],
      ['-bad.example.net', /public DNS name/],
      ['256.1.1.1', /public DNS name/],
      ['https://home.example.net', /public DNS name/],
      ['home.example.net\nPostUp = rm -rf /', /public DNS name/],
      [`${'a'.repeat(64)}.example.net`, /public DNS name/],
    ];
    for (const [bad, why] of cases) assert.match(endpointProblem(bad) ?? 'accepted', why, JSON.stringify(bad));
  });

  it('takes peer names that are safe as a config comment line', () => {
    for (const ok of ["Anna's phone", 'laptop', 'Work-Mac 2', 'a']) assert.equal(peerNameProblem(ok), null, ok);
    for (const bad of ['', ' phone', 'phone\n[Peer]', 'phone#1', 'a'.repeat(41), 'téléphone']) assert.notEqual(peerNameProblem(bad), null, JSON.stringify(bad));
  });

  it('takes ports 1-65535, private /24 subnets and interface names of at most 15 characters', () => {
    assert.equal(listenPortProblem(51820), null);
    for (const bad of [0, 65536, 1.5, NaN]) assert.notEqual(listenPortProblem(bad), null, String(bad));
    for (const ok of ['10.73.41.0/24', '172.16.5.0/24', '192.168.200.0/24']) assert.equal(subnetProblem(ok), null, ok);
    for (const bad of ['10.73.41.1/24', '10.73.0.0/16', '8.8.8.0/24', '172.32.0.0/24', '10.300.1.0/24']) assert.notEqual(subnetProblem(bad), null, bad);
    assert.equal(interfaceProblem('porchlight'), null);
    for (const bad of ['', 'porchlight-remote', 'wg 0', '../x']) assert.notEqual(interfaceProblem(bad), null, bad);
    // A well-formed other name too: the units and the mode repair know only "porchlight", so it would never come up.
    for (const other of ['wg0', 'home']) assert.match(interfaceProblem(other) ?? '', /only be "porchlight": porchlight-wg\.service/, other);
  });

  it('chooses a random private subnet that passes its own rule', () => {
    for (let i = 0; i < 50; i++) assert.equal(subnetProblem(randomSubnet()), null);
  });

  it("writes a split-tunnel config: only the hub's address through the tunnel, IPv6 endpoints bracketed, no keepalive", () => {
    const settings = { endpoint: '2001:db8::7', listenPort: 51820, subnet: '10.73.41.0/24', hubAddress: '10.73.41.1', interface: 'porchlight', hubPublicKey: 'H'.repeat(43) + '=' };
    const peer = { id: 'p1', name: 'phone', address: '10.73.41.2', publicKey: 'P'.repeat(43) + '=', createdAt: 0, createdBy: 'cli' };
    const text = peerConfig(settings, peer, 'K'.repeat(43) + '=');
    assert.match(text, /^AllowedIPs = 10\.73\.41\.1\/32$/m);
    assert.match(text, /^Endpoint = \[2001:db8::7\]:51820$/m);
    assert.match(text, /^Address = 10\.73\.41\.2\/32$/m);
    assert.doesNotMatch(text, /PersistentKeepalive|DNS|0\.0\.0\.0/);
  });
});

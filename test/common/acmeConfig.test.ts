import { strict as assert } from 'node:assert';
import { ConfigError, LETS_ENCRYPT_DIRECTORY, parseConfig } from '../../common/config';

describe('config: hub.acme', () => {
  it("defaults to Let's Encrypt production and http-01, switched on by being there", () => {
    const acme = parseConfig({ hub: { acme: { domains: ['cameras.example.org'] } } }).hub.acme;
    assert.deepEqual(acme, { enabled: true, domains: ['cameras.example.org'], directoryUrl: LETS_ENCRYPT_DIRECTORY, challenge: 'http-01', dnsHookTimeoutSeconds: 300 });
  });

  it('takes dns-01 with a hook, a wildcard, an email and a private CA', () => {
    const acme = parseConfig({
      hub: { acme: { domains: ['*.home.example.org', 'home.example.org'], challenge: 'dns-01', dnsHook: '/etc/porchlight/dns-hook', email: 'me@example.org', caFile: '/x/ca.pem' } },
    }).hub.acme;
    assert.equal(acme?.challenge, 'dns-01');
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['no domains', { domains: [] }, /"hub\.acme\.domains"/],
    ['a domain with a space', { domains: ['my hub.example.org'] }, /"hub\.acme\.domains\/0"|"hub\.acme\.domains\.0"/],
    ['a bare host name without a dot', { domains: ['hub'] }, /hub\.acme\.domains/],
    ['a URL for a domain', { domains: ['https://hub.example.org'] }, /hub\.acme\.domains/],
    ['the same name twice', { domains: ['a.example.org', 'a.example.org'] }, /"hub\.acme\.domains"/],
    ['a plain-HTTP directory', { domains: ['a.example.org'], directoryUrl: 'http://acme.example.org/dir' }, /"hub\.acme\.directoryUrl"/],
    ['an unknown challenge', { domains: ['a.example.org'], challenge: 'tls-alpn-01' }, /"hub\.acme\.challenge"/],
    ['a malformed email', { domains: ['a.example.org'], email: 'me at example' }, /"hub\.acme\.email"/],
    ['dns-01 without a hook', { domains: ['a.example.org'], challenge: 'dns-01' }, /"hub\.acme\.dnsHook".*dns-01 needs a hook/],
    ['a wildcard with http-01', { domains: ['*.example.org'] }, /"hub\.acme\.domains".*only dns-01/],
    ['a typo in a key', { domains: ['a.example.org'], domain: 'a.example.org' }, /hub\.acme/],
  ];
  for (const [what, acme, message] of bad) {
    it(`refuses ${what}, naming the setting`, () => {
      assert.throws(() => parseConfig({ hub: { acme } }), (err: Error) => err instanceof ConfigError && message.test(err.message));
    });
  }

  it('refuses http-01 with the plain-HTTP server switched off, and a second certificate source', () => {
    assert.throws(() => parseConfig({ hub: { redirectHttp: false, acme: { domains: ['a.example.org'] } } }), /"hub\.redirectHttp".*http-01/);
    assert.throws(() => parseConfig({ hub: { tls: { certFile: '/c', keyFile: '/k' }, acme: { domains: ['a.example.org'] } } }), /"hub\.acme".*hub\.tls/);
  });

  it('lets a switched-off section stand beside hub.tls', () => {
    assert.equal(parseConfig({ hub: { tls: { certFile: '/c', keyFile: '/k' }, acme: { enabled: false, domains: ['a.example.org'] } } }).hub.acme?.enabled, false);
  });
});

import { loadConfig } from '#platform';
import { dnsFailureOf, NodeDnsResolver } from './node-dns-resolver.js';

describe('the node:dns adapter', () => {
  it.each([
    ['ENODATA', 'nodata'],
    ['ENOTFOUND', 'nxdomain'],
    ['ESERVFAIL', 'servfail'],
    ['EREFUSED', 'refused'],
    ['ETIMEOUT', 'timeout'],
    ['ECONNREFUSED', 'error'],
    [undefined, 'error'],
  ])('reads c-ares %s as %s', (code, failure) => {
    expect(dnsFailureOf(code)).toBe(failure);
  });

  it('takes its servers from the configuration, and refuses a malformed one at start', () => {
    const config = loadConfig({ NODE_ENV: 'test', ALLMENDE_SECRET_KEY: `${'A'.repeat(43)}=`, ALLMENDE_DNS_RESOLVERS: '127.0.0.1:5353,[::1]:53' }, '/tmp');
    expect(() => new NodeDnsResolver(config)).not.toThrow();
    expect(() => new NodeDnsResolver(undefined, { servers: ['dns.example.org'] })).toThrow();
  });
});

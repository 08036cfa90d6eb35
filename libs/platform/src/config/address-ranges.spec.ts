import { AddressRanges, parseAddressRange } from './address-ranges.js';
import { loadConfig } from './app-config.js';
import { ConfigurationError } from './environment.js';

describe('address ranges (who may read /metrics without a token)', () => {
  it.each([
    ['127.0.0.1', { address: '127.0.0.1', prefix: 32, family: 'ipv4' }],
    ['10.0.0.0/8', { address: '10.0.0.0', prefix: 8, family: 'ipv4' }],
    ['0.0.0.0/0', { address: '0.0.0.0', prefix: 0, family: 'ipv4' }],
    ['::1', { address: '::1', prefix: 128, family: 'ipv6' }],
    ['2001:db8::/32', { address: '2001:db8::', prefix: 32, family: 'ipv6' }],
    ['::ffff:10.0.0.0/104', { address: '::ffff:10.0.0.0', prefix: 104, family: 'ipv6' }],
  ])('reads %s', (entry, range) => {
    expect(parseAddressRange(entry)).toEqual(range);
  });

  it.each(['localhost', '10.0.0.0/33', '::/129', '10.0.0/8', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/-1', '10.0.0.0/ 8', 'fe80::1%eth0', '1.2.3.4.5', '', '/8'])(
    'refuses %p',
    (entry) => {
      expect(parseAddressRange(entry)).toBeUndefined();
    },
  );

  it('parses a comma-separated list with spaces, and an empty text as no entries', () => {
    expect(AddressRanges.parse(' 127.0.0.1/32 , 10.0.0.0/8,::1 ').toStrings()).toEqual(['127.0.0.1/32', '10.0.0.0/8', '::1/128']);
    expect(AddressRanges.parse('').isEmpty).toBe(true);
    expect(AddressRanges.parse(' , ').isEmpty).toBe(true);
    expect(() => AddressRanges.parse('10.0.0.0/8,intranet')).toThrow(/"intranet" is not an IP address or subnet/);
  });

  describe('matching client addresses as request.ip reports them', () => {
    const ranges = AddressRanges.parse('127.0.0.1/32,10.0.0.0/8,2001:db8::/32,::1');

    it.each([
      ['127.0.0.1', true],
      ['127.0.0.2', false],
      ['10.255.1.2', true],
      ['11.0.0.1', false],
      // a dual-stack socket reports IPv4 clients in their IPv4-mapped IPv6 form
      ['::ffff:127.0.0.1', true],
      ['::ffff:7f00:1', true],
      ['::ffff:10.1.2.3', true],
      ['::ffff:192.0.2.1', false],
      ['::1', true],
      ['::2', false],
      ['2001:db8:1::5', true],
      ['2001:db9::5', false],
      ['not an address', false],
      ['', false],
      [undefined, false],
    ])('%p -> %p', (address, expected) => {
      expect(ranges.includes(address)).toBe(expected);
    });

    it('matches a plain IPv4 client against an IPv4-mapped IPv6 subnet', () => {
      const mapped = AddressRanges.parse('::ffff:10.0.0.0/104');
      expect(mapped.includes('10.9.8.7')).toBe(true);
      expect(mapped.includes('::ffff:10.9.8.7')).toBe(true);
      expect(mapped.includes('11.9.8.7')).toBe(false);
    });

    it('lets nobody in when empty, and an IPv4 rule never admits a plain IPv6 client', () => {
      expect(AddressRanges.parse('').includes('127.0.0.1')).toBe(false);
      const everyIpv4 = AddressRanges.parse('0.0.0.0/0');
      expect(everyIpv4.includes('192.0.2.1')).toBe(true);
      expect(everyIpv4.includes('2001:db8::1')).toBe(false);
    });
  });

  describe('ALLMENDE_METRICS_ALLOW at boot', () => {
    const base = { NODE_ENV: 'test', ALLMENDE_SECRET_KEY: 'A'.repeat(43) + '=' };

    it('is empty by default, and read into the configuration', () => {
      expect(loadConfig(base, '/tmp').metrics.allow).toEqual([]);
      const config = loadConfig({ ...base, ALLMENDE_METRICS_ALLOW: '127.0.0.1/32, 10.0.0.0/8,::1' }, '/tmp');
      expect(config.metrics.allow.map((range) => `${range.address}/${range.prefix}`)).toEqual(['127.0.0.1/32', '10.0.0.0/8', '::1/128']);
      expect(JSON.parse(JSON.stringify(config)).metrics).toEqual({ allow: ['127.0.0.1/32', '10.0.0.0/8', '::1/128'] });
    });

    it.each(['intranet', '10.0.0.0/33', '10.0.0.0/8;192.168.0.0/16', '999.0.0.1', '10.0.0.0/8,'])('refuses %p with one line naming the variable', (value) => {
      let error: unknown;
      try {
        loadConfig({ ...base, ALLMENDE_METRICS_ALLOW: value }, '/tmp');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('ALLMENDE_METRICS_ALLOW');
      expect((error as Error).message).not.toContain('\n');
    });
  });
});

import { checkCustomDomain, checkSubdomain } from './tenant-names.js';

describe('subdomains', () => {
  it.each(['gardeners', 'model-railway', 'club42', 'abc'])('accepts %s', (name) => {
    expect(checkSubdomain(name)).toEqual({ ok: true, value: name });
  });

  it('lower-cases and trims', () => {
    expect(checkSubdomain('  Gardeners ')).toEqual({ ok: true, value: 'gardeners' });
  });

  it.each([
    ['www', 'subdomain.reserved'],
    ['mail', 'subdomain.reserved'],
    ['admin', 'subdomain.reserved'],
    ['api', 'subdomain.reserved'],
    ['ab', 'subdomain.too_short'],
    ['a'.repeat(41), 'subdomain.too_long'],
    ['-club', 'subdomain.characters'],
    ['club-', 'subdomain.characters'],
    ['my_club', 'subdomain.characters'],
    ['club.name', 'subdomain.characters'],
    ['clüb', 'subdomain.characters'],
    ['сlub', 'subdomain.characters'], // Cyrillic с
    ['xn--clb-hoa', 'subdomain.double_hyphen'],
    ['club;rm -rf', 'subdomain.characters'],
  ])('refuses %s (%s)', (name, code) => {
    const check = checkSubdomain(name);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.problem.code).toBe(code);
  });
});

describe('custom domains', () => {
  const base = 'hosting.example';

  it.each([
    ['gardeners.de', 'gardeners.de'],
    ['Chat.Modellbahn.example.', 'chat.modellbahn.example'],
    ['gärtner.de', 'xn--grtner-bua.de'],
    ['GÄRTNER.de.', 'xn--grtner-bua.de'],
    ['xn--grtner-bua.de', 'xn--grtner-bua.de'],
    ['москва.рф', 'xn--80adxhks.xn--p1ai'],
  ])('accepts %s as %s', (input, value) => {
    expect(checkCustomDomain(input, base)).toEqual({ ok: true, value });
  });

  it.each([
    ['', 'domain.required'],
    ['localhost', 'domain.special_use'],
    ['club.localhost', 'domain.special_use'],
    ['printer.local', 'domain.special_use'],
    ['5.168.192.in-addr.arpa', 'domain.special_use'],
    ['club', 'domain.no_tld'],
    ['*.club.de', 'domain.wildcard'],
    ['*', 'domain.wildcard'],
    ['192.0.2.10', 'domain.ip_address'],
    ['127.1', 'domain.ip_address'],
    ['[2001:db8::1]', 'domain.ip_address'],
    ['2001:db8::1', 'domain.ip_address'],
    ['pаypal.com', 'domain.mixed_scripts'], // Cyrillic а
    ['xn--pypal-4ve.com', 'domain.mixed_scripts'], // the same, as punycode
    ['аре.com', 'domain.confusable'],
    ['CLUB.HOSTING.EXAMPLE.', 'domain.under_base'],
    ['https://club.de', 'domain.not_a_name'],
    ['club.de/path', 'domain.not_a_name'],
    ['club..de', 'domain.invalid'],
    ['-club.de', 'domain.invalid'],
    ['club.d3', 'domain.invalid_tld'],
    ['x'.repeat(64) + '.de', 'domain.invalid'],
    ['club.hosting.example', 'domain.under_base'],
    ['hosting.example', 'domain.under_base'],
    ['club de', 'domain.not_a_name'],
  ])('refuses %p (%s)', (input, code) => {
    const check = checkCustomDomain(input, base);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.problem.code).toBe(code);
  });
});

describe('custom domain refusals say which name, in Unicode and punycode', () => {
  it('names the scripts that were mixed', () => {
    const check = checkCustomDomain('pаypal.com', 'hosting.example');
    expect(check).toEqual({ ok: false, problem: { code: 'domain.mixed_scripts', params: { name: 'pаypal.com (xn--pypal-4ve.com)', scripts: 'Cyrillic, Latin' } } });
  });
});

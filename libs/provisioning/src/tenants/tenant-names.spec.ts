import { checkCustomDomain, checkSubdomain } from './tenant-names.js';

describe('subdomains', () => {
  it.each(['gardeners', 'model-railway', 'club42', 'abc'])('accepts %s', (name) => {
    expect(checkSubdomain(name)).toEqual({ ok: true, value: name });
  });

  it('lower-cases and trims', () => {
    expect(checkSubdomain('  Gardeners ')).toEqual({ ok: true, value: 'gardeners' });
  });

  it.each([
    ['www', 'reserved'],
    ['mail', 'reserved'],
    ['admin', 'reserved'],
    ['api', 'reserved'],
    ['ab', 'at least 3'],
    ['a'.repeat(41), 'at most 40'],
    ['-club', 'hyphen'],
    ['club-', 'hyphen'],
    ['my_club', 'letters a-z'],
    ['club.name', 'letters a-z'],
    ['clüb', 'letters a-z'],
    ['сlub', 'letters a-z'], // Cyrillic с
    ['xn--clb-hoa', 'two hyphens'],
    ['club;rm -rf', 'letters a-z'],
  ])('refuses %s (%s)', (name, problem) => {
    const check = checkSubdomain(name);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.problem).toContain(problem);
  });
});

describe('custom domains', () => {
  const base = 'hosting.example';

  it.each([
    ['gardeners.de', 'gardeners.de'],
    ['Chat.Modellbahn.example.', 'chat.modellbahn.example'],
    ['gärtner.de', 'xn--grtner-bua.de'],
  ])('accepts %s as %s', (input, value) => {
    expect(checkCustomDomain(input, base)).toEqual({ ok: true, value });
  });

  it.each([
    ['', 'required'],
    ['localhost', 'top-level'],
    ['https://club.de', 'domain name only'],
    ['club.de/path', 'domain name only'],
    ['club..de', 'not a valid'],
    ['-club.de', 'not a valid'],
    ['club.d3', 'top-level'],
    ['x'.repeat(64) + '.de', 'not a valid'],
    ['club.hosting.example', 'under hosting.example'],
    ['hosting.example', 'under hosting.example'],
    ['club de', 'domain name only'],
  ])('refuses %p (%s)', (input, problem) => {
    const check = checkCustomDomain(input, base);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.problem).toContain(problem);
  });
});

import { domainToASCII } from 'node:url';
import { displayDomain, homographFinding, scriptsOf } from './homographs.js';

const ascii = (name: string) => domainToASCII(name);

describe('homographs', () => {
  it('names the scripts of a label, ignoring digits, hyphens and marks', () => {
    expect([...scriptsOf('gärtner-42')]).toEqual(['Latin']);
    expect([...scriptsOf('аpple')].sort()).toEqual(['Cyrillic', 'Latin']);
    expect([...scriptsOf('東京')]).toEqual(['Han']);
  });

  it.each(['gärtner.de', 'münchen-sportverein.de', 'москва.рф', 'αθήνα.gr', '東京タワー.jp', 'ソニー.com', '서울.kr', 'club42.org', 'straße.de'])('accepts %s', (name) => {
    expect(homographFinding(ascii(name))).toBeUndefined();
  });

  it.each([
    ['pаypal.com', 'Cyrillic,Latin'], // Cyrillic а
    ['gοogle.de', 'Greek,Latin'], // Greek omicron
    ['clubσ.de', 'Greek,Latin'],
    ['gօogle.com', 'Armenian,Latin'], // Armenian oh
  ])('refuses mixed scripts in %s', (name, scripts) => {
    expect(homographFinding(ascii(name))).toMatchObject({ kind: 'mixed_scripts', scripts: scripts.split(',') });
  });

  it('refuses a Cyrillic label that looks entirely Latin under a Latin top-level domain, not under a Cyrillic one', () => {
    expect(homographFinding(ascii('аре.com'))).toEqual({ kind: 'confusable', label: 'аре', script: 'Cyrillic' }); // "ape" in Cyrillic
    expect(homographFinding(ascii('аре.рф'))).toBeUndefined();
    expect(homographFinding(ascii('москва.com'))).toBeUndefined(); // м, с, в... not all look Latin
  });

  it('shows an IDN in Unicode and punycode side by side', () => {
    expect(displayDomain('xn--grtner-bua.de')).toBe('gärtner.de (xn--grtner-bua.de)');
    expect(displayDomain('club.example.org')).toBe('club.example.org');
  });
});

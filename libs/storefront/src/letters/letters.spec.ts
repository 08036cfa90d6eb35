import { INVITATION_LETTER } from '#identity';
import { DOMAIN_FLAGGED_LETTER, DOMAIN_RESTORED_LETTER, DOMAIN_WITHDRAWN_LETTER } from '#provisioning';
import { UnknownLetterError, writeLetter } from './letters.js';

describe('letters', () => {
  const invitation = {
    template: INVITATION_LETTER,
    to: 'treasurer@chess.example',
    locale: 'en',
    values: { club: 'Chess & Go Club', role: 'billing', inviter: 'Erika', expires: '2026-12-06', link: 'https://hosting.example/invitation?token=abc' },
  };

  it('writes the invitation from the texts, the role in words', () => {
    const mail = writeLetter(invitation);
    expect(mail.to).toBe('treasurer@chess.example');
    expect(mail.subject).toBe('Invitation to Chess & Go Club on Allmende');
    expect(mail.text).toContain('Erika invites you to join Chess & Go Club on Allmende as billing member.');
    expect(mail.text).toContain('(the link works until 2026-12-06):\nhttps://hosting.example/invitation?token=abc');
  });

  it('falls back to English for a language without texts, and refuses a letter it has no texts for', () => {
    expect(writeLetter({ ...invitation, locale: 'xx' }).subject).toBe('Invitation to Chess & Go Club on Allmende');
    expect(() => writeLetter({ ...invitation, template: 'identity.unknown' })).toThrow(UnknownLetterError);
  });

  it('tells a club that its domain lost its records, what to change, and when it is withdrawn', () => {
    const values = { club: 'Gardeners', domain: 'gärtner.de (xn--grtner-bua.de)', fixes: 'add TXT _allmende-challenge.xn--grtner-bua.de allmende-verify=abc', withdrawAt: '2026-03-04 10:00 UTC' };
    const flagged = writeLetter({ template: DOMAIN_FLAGGED_LETTER, to: 'board@gardeners.example', locale: 'en', values });
    expect(flagged.subject).toBe('Your domain gärtner.de (xn--grtner-bua.de) no longer points to Allmende');
    expect(flagged.text).toContain('add TXT _allmende-challenge.xn--grtner-bua.de allmende-verify=abc');
    expect(flagged.text).toContain('Until 2026-03-04 10:00 UTC we keep serving');
    expect(writeLetter({ template: DOMAIN_WITHDRAWN_LETTER, to: 'x@y.example', locale: 'en', values }).subject).toBe('We stopped serving gärtner.de (xn--grtner-bua.de)');
    expect(writeLetter({ template: DOMAIN_RESTORED_LETTER, to: 'x@y.example', locale: 'en', values: { ...values, fixes: '' } }).text).toContain('are correct again');
  });
});

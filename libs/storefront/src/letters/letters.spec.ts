import { INVITATION_LETTER } from '#identity';
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
});

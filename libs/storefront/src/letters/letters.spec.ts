import { INVITATION_LETTER } from '#identity';
import { BACKUP_FAILED_LETTER, DOMAIN_FLAGGED_LETTER, DOMAIN_RESTORED_LETTER, DOMAIN_WITHDRAWN_LETTER, RESTORE_DRILL_FAILED_LETTER, UPGRADE_FINISHED_LETTER, UPGRADE_PLANNED_LETTER } from '#provisioning';
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

  it('writes backup alerts to operators with the tenant, the site, the reason and the next attempt', () => {
    const mail = writeLetter({
      template: BACKUP_FAILED_LETTER,
      to: 'ops@coop.example',
      locale: 'en',
      values: { tenant: 'gardeners', tenantId: 't-1', site: 'offsite', failures: '3', code: 'backup.site_unreachable', error: 'dial tcp: connection refused', next: '2026-12-01T02:00:00.000Z' },
    });
    expect(mail.subject).toBe('Backups of gardeners fail on offsite');
    expect(mail.text).toContain('have failed 3 time(s) in a row');
    expect(mail.text).toContain('Reason (backup.site_unreachable):\ndial tcp: connection refused');
    expect(mail.text).toContain('The next attempt is at 2026-12-01T02:00:00.000Z. The tenant keeps running.');
    const drill = writeLetter({ template: RESTORE_DRILL_FAILED_LETTER, to: 'ops@coop.example', locale: 'en', values: { tenant: 'gardeners', tenantId: 't-1', site: 'local', failures: '1', code: 'backup.failed', error: 'probe(s) failed', next: '' } });
    expect(drill.subject).toBe('The restore drill of gardeners failed');
  });

  it('tells a club when its app will be upgraded: in its window, soon, or at once for a security update', () => {
    const values = { club: 'Gardeners', app: 'Chat (XMPP)', from: '0.12', to: '13.0', window: 'Tuesday 02:00-05:00 UTC', outcome: '', reason: '' };
    const planned = writeLetter({ template: UPGRADE_PLANNED_LETTER, to: 'board@gardeners.example', locale: 'en', values });
    expect(planned.subject).toBe('Chat (XMPP) of Gardeners will be upgraded to 13.0');
    expect(planned.text).toContain('from version 0.12 to 13.0 in your maintenance window, Tuesday 02:00-05:00 UTC.');
    expect(writeLetter({ template: UPGRADE_PLANNED_LETTER, to: 'b@g.example', locale: 'en', values: { ...values, window: '' } }).text).toContain('to 13.0 within the next hours.');
    expect(writeLetter({ template: UPGRADE_PLANNED_LETTER, to: 'b@g.example', locale: 'en', values: { ...values, outcome: 'urgent' } }).text).toContain('as soon as possible: it is a security update');
  });

  it('tells a club how its upgrade ended: upgraded, undone with the reason, or not started', () => {
    const values = { club: 'Gardeners', app: 'Website (WordPress)', from: '6.1', to: '6.8', window: '', outcome: 'upgraded', reason: '' };
    expect(writeLetter({ template: UPGRADE_FINISHED_LETTER, to: 'b@g.example', locale: 'en', values }).subject).toBe('Website (WordPress) of Gardeners now runs version 6.8');
    const undone = writeLetter({ template: UPGRADE_FINISHED_LETTER, to: 'b@g.example', locale: 'en', values: { ...values, outcome: 'rolled-back', reason: 'the post is not served' } });
    expect(undone.subject).toBe('The upgrade of Website (WordPress) of Gardeners was undone');
    expect(undone.text).toContain('runs version 6.1 again, with your data from just before the upgrade');
    expect(undone.text).toContain('What went wrong: the post is not served');
    const refused = writeLetter({ template: UPGRADE_FINISHED_LETTER, to: 'b@g.example', locale: 'en', values: { ...values, outcome: 'not-started', reason: 'the pre-upgrade backup failed' } });
    expect(refused.text).toContain('did not start, and nothing was changed: the pre-upgrade backup failed');
  });
});

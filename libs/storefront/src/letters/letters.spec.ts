import { INVITATION_LETTER } from '#identity';
import { BACKUP_FAILED_LETTER, DOMAIN_FLAGGED_LETTER, DOMAIN_RESTORED_LETTER, DOMAIN_WITHDRAWN_LETTER, RESTORE_DRILL_FAILED_LETTER, UPGRADE_FINISHED_LETTER, UPGRADE_PLANNED_LETTER } from '#provisioning';
import { BANK_TRANSFER_ORDER_LETTER, INSTANCE_READY_LETTER, ORDER_CONFIRMATION_LETTER, PAYMENT_FAILED_LETTER, PAYMENT_RECEIVED_LETTER, RESUMED_LETTER, SUSPENDED_LETTER } from '#billing';
import { OPERATION_FAILED_LETTER } from '#provisioning';
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

describe('letters about orders, payments and apps, in English and German', () => {
  const order = {
    club: 'Gardeners of Südstadt',
    contactEmail: 'chair@gardeners.example',
    orderId: '3f1c2d9e-1111-4000-8000-000000000000',
    reference: 'AM-2026-0042',
    plan: 'Club bundle',
    apps: 'prosody,wordpress',
    amountCents: '900',
    currency: 'EUR',
    interval: 'month',
    vat: 'included',
    provider: 'manual',
    bankAccount: 'Allmende eG, IBAN DE02 1203 0000 0000 2020 51, BIC BYLADEM1001',
    address: 'https://gardeners.hosting.example',
    link: 'https://hosting.example/order/3f1c2d9e-1111-4000-8000-000000000000',
    apiLink: 'https://hosting.example/console/orders',
    date: '',
    next: '',
  };
  const write = (template: string, locale: string, values: Record<string, string> = {}, to = 'chair@gardeners.example') => writeLetter({ template, to, locale, values: { ...order, ...values } });

  /** Every letter has both parts, and the HTML says what the text says. */
  function expectBothParts(mail: ReturnType<typeof writeLetter>, locale: string) {
    expect(mail.html).toContain(`<html lang="${locale}">`);
    expect(mail.html).toContain(`<a href="${order.link}">${order.link}</a>`);
    for (const paragraph of mail.text.trim().split(/\n\n+/)) expect(mail.html).toContain(paragraph.split('\n')[0].replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').slice(0, 30));
  }

  it('confirms a bank-transfer order with the amount, the bank details, the reference and the order page', () => {
    const en = write(ORDER_CONFIRMATION_LETTER, 'en');
    expect(en.subject).toBe('Your order AM-2026-0042: Club bundle for Gardeners of Südstadt');
    expect(en.text).toContain('Plan: Club bundle (Chat (XMPP), Website (WordPress))\nPrice: €9.00 per month, VAT included\nAddress: https://gardeners.hosting.example\nOrder reference: AM-2026-0042');
    expect(en.text).toContain('Amount: €9.00\nAccount: Allmende eG, IBAN DE02 1203 0000 0000 2020 51, BIC BYLADEM1001\nReference: AM-2026-0042');
    expect(en.text).toContain(`Your order page always shows where things stand:\n${order.link}`);
    expectBothParts(en, 'en');

    const de = write(ORDER_CONFIRMATION_LETTER, 'de');
    expect(de.subject).toBe('Ihre Bestellung AM-2026-0042: Club bundle für Gardeners of Südstadt');
    expect(de.text).toContain('Hallo Gardeners of Südstadt,\n\nvielen Dank für Ihre Bestellung.');
    expect(de.text).toContain('Preis: 9,00\u00a0€ pro Monat, inkl. MwSt.');
    expect(de.text).toContain('Betrag: 9,00\u00a0€\nKonto: Allmende eG, IBAN DE02 1203 0000 0000 2020 51, BIC BYLADEM1001\nVerwendungszweck: AM-2026-0042');
    expectBothParts(de, 'de');
  });

  it('says the bank details follow when none are configured, and sends card payers to Stripe', () => {
    expect(write(ORDER_CONFIRMATION_LETTER, 'en', { bankAccount: '' }).text).toContain('Account: the cooperative sends you its bank details in a separate email.');
    expect(write(ORDER_CONFIRMATION_LETTER, 'en', { vat: 'excluded' }).text).toContain('Price: €9.00 per month, plus VAT');
    expect(write(ORDER_CONFIRMATION_LETTER, 'de', { vat: 'excluded' }).text).toContain('Preis: 9,00\u00a0€ pro Monat, zzgl. MwSt.');
    expect(write(ORDER_CONFIRMATION_LETTER, 'de', { bankAccount: '' }).text).toContain('Konto: Die Genossenschaft schickt Ihnen ihre Bankverbindung in einer eigenen E-Mail.');
    const stripe = write(ORDER_CONFIRMATION_LETTER, 'en', { provider: 'stripe' });
    expect(stripe.text).toContain('you pay by card on Stripe’s secure page');
    expect(stripe.text).not.toContain('IBAN');
    expect(write(ORDER_CONFIRMATION_LETTER, 'de', { provider: 'stripe' }).text).toContain('Sie bezahlen per Karte');
  });

  it('tells operators of a new bank-transfer order with everything they match the payment by', () => {
    const en = write(BANK_TRANSFER_ORDER_LETTER, 'en', {}, 'ops@coop.example');
    expect(en.to).toBe('ops@coop.example');
    expect(en.subject).toBe('New order AM-2026-0042 by bank transfer: Gardeners of Südstadt');
    expect(en.text).toContain('Reference: AM-2026-0042\nClub: Gardeners of Südstadt\nContact: chair@gardeners.example\nPlan: Club bundle\nAmount: €9.00 per month, VAT included');
    expect(en.text).toContain('POST /api/v1/orders/AM-2026-0042/payments with {"outcome": "paid"}');
    expect(en.html).toContain(`<a href="${order.apiLink}">`);
    expect(write(BANK_TRANSFER_ORDER_LETTER, 'en', { bankAccount: '' }).text).toContain('ALLMENDE_BANK_ACCOUNT is not set');
    const de = write(BANK_TRANSFER_ORDER_LETTER, 'de', {}, 'ops@coop.example');
    expect(de.subject).toBe('Neue Bestellung AM-2026-0042 per Überweisung: Gardeners of Südstadt');
    expect(de.text).toContain('Verwendungszweck: AM-2026-0042\nVerein: Gardeners of Südstadt\nKontakt: chair@gardeners.example\nPaket: Club bundle\nBetrag: 9,00\u00a0€ pro Monat, inkl. MwSt.');
  });

  it('confirms a payment: setting up starts, or a lapse is settled', () => {
    const en = write(PAYMENT_RECEIVED_LETTER, 'en', { next: 'setup' });
    expect(en.subject).toBe('We received your payment for Gardeners of Südstadt (AM-2026-0042)');
    expect(en.text).toContain('we are setting up your apps now');
    expectBothParts(en, 'en');
    expect(write(PAYMENT_RECEIVED_LETTER, 'en', { next: 'settled' }).text).toContain('Your apps keep running as before.');
    const de = write(PAYMENT_RECEIVED_LETTER, 'de', { next: 'setup' });
    expect(de.subject).toBe('Ihre Zahlung für Gardeners of Südstadt ist angekommen (AM-2026-0042)');
    expect(de.text).toContain('Wir richten Ihre Apps jetzt ein.');
    expect(write(PAYMENT_RECEIVED_LETTER, 'de', { next: 'settled' }).text).toContain('Ihre Apps laufen weiter wie bisher.');
    expect(write(PAYMENT_RECEIVED_LETTER, 'en', { next: 'renewed', date: '2027-01-31T00:00:00.000Z' }).text).toContain('Your plan is now paid until January 31, 2027.');
    expect(write(PAYMENT_RECEIVED_LETTER, 'de', { next: 'renewed', date: '2027-01-31T00:00:00.000Z' }).text).toContain('Ihr Paket ist jetzt bis 31. Januar 2027 bezahlt.');
  });

  it('tells the club its apps are ready, at which address, and where the admin logins are shown once', () => {
    const en = write(INSTANCE_READY_LETTER, 'en');
    expect(en.subject).toBe('Your apps are ready: https://gardeners.hosting.example');
    expect(en.text).toContain('your apps (Chat (XMPP), Website (WordPress)) are set up and running at:\nhttps://gardeners.hosting.example');
    expect(en.text).toContain(`store the admin logins in a password manager:\n${order.link}`);
    expect(en.html).toContain('<a href="https://gardeners.hosting.example">https://gardeners.hosting.example</a>');
    expectBothParts(en, 'en');
    const de = write(INSTANCE_READY_LETTER, 'de');
    expect(de.subject).toBe('Ihre Apps sind bereit: https://gardeners.hosting.example');
    expect(de.text).toContain('Jede App hat eine eigene Admin-Anmeldung, die wir einmal zeigen');
  });

  it('tells of a failed card payment or an overdue transfer, what to do, and until when the apps run', () => {
    const values = { date: '2026-03-15T10:00:00.000Z' };
    const stripe = write(PAYMENT_FAILED_LETTER, 'en', { ...values, provider: 'stripe' });
    expect(stripe.subject).toBe('The payment for Gardeners of Südstadt failed');
    expect(stripe.text).toContain('update your payment method under “Manage billing”');
    expect(stripe.text).toContain('Your apps keep running until March 15, 2026.');
    const overdue = write(PAYMENT_FAILED_LETTER, 'en', values);
    expect(overdue.subject).toBe('The payment for Gardeners of Südstadt is overdue');
    expect(overdue.text).toContain('please transfer €9.00 to\nAccount: Allmende eG');
    expect(overdue.text).toContain('Reference: AM-2026-0042');
    expectBothParts(overdue, 'en');
    const de = write(PAYMENT_FAILED_LETTER, 'de', values);
    expect(de.subject).toBe('Die Zahlung für Gardeners of Südstadt ist überfällig');
    expect(de.text).toContain('Ihre Apps laufen bis 15. März 2026 weiter.');
    expect(write(PAYMENT_FAILED_LETTER, 'de', { ...values, provider: 'stripe' }).subject).toBe('Die Zahlung für Gardeners of Südstadt ist fehlgeschlagen');
  });

  it('tells the club its apps are paused, how to pay, and when they run again', () => {
    const en = write(SUSPENDED_LETTER, 'en');
    expect(en.subject).toBe('The apps of Gardeners of Südstadt are paused');
    expect(en.text).toContain('we have paused your apps at https://gardeners.hosting.example');
    expect(en.text).toContain('please transfer €9.00 to\nAccount: Allmende eG');
    expectBothParts(en, 'en');
    expect(write(SUSPENDED_LETTER, 'en', { provider: 'stripe' }).text).toContain('update your payment method under “Manage billing”.');
    const de = write(SUSPENDED_LETTER, 'de');
    expect(de.subject).toBe('Die Apps von Gardeners of Südstadt sind angehalten');
    expect(de.text).toContain('Sobald die Zahlung da ist, starten Ihre Apps von selbst wieder.');
    const resumed = write(RESUMED_LETTER, 'en');
    expect(resumed.subject).toBe('The apps of Gardeners of Südstadt run again');
    expect(resumed.text).toContain('back at https://gardeners.hosting.example, with all your data');
    expectBothParts(resumed, 'en');
    expect(write(RESUMED_LETTER, 'de').subject).toBe('Die Apps von Gardeners of Südstadt laufen wieder');
  });

  it('alerts operators of a failed operation with the tenant, the kind, the error and a link', () => {
    const values = { tenant: 'gardeners', tenantId: 't-1', kind: 'provision', operationId: 'o-1', failureKind: 'permanent', error: 'image <allmende/prosody> not found', link: 'https://hosting.example/console/tenants/t-1#operation-o-1' };
    const en = writeLetter({ template: OPERATION_FAILED_LETTER, to: 'ops@coop.example', locale: 'en', values });
    expect(en.subject).toBe('The provision operation of gardeners failed');
    expect(en.text).toContain('tenant gardeners (t-1) failed; the failure is permanent: trying again does not help until the cause is fixed.');
    expect(en.text).toContain('Error:\nimage <allmende/prosody> not found');
    expect(en.html).toContain('image &lt;allmende/prosody&gt; not found');
    expect(en.html).toContain('<a href="https://hosting.example/console/tenants/t-1#operation-o-1">');
    const de = writeLetter({ template: OPERATION_FAILED_LETTER, to: 'ops@coop.example', locale: 'de', values: { ...values, failureKind: 'transient' } });
    expect(de.subject).toBe('Der Vorgang provision von gardeners ist fehlgeschlagen');
    expect(de.text).toContain('der Fehler ist vorübergehend');
  });

  it('writes the older letters as HTML too, and in German', () => {
    const invitation = writeLetter({ template: INVITATION_LETTER, to: 'a@b.example', locale: 'de', values: { club: 'Chess & Go', role: 'member', inviter: 'Erika', expires: '2026-12-06', link: 'https://hosting.example/invitation?token=abc' } });
    expect(invitation.html).toContain('<a href="https://hosting.example/invitation?token=abc">');
    expect(invitation.html).toContain('Chess &amp; Go');
    expect(invitation.html).toContain('<html lang="de">');
  });
});

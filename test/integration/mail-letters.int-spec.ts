import { DataSource } from 'typeorm';
import { Order, OrdersService } from '#billing';
import { PlansService } from '#catalog';
import { schemaDataSourceOptions } from '#domain';
import { Account, MailLetter, MailOutbox, VERIFY_EMAIL_LETTER } from '#identity';
import { GracePeriods, OperationsService, TenantLifecycleService } from '#provisioning';
import { MIGRATIONS } from '../../libs/domain/src/migrations/index.js';
import { createEmptyDatabase } from '#test/support/database.js';
import { createOperator, type Session } from '#test/support/fixtures.js';
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from '#test/support/smtp-server.js';
import { type BillingStack, operationsOf, orderForm, startBillingStack, tenantOf, waitForMailTo } from './billing-harness.js';

const BANK = 'Allmende eG · IBAN DE02 1203 0000 0000 2020 51 · BIC BYLADEM1001';
const REFERENCE = new RegExp(`^AM-${new Date().getUTCFullYear()}-\\d{4,}$`);

/**
 * The letters that tell clubs and operators what happens and what to do next, sent through
 * Allmende's SMTP mailer to a real SMTP server the test starts (SMTP_URL), and read back as they
 * arrived: plain text and HTML, in the club's language, each exactly once.
 */
describe('letters over SMTP: order, payment, apps, lapses, operator alerts', () => {
  let smtp: TestSmtpServer;
  let stack: BillingStack;
  let operator: Session;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    stack = await startBillingStack({ env: { SMTP_URL: smtp.url, ALLMENDE_BANK_ACCOUNT: BANK } });
    operator = await createOperator(stack.api);
  });

  afterAll(async () => {
    await stack?.close();
    await smtp?.stop();
  });

  const http = () => stack.api.http();
  const dataSource = () => stack.api.dataSource;
  /** The club's address as letters give it: the edge's HTTPS port is not 443 in tests. */
  const addressOf = (subdomain: string) => `https://${subdomain}.hosting.test${stack.api.config.edge.httpsPort === 443 ? '' : `:${stack.api.config.edge.httpsPort}`}`;
  const mailsTo = (address: string, subject: RegExp) => smtp.mails.filter((mail) => mail.envelopeTo.includes(address) && subject.test(mail.subject));
  const arrival = (address: string, subject: RegExp) => smtp.waitFor(`to ${address}: ${subject}`, (mail) => mail.envelopeTo.includes(address) && subject.test(mail.subject));
  /** Waits until the outbox has nothing queued, so "exactly once" is checked after everything went out. */
  const outboxDrained = async () => {
    const deadline = Date.now() + 15_000;
    while ((await dataSource().manager.countBy(MailLetter, { state: 'queued' })) > 0) {
      if (Date.now() > deadline) throw new Error('letters stay queued');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  function expectTextAndHtml(mail: ReceivedMail, lang: string, link: string) {
    expect(mail.contentType).toBe('multipart/alternative');
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`<html lang="${lang}">`);
    expect(mail.html).toContain(`<a href="${link}">${link}</a>`);
    expect(mail.html).not.toMatch(/<script|<style|<img|src=/i);
  }

  describe('a bank-transfer order in English', () => {
    let form: Record<string, string>;
    let order: Order;
    let link: string;

    it('gives the order a payment reference, mails the club its confirmation with the bank details, and alerts the operators', async () => {
      form = orderForm({ clubName: 'Gärtner & Söhne e.V.' });
      const response = await http().post('/order').type('form').send(form).expect(303);
      const orderId = response.headers.location.split('/').pop()!;
      order = await dataSource().manager.findOneByOrFail(Order, { id: orderId });
      expect(order.reference).toMatch(REFERENCE);
      link = `${stack.url}/order/${orderId}`;

      const confirmation = await arrival(form.contactEmail, /^Your order AM-/);
      expect(confirmation.subject).toBe(`Your order ${order.reference}: Club bundle for Gärtner & Söhne e.V.`);
      expect(confirmation.to).toEqual([form.contactEmail]);
      expect(confirmation.text).toContain('Plan: Club bundle (Chat (XMPP), Website (WordPress))\nPrice: €9.00 per month, VAT included\n');
      expect(confirmation.text).toContain(`Amount: €9.00\nAccount: ${BANK}\nReference: ${order.reference}`);
      expect(confirmation.text).toContain(`Address: ${addressOf(form.subdomain)}\n`);
      expectTextAndHtml(confirmation, 'en', link);
      expect(confirmation.html).toContain('Gärtner &amp; Söhne e.V.');
      expect(confirmation.html).toContain(`Reference: ${order.reference}`);

      const alert = await arrival(operator.email, /^New order AM-/);
      expect(alert.subject).toBe(`New order ${order.reference} by bank transfer: Gärtner & Söhne e.V.`);
      expect(alert.text).toContain(`Reference: ${order.reference}\nClub: Gärtner & Söhne e.V.\nContact: ${form.contactEmail}\nPlan: Club bundle\nAmount: €9.00 per month, VAT included\n`);
      expect(alert.html).toContain(`<a href="${stack.url}/console/orders">`);
      // the club never gets the operators' letter, nor the operators the club's
      expect(mailsTo(form.contactEmail, /^New order/)).toHaveLength(0);
      expect(mailsTo(operator.email, /^Your order/)).toHaveLength(0);
    });

    it('shows the reference on the order page, and operators find the order by it with club, contact and plan', async () => {
      const page = (await http().get(`/order/${order.id}`).expect(200)).text;
      expect(page).toContain(`<code>${order.reference}</code>`);
      expect(page).not.toContain(`<code>${order.id}</code>`);

      const found = await http().get(`/api/v1/orders?reference=${order.reference.toLowerCase()}`).set(operator.auth).expect(200);
      expect(found.body).toHaveLength(1);
      expect(found.body[0]).toMatchObject({ id: order.id, reference: order.reference, club: 'Gärtner & Söhne e.V.', contactEmail: form.contactEmail, plan: 'Club bundle', amountCents: 900, currency: 'EUR', state: 'pending_payment' });
      const waiting = await http().get('/api/v1/orders?state=pending_payment&provider=manual').set(operator.auth).expect(200);
      expect(waiting.body.find((item: { id: string }) => item.id === order.id)).toMatchObject({ reference: order.reference, club: 'Gärtner & Söhne e.V.', contactEmail: form.contactEmail, plan: 'Club bundle' });
      const bad = await http().get('/api/v1/orders?reference=not-a-reference').set(operator.auth).expect(400);
      expect(bad.body.fields).toEqual({ reference: 'must be a payment reference like AM-2026-0042' });
    });

    it('records the transfer by its reference and tells the club the payment arrived and its apps are being set up', async () => {
      const paid = await http().post(`/api/v1/orders/${order.reference}/payments`).set(operator.auth).send({ outcome: 'paid' }).expect(200);
      expect(paid.body.orderId).toBe(order.id);
      const received = await arrival(form.contactEmail, /^We received your payment/);
      expect(received.subject).toBe(`We received your payment for Gärtner & Söhne e.V. (${order.reference})`);
      expect(received.text).toContain('we are setting up your apps now');
      expectTextAndHtml(received, 'en', link);
      await http().post('/api/v1/orders/AM-1999-9999/payments').set(operator.auth).send({ outcome: 'paid' }).expect(404);
      await http().post('/api/v1/orders/neither-id-nor-reference/payments').set(operator.auth).send({ outcome: 'paid' }).expect(400);
    });

    it('tells the club when its apps are ready, then about a missed payment, the pause and the restart, each once', async () => {
      const tenant = await tenantOf(dataSource(), order.id);
      // what the provisioning worker's last step does
      await stack.api.app.get(TenantLifecycleService).transition(tenant.id, 'provisioned', { type: 'system', id: 'test' });
      const ready = await arrival(form.contactEmail, /^Your apps are ready/);
      expect(ready.subject).toBe(`Your apps are ready: ${addressOf(form.subdomain)}`);
      expect(ready.html).toContain(`<a href="${addressOf(form.subdomain)}">`);
      expect(ready.text).toContain('Each app has its own admin login, which we show once');
      expectTextAndHtml(ready, 'en', link);

      await http().post(`/api/v1/orders/${order.id}/payments`).set(operator.auth).send({ outcome: 'overdue' }).expect(200);
      const overdue = await arrival(form.contactEmail, /is overdue$/);
      const graceEndsAt = (await tenantOf(dataSource(), order.id)).graceEndsAt!;
      const until = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(graceEndsAt);
      expect(overdue.subject).toBe('The payment for Gärtner & Söhne e.V. is overdue');
      expect(overdue.text).toContain(`please transfer €9.00 to\nAccount: ${BANK}\nReference: ${order.reference}`);
      expect(overdue.text).toContain(`Your apps keep running until ${until}.`);
      expectTextAndHtml(overdue, 'en', link);
      // a repeated "overdue" changes nothing, and tells nothing again
      await http().post(`/api/v1/orders/${order.id}/payments`).set(operator.auth).send({ outcome: 'overdue' }).expect(200);

      // the grace period ends: the worker's task suspends the tenant
      expect(await stack.worker!.get(GracePeriods).endGracePeriods(new Date(Date.now() + 15 * 86_400_000))).toBe(1);
      const paused = await arrival(form.contactEmail, /are paused$/);
      expect(paused.text).toContain(`we have paused your apps at ${addressOf(form.subdomain)}:`);
      expect(paused.text).toContain(`Reference: ${order.reference}`);
      expectTextAndHtml(paused, 'en', link);

      await http().post(`/api/v1/orders/${order.reference}/payments`).set(operator.auth).send({ outcome: 'paid' }).expect(200);
      const resumed = await arrival(form.contactEmail, /run again$/);
      expect(resumed.text).toContain('your payment has arrived, and your apps are starting again');
      expect((await tenantOf(dataSource(), order.id)).state).toBe('active');

      // the transfer for the next period, recorded twice: one receipt
      const paidUntil = new Date(Date.UTC(new Date().getUTCFullYear() + 2, 0, 31));
      for (let time = 0; time < 2; time++) {
        await http().post(`/api/v1/orders/${order.reference}/payments`).set(operator.auth).send({ outcome: 'paid', periodEnd: paidUntil.toISOString() }).expect(200);
      }
      const receipt = await smtp.waitFor('the receipt for the next period', (mail) => mail.envelopeTo.includes(form.contactEmail) && mail.text.includes('paid until'));
      expect(receipt.text).toContain(`Your plan is now paid until January 31, ${paidUntil.getUTCFullYear()}.`);

      await outboxDrained();
      for (const subject of [/^Your order/, /^Your apps are ready/, /is overdue$/, /are paused$/, /run again$/]) {
        expect(mailsTo(form.contactEmail, subject)).toHaveLength(1);
      }
      // the first payment and the next period's
      expect(mailsTo(form.contactEmail, /^We received your payment/)).toHaveLength(2);
      expect(mailsTo(operator.email, /^New order/)).toHaveLength(1);
    });

    it('alerts the operators once when an operation fails, with the tenant, the kind, the error and a link', async () => {
      const tenant = await tenantOf(dataSource(), order.id);
      const [operation] = (await operationsOf(dataSource(), tenant.id)).filter((candidate) => candidate.kind === 'resume');
      const operations = stack.api.app.get(OperationsService);
      // what the operation runner does after the last retry
      await operations.fail(operation.id, 'engine refused: <no such image>', 'permanent');
      const alert = await arrival(operator.email, /^The resume operation of/);
      expect(alert.subject).toBe(`The resume operation of ${tenant.slug} failed`);
      expect(alert.text).toContain(`tenant ${tenant.slug} (${tenant.id}) failed; the failure is permanent`);
      expect(alert.text).toContain('Error:\nengine refused: <no such image>');
      expect(alert.html).toContain('engine refused: &lt;no such image&gt;');
      expectTextAndHtml(alert, 'en', `${stack.url}/console/tenants/${operation.targetId}#operation-${operation.id}`);
      // failing a failed operation again is no news
      await operations.fail(operation.id, 'again', 'permanent');
      await outboxDrained();
      expect(mailsTo(operator.email, /^The resume operation of/)).toHaveLength(1);
      expect(mailsTo(form.contactEmail, /operation/)).toHaveLength(0);
    });
  });

  it('writes to a club that ordered in German in German, and remembers the language on its account', async () => {
    const form = orderForm({ clubName: 'Kleingartenverein Südstadt' });
    // the order form passes the page's language; here the service is called as the form calls it
    const order = await stack.api.app.get(OrdersService).place({ plan: 'club', clubName: form.clubName, contactEmail: form.contactEmail, password: form.password, subdomain: form.subdomain, locale: 'de' });
    expect(order.reference).toMatch(REFERENCE);
    expect((await dataSource().manager.findOneByOrFail(Account, { email: form.contactEmail })).locale).toBe('de');

    const confirmation = await arrival(form.contactEmail, /^Ihre Bestellung AM-/);
    const plan = await stack.api.app.get(PlansService).getByCode('club');
    expect(confirmation.subject).toBe(`Ihre Bestellung ${order.reference}: ${plan.translations?.de?.name ?? plan.name} für Kleingartenverein Südstadt`);
    expect(confirmation.text).toContain('Hallo Kleingartenverein Südstadt,\n\nvielen Dank für Ihre Bestellung.');
    expect(confirmation.text).toContain(`Betrag: 9,00\u00a0€\nKonto: ${BANK}\nVerwendungszweck: ${order.reference}`);
    expectTextAndHtml(confirmation, 'de', `${stack.url}/order/${order.id}`);
    // the address check that comes with an order speaks German too
    const verify = await arrival(form.contactEmail, /^Bitte bestätigen Sie Ihre E-Mail-Adresse/);
    expect(verify.html).toContain('<html lang="de">');

    await http().post(`/api/v1/orders/${order.id}/payments`).set(operator.auth).send({ outcome: 'paid' }).expect(200);
    const received = await arrival(form.contactEmail, /^Ihre Zahlung/);
    expect(received.text).toContain('Wir richten Ihre Apps jetzt ein.');
    // operators keep their own language (English here)
    const alert = await arrival(operator.email, new RegExp(`^New order ${order.reference}`));
    expect(alert.text).toContain('Club: Kleingartenverein Südstadt');
  });

  it('queues a letter with a natural key once, however often and however concurrently it is asked to', async () => {
    const outbox = stack.api.app.get(MailOutbox);
    const letter = { template: VERIFY_EMAIL_LETTER, to: 'twice@club.example', locale: 'en', values: { link: `${stack.url}/verify-email?token=x`, expires: '2026-12-01 10:00 UTC' }, key: 'test:the-same-news' };
    const ids = await Promise.all([outbox.enqueue(letter), outbox.enqueue(letter), outbox.enqueue(letter)]);
    expect(ids.filter((id) => id !== null)).toHaveLength(1);
    expect(await outbox.enqueue(letter)).toBeNull();
    expect(await dataSource().manager.countBy(MailLetter, { dedupKey: 'test:the-same-news' })).toBe(1);
    await arrival('twice@club.example', /^Please confirm/);
    await outboxDrained();
    expect(await outbox.enqueue(letter)).toBeNull(); // sent letters keep their key
    expect(smtp.mails.filter((mail) => mail.envelopeTo.includes('twice@club.example'))).toHaveLength(1);
  });

  it('numbers concurrent orders without a duplicate or a gap', async () => {
    const forms = Array.from({ length: 6 }, () => orderForm());
    const responses = await Promise.all(forms.map((form) => http().post('/order').type('form').send(form)));
    expect(responses.map((response) => response.status)).toEqual(forms.map(() => 303));
    const ids = responses.map((response) => response.headers.location.split('/').pop()!);
    const references = (await Promise.all(ids.map((id) => dataSource().manager.findOneByOrFail(Order, { id })))).map((order) => order.reference);
    const numbers = references.map((reference) => Number(reference.split('-')[2])).sort((a, b) => a - b);
    expect(new Set(references).size).toBe(6);
    expect(numbers.at(-1)! - numbers[0]).toBe(5);
    const [{ last }] = await dataSource().query('select last_number as last from order_reference_counter where year = $1', [new Date().getUTCFullYear()]);
    expect(last).toBe(numbers.at(-1));
  });
});

describe('letters without SMTP', () => {
  it('go to the outbox directory as .eml files, with the text and the HTML', async () => {
    const stack = await startBillingStack({ worker: false, env: { ALLMENDE_BANK_ACCOUNT: BANK } });
    try {
      expect(stack.api.config.mail.smtpUrl).toBeUndefined();
      const form = orderForm();
      await stack.api.http().post('/order').type('form').send(form).expect(303);
      const eml = await waitForMailTo(stack.api.config.dataDir, form.contactEmail, 'Your order AM-');
      expect(eml).toMatch(/^Content-Type: multipart\/alternative; boundary="=_allmende_[0-9a-f]+"$/m);
      expect(eml).toContain('Content-Type: text/plain; charset=utf-8');
      expect(eml).toContain('Content-Type: text/html; charset=utf-8');
      expect(eml).toContain(`Account: ${BANK}`);
    } finally {
      await stack.close();
    }
  });
});

describe('the payment reference migration', () => {
  it('numbers the orders that exist, per year in the order they were placed, and lets the counter go on from there', async () => {
    const db = await createEmptyDatabase();
    const timestamp = (migration: { name: string }) => Number(/\d+$/.exec(migration.name)![0]);
    const mine = MIGRATIONS.find((migration) => migration.name === 'MailLettersAndReferences1795600000000')!;
    const before = new DataSource(schemaDataSourceOptions(db.url, { migrations: MIGRATIONS.filter((migration) => timestamp(migration) < timestamp(mine)) }));
    await before.initialize();
    try {
      await before.runMigrations({ transaction: 'each' });
      const [organization] = await before.query(`insert into organization (name, slug, contact_email) values ('Old club', 'old-club', 'old@club.example') returning id`);
      const [plan] = await before.query(`insert into plan (code, name, apps, price_cents, currency, interval) values ('club', 'Club', '{prosody}', 900, 'EUR', 'month') returning id`);
      const placed = ['2025-12-31T23:59:00Z', '2025-03-01T10:00:00Z', '2026-01-01T00:00:01Z', '2026-02-01T00:00:00Z', '2026-02-01T00:00:00Z'];
      for (const at of placed) {
        await before.query(
          `insert into "order" (organization_id, plan_id, state, payment_provider, amount_cents, currency, terms_version, dpa_version, terms_accepted_at, created_at)
           values ($1, $2, 'paid', 'manual', 900, 'EUR', '1', '1', $3, $3)`,
          [organization.id, plan.id, at],
        );
      }
      const runner = before.createQueryRunner();
      await new mine().up(runner);
      const rows: { created: string; reference: string }[] = await before.query(`select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as created, reference from "order" order by created_at, id`);
      expect(rows.map((row) => row.reference)).toEqual(['AM-2025-0001', 'AM-2025-0002', 'AM-2026-0001', expect.stringMatching(/^AM-2026-000[23]$/), expect.stringMatching(/^AM-2026-000[23]$/)]);
      expect(new Set(rows.map((row) => row.reference)).size).toBe(5);
      expect(await before.query('select year, last_number from order_reference_counter order by year')).toEqual([
        { year: 2025, last_number: 2 },
        { year: 2026, last_number: 3 },
      ]);
      await expect(before.query(`update "order" set reference = 'AM-2025-0001'`)).rejects.toThrow(/order_reference/);
      await new mine().down(runner);
      await runner.release();
    } finally {
      await before.destroy();
      await db.drop();
    }
  });
});

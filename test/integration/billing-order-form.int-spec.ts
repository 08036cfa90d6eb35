import { GracePeriods } from '#provisioning';
import { AccountsService } from '#identity';
import { AdminCredential, ServiceInstance } from '#provisioning';
import { AuditEvent } from '#domain';
import { Order, Subscription } from '#billing';
import { Organization } from '#identity';
import { AdminCredentialsService, TenantLifecycleService, TenantsService } from '#provisioning';
import { addMember, createClub, createOperator, type Session } from '#test/support/fixtures.js';
import { WebClient } from '#test/support/web-client.js';
import { auditActions, type BillingStack, operationsOf, orderForm, rowCounts, startBillingStack, tenantOf } from './billing-harness.js';

/** The order form and bank-transfer billing (no Stripe key configured: the manual provider). */
describe('order form and manual (bank transfer) billing', () => {
  let stack: BillingStack;
  let operator: Session;

  beforeAll(async () => {
    stack = await startBillingStack({ env: { ALLMENDE_TERMS_VERSION: '2026-01', ALLMENDE_DPA_VERSION: '2026-02', ALLMENDE_BANK_ACCOUNT: 'Allmende eG · IBAN DE02 1203 0000 0000 2020 51' } });
    operator = await createOperator(stack.api);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const http = () => stack.api.http();
  const submit = (form: Record<string, string>) => http().post('/order').type('form').send(form);

  it('uses the manual provider when no Stripe key is configured', () => {
    expect(stack.api.config.billing.provider).toBe('manual');
  });

  it('renders an accessible form with the plans from configuration and their flat price', async () => {
    const response = await http().get('/').expect(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    const page = response.text;
    expect(page).toContain('<html lang="en">');
    expect(page).toMatch(/<fieldset>\s*<legend>Choose a plan<\/legend>/);
    for (const [code, price] of [['chat', '€4.00'], ['website', '€6.00'], ['club', '€9.00']]) {
      expect(page).toContain(`id="plan-${code}" value="${code}"`);
      expect(page).toContain(`<label for="plan-${code}">`);
      expect(page).toContain(`${price} per month, VAT included`);
    }
    // Mastodon only where the cooperative enables it (ALLMENDE_OFFER_MASTODON)
    expect(page).not.toContain('id="plan-social"');
    // what a plan includes, in words a club understands
    expect(page).toContain('<strong>Chat (XMPP)</strong>: a chat like WhatsApp, but run by your club');
    expect(page).toContain('15 GB of storage for your data');
    expect(page).toContain('up to 100 members with their own login');
    expect(page).toContain('a backup every night, kept for 30 days');
    // the agreements link to pages that exist
    expect(page).toContain('href="/legal/terms"');
    expect(page).toContain('href="/legal/dpa"');
    for (const name of ['clubName', 'contactEmail', 'password', 'subdomain', 'customDomain', 'acceptTerms', 'acceptDpa']) {
      expect(page).toContain(`<label for="${name}">`);
      expect(page).toContain(`id="${name}" name="${name}"`);
    }
    expect(page).toContain('terms of service (version 2026-01)');
    expect(page).toContain('data processing agreement (version 2026-02)');
    expect(page).toContain('<button type="submit">Place order</button>');
  });

  it('serves the terms and the data processing agreement it links to, in the visitor’s language', async () => {
    const terms = await http().get('/legal/terms').expect(200);
    expect(terms.text).toContain('<h1>Terms of service</h1>');
    expect(terms.text).toContain('Version 2026-01');
    const dpa = await http().get('/legal/dpa').set('Accept-Language', 'de').expect(200);
    expect(dpa.text).toContain('<h1>Vertrag zur Auftragsverarbeitung</h1>');
    expect(dpa.text).toContain('Fassung 2026-02');
    expect(dpa.text).toContain('Art. 28 DSGVO');
  });

  it('shows plans in German with their German names', async () => {
    const page = (await http().get('/').set('Accept-Language', 'de-DE,de;q=0.9').expect(200)).text;
    expect(page).toContain('<html lang="de">');
    expect(page).toMatch(/<label for="plan-club">Vereinspaket <span class="price">9,00\s€ pro Monat, inkl\. MwSt\.<\/span><\/label>/);
    expect(page).toContain('Chat und Website zusammen.');
  });

  it('lets an account with a confirmed address order another club while logged in, without a new account', async () => {
    const club = await createClub(stack.api, 'Allotment Society');
    const accounts = stack.api.app.get(AccountsService);
    const web = await WebClient.login(stack.api.app, club.owner.email, club.owner.password!);
    const form = await web.open('/');
    expect(form.text).toContain(`You order as ${club.owner.email}`);
    expect(form.text).not.toContain('id="password"');
    const before = await rowCounts(stack.api.dataSource);
    const placed = await web.post('/order', { ...orderForm({ subdomain: 'allotment-two', contactEmail: 'board@allotment.example' }), password: '' }).expect(303);
    const orderId = /\/order\/([0-9a-f-]{36})/.exec(placed.headers.location)![1];
    const order = await stack.api.dataSource.manager.findOneByOrFail(Order, { id: orderId });
    const owners = await stack.api.dataSource.query(`select m.role from membership m where m.organization_id = $1 and m.account_id = $2`, [order.organizationId, club.owner.accountId]);
    expect(owners).toEqual([{ role: 'owner' }]);
    expect((await rowCounts(stack.api.dataSource)).account).toBe(before.account);
    expect(await accounts.findByEmail('board@allotment.example')).toBeNull();

    // an account that has not confirmed its address may not order more
    const unconfirmed = `unconfirmed-${Date.now()}@club.example`;
    await accounts.create({ email: unconfirmed, password: 'unconfirmed-password', address: 'unverified' });
    const other = await WebClient.login(stack.api.app, unconfirmed, 'unconfirmed-password');
    const refused = await other.post('/order', { ...orderForm({ subdomain: 'unconfirmed-club' }), password: '' }).expect(403);
    expect(refused.text).toContain('Please confirm your email address first');
    expect((await rowCounts(stack.api.dataSource)).order).toBe(before.order + 1);
  });

  it('refuses a plan the form does not offer (Mastodon, not enabled here)', async () => {
    const response = await submit(orderForm({ plan: 'social', subdomain: 'social-club' })).expect(400);
    expect(response.text).toContain('Choose one of the plans.');
  });

  it.each([
    ['an unknown plan', { plan: 'platinum' }, 'plan', 'Choose one of the plans.'],
    ['an over-long name', { clubName: 'x'.repeat(101) }, 'clubName', 'Enter the name of your club (2 to 100 characters).'],
    ['a reserved subdomain', { subdomain: 'admin' }, 'subdomain', 'Subdomain is reserved; please choose another name.'],
    ['a reserved subdomain (www)', { subdomain: 'www' }, 'subdomain', 'Subdomain is reserved'],
    ['a malformed subdomain', { subdomain: '-bad-' }, 'subdomain', 'Subdomain may contain only letters a-z'],
    ['an invalid domain', { addressKind: 'custom', subdomain: undefined, customDomain: 'https://club.example/path' }, 'customDomain', 'Your domain must be a domain name only'],
    ['a domain under the base domain', { addressKind: 'custom', subdomain: undefined, customDomain: 'x.hosting.test' }, 'customDomain', 'is under hosting.test'],
    ['a bad email', { contactEmail: 'not-an-email' }, 'contactEmail', 'Enter an email address'],
    ['a short password', { password: 'short' }, 'password', 'Choose a password of 12 to 200 characters.'],
    ['terms not accepted', { acceptTerms: undefined }, 'acceptTerms', 'Accept the terms of service to order.'],
    ['the DPA not accepted', { acceptDpa: undefined }, 'acceptDpa', 'Accept the data processing agreement to order.'],
  ])('refuses %s with a message next to the field, keeps the input, creates nothing', async (_what, overrides, field, message) => {
    const before = await rowCounts(stack.api.dataSource);
    const form = orderForm(overrides as Record<string, string | undefined>);
    const response = await submit(form).expect(400);
    const page = response.text;
    expect(page).toContain(`id="${field}-error"`);
    expect(page).toContain(message.replace(/'/g, '&#39;'));
    // the summary links to the field, the field points at its message
    expect(page).toMatch(/role="alert"/);
    if (!['plan'].includes(field)) expect(page).toMatch(new RegExp(`id="${field}"[^>]*aria-describedby="[^"]*${field}-error`));
    // what was typed comes back, except the password
    if (field !== 'clubName') expect(page).toContain(`value="${form.clubName}"`);
    expect(page).not.toContain(form.password);
    expect(await rowCounts(stack.api.dataSource)).toEqual(before);
  });

  it('refuses a taken subdomain and an email that already has an account', async () => {
    const club = await createClub(stack.api);
    await stack.api.app.get(TenantsService).create({ organizationId: club.organizationId, planCode: 'chat', subdomain: 'taken-name' }, { type: 'system', id: 'test' });
    const before = await rowCounts(stack.api.dataSource);
    const response = await submit(orderForm({ subdomain: 'taken-name', contactEmail: club.owner.email })).expect(400);
    expect(response.text).toContain('Subdomain is already taken.');
    expect(response.text).toContain('An account with this email already exists.');
    expect(await rowCounts(stack.api.dataSource)).toEqual(before);
  });

  it('answers the live availability check', async () => {
    expect((await http().get('/api/v1/subdomain-availability?name=free-club').expect(200)).body).toEqual({ available: true, domain: 'free-club.hosting.test' });
    expect((await http().get('/api/v1/subdomain-availability?name=mail').expect(200)).body).toEqual({ available: false, reason: 'is reserved; please choose another name' });
    const missing = await http().get('/api/v1/subdomain-availability').expect(400);
    expect(missing.body.fields).toEqual({ name: 'is required' });
  });

  it('escapes what people type', async () => {
    const response = await submit(orderForm({ clubName: '<script>alert(1)</script>', password: 'x' })).expect(400);
    expect(response.text).not.toContain('<script>alert(1)</script>');
    expect(response.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  describe('a bank-transfer order', () => {
    let orderId: string;
    let form: Record<string, string>;

    it('creates organization, owner, tenant and order, stores the accepted terms, and shows the transfer details', async () => {
      form = orderForm({ clubName: 'Gärtner & Söhne e.V.' });
      const started = Date.now();
      const response = await submit(form).expect(303);
      const match = /^http:\/\/127\.0\.0\.1:\d+\/order\/([0-9a-f-]{36})$/.exec(response.headers.location);
      expect(match).not.toBeNull();
      orderId = match![1];

      const order = await stack.api.dataSource.manager.findOneByOrFail(Order, { id: orderId });
      expect(order).toMatchObject({ state: 'pending_payment', paymentProvider: 'manual', amountCents: 900, currency: 'EUR', termsVersion: '2026-01', dpaVersion: '2026-02', checkoutSessionId: null });
      expect(order.termsAcceptedAt.getTime()).toBeGreaterThanOrEqual(started - 1000);
      const organization = await stack.api.dataSource.manager.findOneByOrFail(Organization, { id: order.organizationId });
      expect(organization).toMatchObject({ name: 'Gärtner & Söhne e.V.', contactEmail: form.contactEmail });
      const tenant = await tenantOf(stack.api.dataSource, orderId);
      expect(tenant).toMatchObject({ state: 'awaiting_payment', primaryDomain: `${form.subdomain}.hosting.test` });
      // the owner logs in with the password from the form
      expect(await stack.api.app.get(AccountsService).authenticate(form.contactEmail, form.password)).not.toBeNull();
      expect(await auditActions(stack.api.dataSource, orderId)).toEqual(['order.placed']);
      const placed = await stack.api.dataSource.manager.findOneByOrFail(AuditEvent, { targetId: orderId, action: 'order.placed' });
      expect(placed.details).toMatchObject({ termsVersion: '2026-01', dpaVersion: '2026-02', provider: 'manual' });
      expect(await auditActions(stack.api.dataSource, tenant.id)).toEqual(['tenant.ordered', 'tenant.awaiting_payment']);

      const page = (await http().get(`/order/${orderId}`).expect(200)).text;
      expect(page).toContain('Order for Gärtner &amp; Söhne e.V.');
      expect(page).toContain('Please pay by bank transfer');
      expect(page).toContain(orderId);
      expect(page).toContain('IBAN DE02 1203 0000 0000 2020 51');
      expect(page).toContain('€9.00 per month');
      expect(page).not.toContain(form.contactEmail);
    });

    it('lets only operators record payments', async () => {
      const club = await createClub(stack.api);
      const billing = await addMember(stack.api, club.organizationId, 'billing');
      for (const session of [club.owner, billing]) {
        await http().post(`/api/v1/orders/${orderId}/payments`).set(session.auth).send({ outcome: 'paid' }).expect(403);
      }
      await http().post('/api/v1/orders/00000000-0000-4000-8000-000000000000/payments').set(operator.auth).send({ outcome: 'paid' }).expect(404);
      const bad = await http().post(`/api/v1/orders/${orderId}/payments`).set(operator.auth).send({ outcome: 'maybe' }).expect(400);
      expect(bad.body.fields).toEqual({ outcome: 'must be paid or overdue' });
      await http().post(`/api/v1/orders/${orderId}/payments`).set(operator.auth).send({ outcome: 'overdue' }).expect(409);
      expect((await tenantOf(stack.api.dataSource, orderId)).state).toBe('awaiting_payment');
    });

    it('follows the payments the operator records: paid, overdue, grace over, paid again, canceled', async () => {
      const dataSource = stack.api.dataSource;
      const paid = await http().post(`/api/v1/orders/${orderId}/payments`).set(operator.auth).send({ outcome: 'paid' }).expect(200);
      expect(paid.body.subscription).toMatchObject({ provider: 'manual', status: 'active', providerSubscriptionId: `manual_${orderId}` });
      let tenant = await tenantOf(dataSource, orderId);
      expect(tenant.state).toBe('provisioning');
      expect((await operationsOf(dataSource, tenant.id)).map((o) => [o.kind, o.state])).toEqual([['provision', 'queued']]);
      expect((await dataSource.manager.findOneByOrFail(Order, { id: orderId })).state).toBe('paid');
      expect((await http().get(`/order/${orderId}`).expect(200)).text).toContain('Setting up your apps');

      // the provisioning worker (not billing's) finishes
      await stack.api.app.get(TenantLifecycleService).transition(tenant.id, 'provisioned', { type: 'system', id: 'test' });

      await http().post(`/api/v1/orders/${orderId}/payments`).set(operator.auth).send({ outcome: 'overdue' }).expect(200);
      tenant = await tenantOf(dataSource, orderId);
      expect(tenant.state).toBe('past_due');
      const graceDays = (tenant.graceEndsAt!.getTime() - Date.now()) / 86_400_000;
      expect(graceDays).toBeGreaterThan(13.9);
      expect(graceDays).toBeLessThanOrEqual(14);
      expect((await http().get(`/order/${orderId}`).expect(200)).text).toContain('Your last payment failed');

      const sweeper = stack.worker!.get(GracePeriods);
      // not yet: the grace period runs
      expect(await sweeper.endGracePeriods(new Date())).toBe(0);
      expect(await sweeper.endGracePeriods(new Date(Date.now() + 15 * 86_400_000))).toBe(1);
      tenant = await tenantOf(dataSource, orderId);
      expect(tenant.state).toBe('suspended');

      await http().post(`/api/v1/orders/${orderId}/payments`).set(operator.auth).send({ outcome: 'paid' }).expect(200);
      tenant = await tenantOf(dataSource, orderId);
      expect(tenant.state).toBe('active');
      expect(tenant.graceEndsAt).toBeNull();

      await http().post(`/api/v1/orders/${orderId}/cancel`).set(operator.auth).expect(200);
      tenant = await tenantOf(dataSource, orderId);
      expect(tenant.state).toBe('terminating');
      const retentionDays = (tenant.deleteDataAfter!.getTime() - Date.now()) / 86_400_000;
      expect(retentionDays).toBeGreaterThan(29.9);
      expect(retentionDays).toBeLessThanOrEqual(30);

      expect((await operationsOf(dataSource, tenant.id)).map((o) => [o.kind, o.state])).toEqual([
        ['provision', 'queued'],
        ['suspend', 'queued'],
        ['resume', 'queued'],
        ['terminate', 'queued'],
      ]);
      expect(await auditActions(dataSource, tenant.id)).toEqual([
        'tenant.ordered',
        'tenant.awaiting_payment',
        'tenant.provisioning',
        'tenant.active',
        'tenant.past_due',
        'tenant.suspended',
        'tenant.active',
        'tenant.terminating',
      ]);
      const subscription = await dataSource.manager.findOneByOrFail(Subscription, { orderId });
      expect(await auditActions(dataSource, subscription.id)).toEqual(['subscription.active', 'subscription.past_due', 'subscription.active', 'subscription.canceled']);
      const byOperator = await dataSource.manager.findBy(AuditEvent, { targetId: tenant.id, actorId: operator.accountId });
      expect(byOperator.map((event) => event.action)).toEqual(['tenant.provisioning', 'tenant.past_due', 'tenant.active', 'tenant.terminating']);
      expect((await http().get(`/order/${orderId}`).expect(200)).text).toContain('Your subscription has ended');
      await http().post(`/api/v1/orders/${orderId}/payments`).set(operator.auth).send({ outcome: 'paid' }).expect(409);
    });

    it('cancels an order that was never paid: the tenant is abandoned', async () => {
      const response = await submit(orderForm()).expect(303);
      const id = response.headers.location.split('/').pop()!;
      await http().post(`/api/v1/orders/${id}/cancel`).set(operator.auth).expect(200);
      expect((await tenantOf(stack.api.dataSource, id)).state).toBe('terminated');
      expect((await stack.api.dataSource.manager.findOneByOrFail(Order, { id })).state).toBe('canceled');
    });

    it('lists orders for operators and for the organization', async () => {
      const pending = await http().get('/api/v1/orders?state=canceled&provider=manual').set(operator.auth).expect(200);
      expect(pending.body.length).toBeGreaterThanOrEqual(1);
      expect(pending.body.every((o: Order) => o.state === 'canceled' && o.paymentProvider === 'manual')).toBe(true);
      await http().get('/api/v1/orders?state=weird').set(operator.auth).expect(400);
      const order = await stack.api.dataSource.manager.findOneByOrFail(Order, { id: orderId });
      const owner = await stack.api.app.get(AccountsService).findByEmail(form.contactEmail);
      expect(owner).not.toBeNull();
      const login = await http().post('/api/v1/auth/login').send({ email: form.contactEmail, password: form.password }).expect(200);
      const own = await http().get(`/api/v1/organizations/${order.organizationId}/orders`).set({ Authorization: `Bearer ${login.body.token}` }).expect(200);
      expect(own.body.map((o: Order) => o.id)).toEqual([orderId]);
      expect(own.body[0].subscription.status).toBe('canceled');
    });
  });

  it("shows the apps' admin logins once, to an owner who logs in on the status page", async () => {
    const form = orderForm();
    const orderId = (await submit(form).expect(303)).headers.location.split('/').pop()!;
    await http().post(`/api/v1/orders/${orderId}/payments`).set(operator.auth).send({ outcome: 'paid' }).expect(200);
    // the worker's provisioning is not part of this test: the tenant becomes active with one stored login
    const tenant = await tenantOf(stack.api.dataSource, orderId);
    const [instance] = await stack.api.dataSource.manager.findBy(ServiceInstance, { tenantId: tenant.id });
    await stack.api.app.get(AdminCredentialsService).store({ tenantId: tenant.id, serviceInstanceId: instance.id, username: 'admin', loginUrl: 'https://example.test/wp-login.php', password: 'Pa55word-<&>"' });
    await stack.api.app.get(TenantLifecycleService).transition(tenant.id, 'provisioned', { type: 'system', id: 'test' });

    const page = (await http().get(`/order/${orderId}`).expect(200)).text;
    expect(page).toContain('action="/order/' + orderId + '/credentials"');

    const wrong = await http().post(`/order/${orderId}/credentials`).type('form').send({ email: form.contactEmail, password: 'not-the-password' }).expect(401);
    expect(wrong.text).toContain('Email or password is wrong, or this account is not an owner of this club.');
    const stranger = await createClub(stack.api, 'Other Club');
    await http().post(`/order/${orderId}/credentials`).type('form').send({ email: stranger.owner.email, password: stranger.owner.password }).expect(403);
    const organizationId = (await stack.api.dataSource.manager.findOneByOrFail(Order, { id: orderId })).organizationId;
    const billing = await addMember(stack.api, organizationId, 'billing');
    await http().post(`/order/${orderId}/credentials`).type('form').send({ email: billing.email, password: billing.password }).expect(403);
    expect((await stack.api.dataSource.manager.findOneByOrFail(AdminCredential, { tenantId: tenant.id })).revealedAt).toBeNull();

    const shown = await http().post(`/order/${orderId}/credentials`).type('form').send({ email: form.contactEmail, password: form.password }).expect(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    expect(shown.text).toContain('<code>Pa55word-&lt;&amp;&gt;&quot;</code>');
    const again = await http().post(`/order/${orderId}/credentials`).type('form').send({ email: form.contactEmail, password: form.password }).expect(409);
    expect(again.text).toContain('already shown once');
    expect(again.text).not.toContain('Pa55word');
  });

  it('shows a page for an unknown order', async () => {
    const response = await http().get('/order/00000000-0000-4000-8000-000000000000').expect(404);
    expect(response.text).toContain('Not found');
    await http().get('/order/not-a-uuid').expect(400);
  });

  it('serves its stylesheet and script', async () => {
    expect((await http().get('/assets/billing.css').expect(200)).headers['content-type']).toMatch(/text\/css/);
    expect((await http().get('/assets/billing.js').expect(200)).text).toContain('subdomain-availability');
  });
});

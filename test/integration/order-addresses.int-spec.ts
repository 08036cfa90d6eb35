import { AuditEvent } from '#domain';
import { Domain, TenantLifecycleService, TenantReadiness, TenantsService } from '#provisioning';
import { startDnsServer, type TestDnsServer } from '#test/support/dns-server.js';
import { createClub, createOperator, type Session } from '#test/support/fixtures.js';
import { type BillingStack, orderForm, startBillingStack, tenantOf } from './billing-harness.js';

// The addresses part of the order page: an owner signs in with email and password on the page
// (no API session) and adds, checks and removes a domain of the club's own and runs the
// readiness checks. DNS answers come from Knot on loopback; the tenant's name there has no
// address, so the readiness run probes nothing and ends at once.

describe('the order page: addresses and readiness checks for the owner', () => {
  let dns: TestDnsServer;
  let stack: BillingStack;
  let operator: Session;
  let orderId: string;
  let tenantId: string;
  let form: Record<string, string>;

  beforeAll(async () => {
    dns = await startDnsServer({ 'hosting.test': [], 'clubs.test': [] });
    stack = await startBillingStack({ env: { ALLMENDE_DNS_RESOLVERS: dns.address } });
    operator = await createOperator(stack.api);
    form = orderForm();
    orderId = (await stack.api.http().post('/order').type('form').send(form).expect(303)).headers.location.split('/').pop()!;
    await stack.api.http().post(`/api/v1/orders/${orderId}/payments`).set(operator.auth).send({ outcome: 'paid' }).expect(200);
    tenantId = (await tenantOf(stack.api.dataSource, orderId)).id;
    await stack.api.app.get(TenantLifecycleService).transition(tenantId, 'provisioned', { type: 'system', id: 'test' });
    // another club holds a name of its own
    const chess = await createClub(stack.api, 'Chess Club');
    await stack.api.app.get(TenantsService).create({ organizationId: chess.organizationId, planCode: 'chat', subdomain: 'chess', customDomain: 'chess.clubs.test' }, { type: 'system', id: 'test' });
  });

  afterAll(async () => {
    await stack?.close();
    await dns?.stop();
  });

  const http = () => stack.api.http();
  const owner = () => ({ email: form.contactEmail, password: form.password });
  const post = (path: string, fields: Record<string, string>) => http().post(`/order/${orderId}${path}`).type('form').send(fields);
  const customDomains = () => stack.api.dataSource.manager.countBy(Domain, { tenantId, kind: 'custom' });

  it('offers the owner a sign-in form on the page and shows nothing of the records before', async () => {
    const page = (await http().get(`/order/${orderId}`).expect(200)).text;
    expect(page).toContain('<h2 id="addresses">Your addresses</h2>');
    expect(page).toContain(`action="/order/${orderId}/addresses"`);
    expect(page).not.toContain('formaction');
    const wrong = await post('/addresses', { email: form.contactEmail, password: 'not-the-password' }).expect(401);
    expect(wrong.text).toContain('Email or password is wrong, or this account is not an owner of this club.');
    expect(wrong.text).not.toContain('formaction');
  });

  it('shows the addresses once the owner signs in', async () => {
    const page = (await post('/addresses', owner()).expect(200)).text;
    expect(page).toContain(`<h3>${form.subdomain}.hosting.test <span class="note">(main address)</span></h3>`);
    expect(page).toContain('run by the cooperative: ready, served now.');
    expect(page).toContain(`formaction="/order/${orderId}/domains"`);
    expect(page).toContain('Not checked yet.');
    expect(page).not.toContain(form.password);
  });

  it('adds a domain through the form and shows the records to create', async () => {
    const response = await post('/domains', { ...owner(), domain: 'Garden.Clubs.Test.' }).expect(200);
    const token = (await stack.api.dataSource.manager.findOneByOrFail(Domain, { tenantId, name: 'garden.clubs.test' })).verificationToken!;
    const page = response.text;
    expect(page).toContain('garden.clubs.test is added. Create the records below at your DNS provider');
    expect(page).toContain('your own domain: waiting for its DNS records, not served.');
    expect(page).toMatch(new RegExp(`<code>CNAME</code></td><td><code>garden\\.clubs\\.test</code></td><td><code>${form.subdomain}\\.hosting\\.test\\.</code>`));
    expect(page).toContain(`<code>TXT</code></td><td><code>_allmende-challenge.garden.clubs.test</code></td><td><code>allmende-verify=${token}</code>`);
    expect(page).toContain(`formaction="/order/${orderId}/domains/garden.clubs.test/verify"`);
    const added = await stack.api.dataSource.manager.findOneByOrFail(AuditEvent, { targetId: tenantId, action: 'domain.added' });
    expect(added).toMatchObject({ actorType: 'account' });
  });

  it.each([
    ['*.example.org', 'Your domain must be one name, without a wildcard (*).'],
    ['shop.hosting.test', 'Your domain is under hosting.test; choose a subdomain instead.'],
    ['192.0.2.7', 'Your domain must be a domain name, not an IP address.'],
    ['localhost', 'Your domain ends in .localhost, which is only for local or special use and cannot be reached from the internet.'],
    ['pаypal.test', 'Your domain pаypal.test (xn--pypal-4ve.test) mixes scripts (Cyrillic, Latin) within one part of the name, so it could pass for another name.'], // Cyrillic а
    ['Chess.Clubs.Test', 'Your domain is already in use.'],
    ['garden.clubs.test', 'Your domain is already one of your club&#39;s domains.'],
  ])('refuses %p next to the field, keeps what was typed, creates nothing', async (name, message) => {
    const before = await customDomains();
    const response = await post('/domains', { ...owner(), domain: name });
    expect([400, 409]).toContain(response.status);
    expect(response.text).toContain(`<p class="error" id="domain-error"><span class="visually-hidden">Error: </span>${message}</p>`);
    expect(response.text).toMatch(/id="domain" name="domain" type="text" value="[^"]+"[^>]*aria-invalid="true"/);
    expect(await customDomains()).toBe(before);
  });

  it('checks a domain now: still pending while its records are missing', async () => {
    const page = (await post('/domains/garden.clubs.test/verify', owner()).expect(200)).text;
    expect(page).toContain('garden.clubs.test is not verified yet: the records below are still missing or wrong.');
    expect((await stack.api.dataSource.manager.findOneByOrFail(Domain, { name: 'garden.clubs.test' })).checkedAt).not.toBeNull();
  });

  it('runs the readiness checks and shows each with the fix', async () => {
    const page = (await post('/readiness', owner()).expect(200)).text;
    expect(page).toContain('The checks ran just now.');
    expect(page).toMatch(/Checked on .+? UTC: \d+ of \d+ checks need attention\./);
    expect(page).toMatch(/<td>Proof of ownership<\/td><td>_allmende-challenge\.garden\.clubs\.test<\/td><td>to fix<\/td>\s*<td><code>add TXT _allmende-challenge\.garden\.clubs\.test allmende-verify=/);
    expect(await stack.api.dataSource.manager.countBy(TenantReadiness, { tenantId })).toBe(1);
  });

  it("refuses another organization's owner on every route, changing nothing", async () => {
    const stranger = await createClub(stack.api, 'Other Club');
    const as = { email: stranger.owner.email, password: stranger.owner.password! };
    const before = await customDomains();
    for (const [path, fields] of [
      ['/addresses', {}],
      ['/domains', { domain: 'intruder.clubs.test' }],
      ['/domains/garden.clubs.test/verify', {}],
      ['/domains/garden.clubs.test/remove', {}],
      ['/readiness', {}],
    ] as const) {
      const response = await post(path, { ...as, ...fields });
      expect(response.status).toBe(403);
      expect(response.text).toContain('Email or password is wrong, or this account is not an owner of this club.');
      expect(response.text).not.toContain('allmende-verify');
    }
    expect(await customDomains()).toBe(before);
    expect(await stack.api.dataSource.manager.countBy(Domain, { name: 'intruder.clubs.test' })).toBe(0);
  });

  it('removes the domain; the subdomain has no remove button and cannot be removed', async () => {
    const page = (await post('/domains/garden.clubs.test/remove', owner()).expect(200)).text;
    expect(page).toContain('garden.clubs.test is removed');
    expect(page).not.toContain('data-domain="garden.clubs.test"');
    expect(await customDomains()).toBe(0);
    const sub = await post(`/domains/${form.subdomain}.hosting.test/remove`, owner()).expect(400);
    expect(sub.text).toContain(`${form.subdomain}.hosting.test is the address Allmende gave your club; it cannot be removed.`);
    const gone = await post('/domains/garden.clubs.test/verify', owner()).expect(404);
    expect(gone.text).toContain('Your club has no such domain (any more).');
  });
});

import { randomUUID } from 'node:crypto';
import type request from 'supertest';
import { AuditEvent } from '#domain';
import { Order, OrdersService, Subscription } from '#billing';
import { DockerHost, Operation, OperationsService, ServiceInstance, Tenant, TenantLifecycleService, TenantsService } from '#provisioning';
import { type ApiHarness, startApiHarness } from '#test/support/api-harness.js';
import { type Club, createClub, createOperator, type Session } from '#test/support/fixtures.js';
import { WebClient } from '#test/support/web-client.js';

const SYSTEM = { type: 'system' as const, id: 'test' };
const DAY = 86_400_000;

/**
 * The operator console on a real Postgres: every list pages by cursor (each row exactly once,
 * in order, rows made in the same instant included), filters, bad cursors and limits are a
 * 400 naming the field, and the one-click actions (mark paid, mark overdue, retry) change the
 * state and are audited.
 */
describe('the operator console', () => {
  let harness: ApiHarness;
  let operator: Session;
  let club: Club;
  let otherHost: DockerHost;
  let localHost: DockerHost;

  beforeAll(async () => {
    harness = await startApiHarness({ ALLMENDE_BASE_DOMAIN: 'hosting.test' });
    operator = await createOperator(harness);
    club = await createClub(harness, 'Gardeners of Südstadt');
    const manager = harness.dataSource.manager;
    localHost = await manager.findOneByOrFail(DockerHost, { name: 'local' });
    otherHost = await manager.save(manager.create(DockerHost, { name: 'second', endpoint: 'tcp://10.0.0.2:2375', capacity: 10 }));
  });

  afterAll(async () => {
    await harness?.close();
  });

  const http = () => harness.http();
  const tenants = () => harness.app.get(TenantsService);
  let made = 0;

  /** A tenant of the club in the given state, on a host, with its plan's apps at the given versions. */
  async function tenantIn(state: Tenant['state'], options: { plan?: string; host?: DockerHost | null; versions?: Record<string, string> } = {}): Promise<Tenant> {
    const tenant = await tenants().create(
      { organizationId: club.organizationId, planCode: options.plan ?? 'chat', subdomain: `console-${made++}-${randomUUID().slice(0, 6)}`, allowRetiredPlan: true, versions: options.versions },
      SYSTEM,
    );
    await harness.dataSource.manager.update(Tenant, tenant.id, { state, dockerHostId: options.host === undefined ? localHost.id : options.host?.id ?? null });
    return harness.dataSource.manager.findOneByOrFail(Tenant, { id: tenant.id });
  }

  /** Follows nextCursor through every page of an API list. */
  async function allPages<T>(path: string, limit: number): Promise<{ rows: T[]; pages: number }> {
    const rows: T[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const response: request.Response = await http()
        .get(`${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
        .set(operator.auth)
        .expect(200);
      const body = response.body as { items?: T[]; nextCursor?: string | null } | T[];
      const items = Array.isArray(body) ? body : body.items!;
      rows.push(...items);
      cursor = Array.isArray(body) ? ((response.headers['x-next-cursor'] as string | undefined) ?? null) : body.nextCursor!;
      if (cursor) expect(items).toHaveLength(limit);
      pages++;
    } while (cursor && pages < 100);
    return { rows, pages };
  }

  describe('cursor pagination', () => {
    let created: Tenant[];

    beforeAll(async () => {
      created = [];
      for (let i = 0; i < 5; i++) created.push(await tenantIn('active'));
      // four tenants made in the same instant: only the id orders them
      const sameInstant = [];
      for (let i = 0; i < 4; i++) sameInstant.push(await tenantIn('suspended', { host: otherHost }));
      await harness.dataSource.query(`update tenant set created_at = '2026-06-01T10:00:00.123456Z' where id = any($1::uuid[])`, [sameInstant.map((tenant) => tenant.id)]);
      created.push(...sameInstant);
    });

    it('returns every tenant exactly once, newest first, across pages, including rows made in the same microsecond', async () => {
      const { rows, pages } = await allPages<{ id: string; createdAt: string }>('/api/v1/tenants', 2);
      expect(pages).toBeGreaterThan(3);
      const ids = rows.map((row) => row.id);
      expect(new Set(ids).size).toBe(ids.length);
      const expected: { id: string }[] = await harness.dataSource.query(`select id from tenant order by created_at desc, id desc`);
      expect(ids).toEqual(expected.map((row) => row.id));
      for (const tenant of created) expect(ids).toContain(tenant.id);
    });

    it('pages the API lists that used to stop at 500 or 1,000 rows, announcing the next page in Link and X-Next-Cursor', async () => {
      await createClub(harness, 'Beekeepers');
      await createClub(harness, 'Choir');
      const first = await http().get('/api/v1/organizations?limit=1').set(operator.auth).expect(200);
      expect(first.body).toHaveLength(1);
      expect(first.headers.link).toMatch(/^<\/api\/v1\/organizations\?limit=1&cursor=[A-Za-z0-9_-]+>; rel="next"$/);
      const organizations = await allPages<{ id: string }>('/api/v1/organizations', 1);
      const expected: { id: string }[] = await harness.dataSource.query(`select id from organization order by created_at desc, id desc`);
      expect(organizations.rows.map((row) => row.id)).toEqual(expected.map((row) => row.id));
      const hosts = await allPages<{ name: string }>('/api/v1/docker-hosts', 1);
      expect(hosts.rows.map((host) => host.name)).toEqual(['local', 'second']);
      const operations = await allPages<{ id: string }>(`/api/v1/tenants/${created[0].id}/operations`, 1);
      expect(operations.rows).toEqual([]);
    });

    it('filters by state, app, version and host, and pages within the filter', async () => {
      const suspended = await allPages<{ id: string; state: string; host: { name: string } }>('/api/v1/tenants?state=suspended', 3);
      expect(suspended.rows.map((row) => row.id).sort()).toEqual(created.slice(5).map((tenant) => tenant.id).sort());
      expect(suspended.pages).toBe(2);
      const onSecond = await allPages<{ id: string }>(`/api/v1/tenants?host=${otherHost.id}`, 50);
      expect(onSecond.rows.map((row) => row.id).sort()).toEqual(created.slice(5).map((tenant) => tenant.id).sort());

      const wordpress = await tenantIn('active', { plan: 'website' });
      const bundle = await tenantIn('failed', { plan: 'club' });
      const byApp = await allPages<{ id: string; apps: { app: string; version: string }[] }>('/api/v1/tenants?app=wordpress', 50);
      expect(byApp.rows.map((row) => row.id).sort()).toEqual([wordpress.id, bundle.id].sort());
      const version = (await harness.dataSource.manager.findOneByOrFail(ServiceInstance, { tenantId: wordpress.id })).version;
      await harness.dataSource.manager.update(ServiceInstance, { tenantId: bundle.id, app: 'wordpress' }, { version: '0.0-test' });
      const byVersion = await allPages<{ id: string }>(`/api/v1/tenants?app=wordpress&version=${version}`, 50);
      expect(byVersion.rows.map((row) => row.id)).toEqual([wordpress.id]);
      const combined = await allPages<{ id: string; club: { name: string }; plan: { code: string } }>('/api/v1/tenants?state=failed&app=prosody&version=0.0-test', 50);
      expect(combined.rows).toEqual([]);
      const failed = await http().get('/api/v1/tenants?state=failed&app=wordpress').set(operator.auth).expect(200);
      expect(failed.body.items).toEqual([expect.objectContaining({ id: bundle.id, club: { id: club.organizationId, name: 'Gardeners of Südstadt' }, plan: { code: 'club', name: 'Club bundle' } })]);
    });

    it.each([
      ['a cursor that is not one of ours', '/api/v1/tenants?cursor=not-a-cursor', 'cursor', 'page.cursor'],
      ['a cursor of another list (hosts are paged by name)', `/api/v1/tenants?cursor=${Buffer.from('["local"]').toString('base64url')}`, 'cursor', 'page.cursor'],
      ['a limit of 0', '/api/v1/tenants?limit=0', 'limit', 'page.limit'],
      ['a limit above 200', '/api/v1/orders?limit=201', 'limit', 'page.limit'],
      ['a limit that is no number', '/api/v1/operations?limit=all', 'limit', 'page.limit'],
      ['an unknown state', '/api/v1/tenants?state=happy', 'state', 'tenant.state'],
      ['an unknown app', '/api/v1/tenants?app=myspace', 'app', 'app.unknown'],
      ['a host that is no id', '/api/v1/tenants?host=local', 'host', 'input.uuid'],
      ['an unknown operation kind', '/api/v1/operations?kind=teleport', 'kind', 'operation.kind'],
      ['a bad cursor on the audit log', `/api/v1/organizations/{club}/audit-events?cursor=${Buffer.from('[1]').toString('base64url')}`, 'cursor', 'page.cursor'],
    ])('refuses %s with a 400 naming the field', async (_what, path, field, code) => {
      const response = await http().get(path.replace('{club}', club.organizationId)).set(operator.auth).expect(400);
      expect(response.body.problems).toEqual({ [field]: code });
      expect(response.body.fields[field]).toEqual(expect.any(String));
    });
  });

  describe('orders', () => {
    async function placeOrder(): Promise<Order> {
      const unique = randomUUID().slice(0, 8);
      return harness.app.get(OrdersService).place({ plan: 'chat', clubName: `Beekeepers ${unique}`, contactEmail: `chair-${unique}@bees.example`, password: 'a-long-owner-password', subdomain: `bees-${unique}` });
    }

    it('lists every order once across pages, with club, contact, plan and reference', async () => {
      const placed = [await placeOrder(), await placeOrder(), await placeOrder()];
      const { rows, pages } = await allPages<{ id: string; reference: string; club: string; contactEmail: string; plan: string }>('/api/v1/orders?provider=manual', 2);
      expect(pages).toBeGreaterThan(1);
      const expected: { id: string }[] = await harness.dataSource.query(`select id from "order" where payment_provider = 'manual' order by created_at desc, id desc`);
      expect(rows.map((row) => row.id)).toEqual(expected.map((row) => row.id));
      const row = rows.find((candidate) => candidate.id === placed[0].id)!;
      expect(row).toMatchObject({ reference: placed[0].reference, club: expect.stringMatching(/^Beekeepers /), contactEmail: expect.stringMatching(/@bees\.example$/), plan: 'Chat' });
    });
  });

  describe('retrying a failed operation', () => {
    async function failedProvision(): Promise<{ tenant: Tenant; operation: Operation }> {
      const tenant = await tenantIn('ordered', { host: null });
      const { operation } = await harness.app.get(TenantLifecycleService).transition(tenant.id, 'provision', SYSTEM);
      await harness.app.get(OperationsService).fail(operation!.id, 'the image could not be pulled: manifest unknown');
      await harness.app.get(TenantLifecycleService).transition(tenant.id, 'provisioning_failed', SYSTEM, { reason: 'the image could not be pulled' });
      return { tenant, operation: await harness.app.get(OperationsService).get(operation!.id) };
    }

    it('lists failed operations no later run followed, runs one again through the lifecycle, audits it, and refuses a second retry', async () => {
      const { tenant, operation } = await failedProvision();
      const open = await allPages<{ id: string; error: string; tenant: { slug: string }; supersededBy: string | null }>('/api/v1/operations?state=failed&open=true', 50);
      expect(open.rows.find((row) => row.id === operation.id)).toMatchObject({ error: 'the image could not be pulled: manifest unknown', tenant: { slug: tenant.slug }, supersededBy: null });

      const retried = await http().post(`/api/v1/operations/${operation.id}/retry`).set(operator.auth);
      expect([retried.status, retried.body.message]).toEqual([201, undefined]);
      expect(retried.body).toMatchObject({ kind: 'provision', state: 'queued', targetId: tenant.id });
      expect((await harness.dataSource.manager.findOneByOrFail(Tenant, { id: tenant.id })).state).toBe('provisioning');
      const audit = await harness.dataSource.manager.findOneByOrFail(AuditEvent, { action: 'operation.retried', targetId: operation.id });
      expect(audit).toMatchObject({ actorType: 'account', actorId: operator.accountId, details: expect.objectContaining({ kind: 'provision', retry: retried.body.id }) });

      const again = await http().post(`/api/v1/operations/${operation.id}/retry`).set(operator.auth).expect(409);
      expect(again.body.error).toBe('operation.superseded');
      const stillOpen = await allPages<{ id: string }>('/api/v1/operations?state=failed&open=true', 50);
      expect(stillOpen.rows.map((row) => row.id)).not.toContain(operation.id);
      const followed = await allPages<{ id: string; supersededBy: string }>('/api/v1/operations?state=failed&open=false', 50);
      expect(followed.rows.find((row) => row.id === operation.id)?.supersededBy).toBe(retried.body.id);
    });

    it('refuses to retry what did not fail', async () => {
      const tenant = await tenantIn('active');
      const operation = await harness.app.get(OperationsService).start({ kind: 'reconcile', target: { type: 'tenant', id: tenant.id }, organizationId: club.organizationId, requestedBy: null });
      const response = await http().post(`/api/v1/operations/${operation.id}/retry`).set(operator.auth).expect(409);
      expect(response.body.error).toBe('operation.not_failed');
      expect(await harness.dataSource.manager.countBy(Operation, { targetId: tenant.id })).toBe(1);
    });
  });

  describe('the pages', () => {
    let web: WebClient;
    let owner: WebClient;

    beforeAll(async () => {
      web = await WebClient.login(harness.app, operator.email, operator.password!);
      owner = await WebClient.login(harness.app, club.owner.email, club.owner.password!);
    });

    const tenantLinks = (text: string) => [...text.matchAll(/href="\/console\/tenants\/([0-9a-f-]{36})"/g)].map((match) => match[1]);
    const nextLink = (text: string) => /<a href="([^"]+)" rel="next">/.exec(text)?.[1].replace(/&amp;/g, '&') ?? null;
    const auditOf = (action: string, targetId: string) => harness.dataSource.manager.findOneBy(AuditEvent, { action, targetId });

    async function placeManualOrder(): Promise<Order> {
      const unique = randomUUID().slice(0, 8);
      return harness.app.get(OrdersService).place({ plan: 'chat', clubName: `Allotment ${unique}`, contactEmail: `board-${unique}@allotment.example`, password: 'a-long-owner-password', subdomain: `allot-${unique}` });
    }

    it('sends a visitor to log in, and back to the console afterwards', async () => {
      const response = await WebClient.anonymous(harness.app).agent.get('/console/tenants').expect(303);
      expect(response.headers.location).toBe(`/login?next=${encodeURIComponent('/console/tenants')}`);
    });

    it('pages through every tenant exactly once, in order, by its "next page" links', async () => {
      for (let i = 0; i < 3; i++) await tenantIn('active');
      const seen: string[] = [];
      let path: string | null = '/console/tenants?limit=4';
      let pages = 0;
      while (path && pages < 50) {
        const page = await web.open(path);
        expect(page.headers['content-security-policy']).toContain("script-src 'self'");
        seen.push(...tenantLinks(page.text));
        path = nextLink(page.text);
        pages++;
      }
      expect(pages).toBeGreaterThan(1);
      const expected: { id: string }[] = await harness.dataSource.query(`select id from tenant order by created_at desc, id desc`);
      expect(seen).toEqual(expected.map((row) => row.id));
    });

    it('filters tenants with a GET form, and names a bad filter or cursor next to it in words (400)', async () => {
      const tenant = await tenantIn('past_due', { host: otherHost });
      const filtered = await web.open(`/console/tenants?state=past_due&host=${otherHost.id}`);
      expect(tenantLinks(filtered.text)).toEqual([tenant.id]);
      expect(filtered.text).toMatch(/<option value="past_due" selected>/);

      const badState = await web.open('/console/tenants?state=happy', 400);
      expect(badState.text).toMatch(/id="state-error">must be one of ordered, awaiting_payment/);
      expect(tenantLinks(badState.text)).toEqual([]);
      const badCursor = await web.open('/console/tenants?cursor=garbage', 400);
      expect(badCursor.text).toContain('The position in the list is not a position in this list; start again from the first page.');
      const german = await WebClient.login(harness.app, operator.email, operator.password!, { language: 'de' });
      const inGerman = await german.open('/console/hosts?limit=0', 400);
      expect(inGerman.text).toContain('Die Zahl der Zeilen muss eine ganze Zahl von 1 bis 200 sein.');
    });

    it('shows a tenant with its containers, operations, events and audit trail, and never a secret', async () => {
      const tenant = await tenantIn('ordered');
      const { operation } = await harness.app.get(TenantLifecycleService).transition(tenant.id, 'provision', SYSTEM);
      await harness.app.get(OperationsService).fail(operation!.id, 'no Docker host has free capacity');
      await harness.dataSource.manager.update(ServiceInstance, { tenantId: tenant.id }, { containers: { prosody: 'c0ffee0123456789abcdef' }, sealedSecrets: 'SEALED-SECRET-MARKER' });
      const page = await web.open(`/console/tenants/${tenant.id}`);
      expect(page.text).toContain(`Tenant ${tenant.slug}`);
      expect(page.text).toContain('prosody: c0ffee012345');
      expect(page.text).toContain('no Docker host has free capacity');
      expect(page.text).toContain('Choose a Docker host');
      expect(page.text).toContain('tenant.ordered');
      expect(page.text).toContain('Gardeners of Südstadt');
      expect(page.text).not.toContain('SEALED-SECRET-MARKER');
      expect(page.text).toContain('Admin passwords are shown only to the club’s owners, never here.');
      await web.open(`/console/tenants/${tenant.id}?events=garbage`, 400);
      await web.open(`/console/tenants/${randomUUID()}`, 404);

      // the failed provision is offered for a retry on the page; the tenant is still "provisioning", so it is refused in words
      expect(page.text).toContain(`action="/console/operations/${operation!.id}/retry"`);
      const refused = await web.post(`/console/operations/${operation!.id}/retry`, { back: 'tenant' }).expect(409);
      expect(refused.text).toContain('The tenant is no longer in a state this operation is for.');
      await harness.app.get(TenantLifecycleService).transition(tenant.id, 'provisioning_failed', SYSTEM, { reason: 'no capacity' });
      const retried = await web.post(`/console/operations/${operation!.id}/retry`, { back: 'tenant' }).expect(303);
      expect(retried.headers.location).toBe(`/console/tenants/${tenant.id}?done=provision#operations`);
      const after = await web.open(retried.headers.location.replace(/#.*$/, ''));
      expect(after.text).toContain(`The provision of ${tenant.slug} runs again.`);
      expect(after.text).toContain('operation.retried');
      expect(after.text).not.toContain(`action="/console/operations/${operation!.id}/retry"`);
    });

    it('shows the hosts with their capacity and placed tenants', async () => {
      const page = await web.open('/console/hosts');
      const placed = await harness.dataSource.manager.count(Tenant, { where: { dockerHostId: otherHost.id } });
      expect(page.text).toContain(`${placed} of 10 (${10 - placed} free)`);
      expect(page.text).toContain(`/console/tenants?host=${otherHost.id}`);
    });

    it('marks a bank transfer paid with one click: the order is paid, the tenant starts, the operator is in the audit log', async () => {
      const order = await placeManualOrder();
      const list = await web.open('/console/orders');
      expect(list.text).toContain(order.reference);
      expect(list.text).toMatch(/board-[0-9a-f]{8}@allotment\.example/);
      expect(list.text).toContain('first payment');
      const posted = await web.post(`/console/orders/${order.id}/paid`, { key: /name="key" value="([^"]+)"/.exec(list.text.slice(list.text.indexOf(`/console/orders/${order.id}/paid`)))![1] }).expect(303);
      expect(posted.headers.location).toBe(`/console/orders?done=paid&reference=${order.reference}`);
      const after = await web.open(posted.headers.location);
      expect(after.text).toContain(`The payment for ${order.reference} is recorded.`);
      expect((await harness.dataSource.manager.findOneByOrFail(Order, { id: order.id })).state).toBe('paid');
      expect((await harness.dataSource.manager.findOneByOrFail(Tenant, { id: order.tenantId! })).state).toBe('provisioning');
      const subscription = await harness.dataSource.manager.findOneByOrFail(Subscription, { orderId: order.id });
      expect(await auditOf('subscription.active', subscription.id)).toMatchObject({ actorType: 'account', actorId: operator.accountId });
    });

    it('marks an ended period overdue with one click', async () => {
      const order = await placeManualOrder();
      await http().post(`/api/v1/orders/${order.id}/payments`).set(operator.auth).send({ outcome: 'paid' }).expect(200);
      await harness.dataSource.manager.update(Subscription, { orderId: order.id }, { currentPeriodEnd: new Date(Date.now() - DAY) });
      const list = await web.open('/console/orders');
      expect(list.text).toContain(`action="/console/orders/${order.id}/overdue"`);
      await web.post(`/console/orders/${order.id}/overdue`).expect(303);
      const subscription = await harness.dataSource.manager.findOneByOrFail(Subscription, { orderId: order.id });
      expect(subscription.status).toBe('past_due');
      expect(await auditOf('subscription.past_due', subscription.id)).toMatchObject({ actorType: 'account', actorId: operator.accountId });
      const again = await web.open('/console/orders');
      expect(again.text).not.toContain(`action="/console/orders/${order.id}/overdue"`);
      expect(again.text).toContain('marked overdue');
    });

    it('says in words why an order cannot be marked overdue (409), and changes nothing', async () => {
      const order = await placeManualOrder();
      await web.open('/console/orders');
      const refused = await web.post(`/console/orders/${order.id}/overdue`).expect(409);
      expect(refused.text).toContain('This order was never paid, so nothing can be overdue yet.');
      expect(await harness.dataSource.manager.countBy(Subscription, { orderId: order.id })).toBe(0);
    });

    it('retries a failed operation with one click and audits it', async () => {
      const tenant = await tenantIn('ordered', { host: null });
      const { operation } = await harness.app.get(TenantLifecycleService).transition(tenant.id, 'provision', SYSTEM);
      await harness.app.get(OperationsService).fail(operation!.id, 'the image could not be pulled: manifest unknown');
      await harness.app.get(TenantLifecycleService).transition(tenant.id, 'provisioning_failed', SYSTEM, { reason: 'the image could not be pulled' });
      const list = await web.open('/console/operations?kind=provision');
      expect(list.text).toContain('the image could not be pulled: manifest unknown');
      expect(list.text).toContain(`action="/console/operations/${operation!.id}/retry"`);
      const posted = await web.post(`/console/operations/${operation!.id}/retry`, { back: 'list' }).expect(303);
      expect(posted.headers.location).toBe(`/console/operations?done=provision&tenant=${tenant.id}`);
      expect((await web.open(posted.headers.location)).text).toContain(`The provision of ${tenant.slug} runs again.`);
      expect((await harness.dataSource.manager.findOneByOrFail(Tenant, { id: tenant.id })).state).toBe('provisioning');
      expect(await auditOf('operation.retried', operation!.id)).toMatchObject({ actorType: 'account', actorId: operator.accountId });
      const twice = await web.post(`/console/operations/${operation!.id}/retry`, { back: 'list' }).expect(409);
      expect(twice.text).toContain('A later run of this operation followed already.');
      expect(await harness.dataSource.manager.countBy(Operation, { targetId: tenant.id, kind: 'provision' })).toBe(2);
    });

    it('refuses a form without a valid token (403) and changes nothing', async () => {
      const order = await placeManualOrder();
      const withoutToken = await web.agent.post(`/console/orders/${order.id}/paid`).type('form').send({});
      expect(withoutToken.status).toBe(403);
      const foreignToken = await web.agent.post(`/console/orders/${order.id}/paid`).type('form').send({ _csrf: owner.csrf });
      expect(foreignToken.status).toBe(403);
      expect((await harness.dataSource.manager.findOneByOrFail(Order, { id: order.id })).state).toBe('pending_payment');
      const failed = await allPages<{ id: string }>('/api/v1/operations?state=failed&open=true', 200);
      for (const operation of failed.rows) {
        const refused = await web.agent.post(`/console/operations/${operation.id}/retry`).type('form').send({ _csrf: 'x'.repeat(43) });
        expect(refused.status).toBe(403);
      }
      expect((await allPages<{ id: string }>('/api/v1/operations?state=failed&open=true', 200)).rows).toEqual(failed.rows);
    });

    it('answers a club owner "not found" on every console page and action, and changes nothing', async () => {
      const order = await placeManualOrder();
      const tenant = await tenantIn('failed', { host: null });
      const operation = await harness.app.get(OperationsService).create({ kind: 'provision', target: { type: 'tenant', id: tenant.id }, organizationId: club.organizationId, requestedBy: null });
      await harness.app.get(OperationsService).fail(operation.id, 'boom');
      await owner.open('/');
      for (const path of ['/console', '/console/orders', '/console/tenants', `/console/tenants/${tenant.id}`, '/console/hosts', '/console/operations']) {
        const response = await owner.agent.get(path);
        expect([path, response.status]).toEqual([path, 404]);
        expect(response.text).not.toContain(tenant.slug);
      }
      for (const path of [`/console/orders/${order.id}/paid`, `/console/orders/${order.id}/overdue`, `/console/operations/${operation.id}/retry`]) {
        const response = await owner.post(path, { key: 'owner-key' });
        expect([path, response.status]).toEqual([path, 404]);
      }
      expect((await harness.dataSource.manager.findOneByOrFail(Order, { id: order.id })).state).toBe('pending_payment');
      expect(await harness.dataSource.manager.countBy(Operation, { targetId: tenant.id })).toBe(1);
      expect(await harness.dataSource.manager.countBy(AuditEvent, { action: 'operation.retried', targetId: operation.id })).toBe(0);
    });
  });
});

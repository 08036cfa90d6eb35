import { createApiApp } from '../../apps/api/src/api-app.js';
import request from 'supertest';
import { Order, UnpaidOrders } from '#billing';
import { Account, ApiToken, Invitation, Membership, Organization } from '#identity';
import { Domain, Tenant } from '#provisioning';
import { addMember, createClub, createOperator, login } from '#test/support/fixtures.js';
import { testConfig } from '#test/support/api-harness.js';
import { type BillingStack, orderForm, startBillingStack, waitForMailTo } from './billing-harness.js';

// The audit's account-takeover and privilege findings, each reproduced against the real API on a
// real Postgres: these tests failed before the fixes.

const linkIn = (eml: string, path: string) => new RegExp(`http://127\\.0\\.0\\.1:\\d+/${path}\\?token=([A-Za-z0-9_-]{43})`).exec(eml)?.[1];

describe('hardening: accounts, tokens, orders, invitations', () => {
  let stack: BillingStack;
  const http = () => stack.api.http();
  const dataSource = () => stack.api.dataSource;

  beforeAll(async () => {
    stack = await startBillingStack({ worker: 'billing', env: { ALLMENDE_ORDERS_PER_ADDRESS_PER_HOUR: '100000' } });
  });

  afterAll(async () => stack?.close());

  async function placeOrder(overrides: Record<string, string> = {}) {
    const form = orderForm(overrides);
    const response = await http().post('/order').type('form').send(form).expect(303);
    const orderId = /\/order\/([0-9a-f-]{36})/.exec(response.headers.location)![1];
    return { form, orderId };
  }

  describe('1. an order form account cannot take over a club an operator creates later', () => {
    it('invites the existing address instead of making its account owner, and mails a verification link to orders', async () => {
      const victim = `victim-${Date.now()}@dentists.example`;
      // someone pre-registers the club's address through the public order form
      const { orderId } = await placeOrder({ contactEmail: victim, password: 'attacker-password-1' });
      const attacker = await dataSource().manager.findOneByOrFail(Account, { email: victim });
      expect(attacker.emailVerifiedAt).toBeNull();
      expect(linkIn(await waitForMailTo(stack.api.config.dataDir, victim, 'verify-email'), 'verify-email')).toBeDefined();

      const operator = await createOperator(stack.api);
      const created = await http()
        .post('/api/v1/organizations')
        .set(operator.auth)
        .send({ name: 'Dentists of Kleinstadt', contactEmail: victim, owner: { email: victim } })
        .expect(201);
      expect(created.body.owner).toEqual({ email: victim, invited: true });
      expect(await dataSource().manager.exists(Membership, { where: { organizationId: created.body.organization.id, accountId: attacker.id } })).toBe(false);
      const invitation = await dataSource().manager.findOneByOrFail(Invitation, { organizationId: created.body.organization.id });
      expect(invitation).toMatchObject({ email: victim, role: 'owner', acceptedAt: null });
      // the order's own organization is the attacker's; the new club is not
      const me = await login(stack.api, victim, 'attacker-password-1');
      const organizations = (await http().get('/api/v1/me').set(me.auth).expect(200)).body.organizations.map((o: { id: string }) => o.id);
      expect(organizations).not.toContain(created.body.organization.id);
      expect(orderId).toBeDefined();
    });

    it('confirms an address once with the mailed link', async () => {
      const email = `verify-${Date.now()}@chess.example`;
      await placeOrder({ contactEmail: email });
      const token = linkIn(await waitForMailTo(stack.api.config.dataDir, email, 'verify-email'), 'verify-email')!;
      expect((await http().get(`/verify-email?token=${token}`).expect(200)).text).toContain(`Your email address ${email} is confirmed.`);
      expect((await dataSource().manager.findOneByOrFail(Account, { email })).emailVerifiedAt).not.toBeNull();
      await http().get(`/verify-email?token=${token}`).expect(404);
      await http().get('/verify-email?token=not-a-token').expect(404);
    });
  });

  describe('2. narrow tokens cannot mint broad ones', () => {
    it('needs tokens:write, grants only a subset of its own scopes, and cannot revoke its owner\'s session', async () => {
      const club = await createClub(stack.api);
      const make = (auth: { Authorization: string }, scopes: string[], expiresInDays?: number) =>
        http().post('/api/v1/tokens').set(auth).send({ name: 'x', scopes, ...(expiresInDays ? { expiresInDays } : {}) });
      const reader = await make(club.owner.auth, ['org:read']).expect(201);
      const readerAuth = { Authorization: `Bearer ${reader.body.token}` };
      expect((await make(readerAuth, ['org:read', 'org:write', 'tenants:write', 'billing:write']).expect(403)).body.message).toContain('tokens:write');
      await http().delete(`/api/v1/tokens/${club.owner.token.split('.')[0].slice(4)}`).set(readerAuth).expect(403);
      await http().get('/api/v1/me').set(club.owner.auth).expect(200);

      const minter = await make(club.owner.auth, ['org:read', 'tokens:write'], 5).expect(201);
      const minterAuth = { Authorization: `Bearer ${minter.body.token}` };
      const broad = await make(minterAuth, ['org:read', 'tenants:write']).expect(403);
      expect(broad.body.fields).toEqual({ scopes: 'may only include scopes of the token you use: tenants:write' });
      const tooLong = await make(minterAuth, ['org:read'], 30).expect(403);
      expect(tooLong.body.problems).toEqual({ expiresInDays: 'expiry.beyond_yours' });
      const narrow = await make(minterAuth, ['org:read']).expect(201);
      expect(new Date(narrow.body.expiresAt).getTime()).toBeLessThanOrEqual(new Date(minter.body.expiresAt).getTime());
    });

    it('gives an operator scope only to an operator token that carries it', async () => {
      const operator = await createOperator(stack.api);
      const plain = await http().post('/api/v1/tokens').set(operator.auth).send({ name: 'no-op', scopes: ['org:read', 'tokens:write'] }).expect(201);
      await http().post('/api/v1/tokens').set({ Authorization: `Bearer ${plain.body.token}` }).send({ name: 'escalate', scopes: ['operator'] }).expect(403);
      await http().post('/api/v1/tokens').set(operator.auth).send({ name: 'ops', scopes: ['operator'] }).expect(201);
    });

    it('reads the token from the Authorization header only, never from ?access_token=', async () => {
      const club = await createClub(stack.api);
      await http().get(`/api/v1/me?access_token=${encodeURIComponent(club.owner.token)}`).expect(401);
      await http().post('/api/v1/auth/logout').send({ access_token: club.owner.token }).expect(401);
    });
  });

  describe('3. operators never hold a club\'s powers', () => {
    it('refuses an operator account accepting an invitation, and refuses reveal even with a membership row', async () => {
      const club = await createClub(stack.api);
      const operator = await createOperator(stack.api);
      await http().post(`/api/v1/organizations/${club.organizationId}/invitations`).set(club.owner.auth).send({ email: operator.email, role: 'member' }).expect(201);
      const mail = await waitForMailTo(stack.api.config.dataDir, operator.email, 'invitation');
      await http().post('/invitation').type('form').send({ token: linkIn(mail, 'invitation'), password: operator.password }).expect(403);
      expect(await dataSource().manager.exists(Membership, { where: { organizationId: club.organizationId, accountId: operator.accountId } })).toBe(false);

      // even if a row said so (an old database, a mistake): no owner powers for an operator
      await dataSource().manager.insert(Membership, { organizationId: club.organizationId, accountId: operator.accountId, role: 'owner' });
      const tenant = await dataSource().manager.save(
        dataSource().manager.create(Tenant, { organizationId: club.organizationId, slug: `op-${Date.now().toString(36)}`, state: 'active', planId: (await dataSource().query('select id from plan limit 1'))[0].id, stateChangedAt: new Date() }),
      );
      const reveal = await http().post(`/api/v1/tenants/${tenant.id}/credentials/reveal`).set(operator.auth).expect(403);
      expect(reveal.body.message).toContain('not operators');
    });

    it('refuses an operator account as the owner of a new club', async () => {
      const operator = await createOperator(stack.api);
      const other = await createOperator(stack.api);
      const response = await http().post('/api/v1/organizations').set(operator.auth).send({ name: 'Ops Club', contactEmail: 'ops@club.example', owner: { email: other.email } }).expect(400);
      expect(response.body.problems).toEqual({ 'owner.email': 'owner.operator' });
    });
  });

  describe('4. orders and invitations cannot be used for free hoarding or mail relay', () => {
    it('lets unpaid orders expire and gives their names back', async () => {
      const { form, orderId } = await placeOrder();
      const order = await dataSource().manager.findOneByOrFail(Order, { id: orderId });
      expect((await http().get(`/api/v1/subdomain-availability?name=${form.subdomain}`).expect(200)).body.available).toBe(false);
      const expired = await stack.worker!.get(UnpaidOrders).expire(new Date(Date.now() + 15 * 86_400_000));
      expect(expired).toContain(orderId);
      expect((await dataSource().manager.findOneByOrFail(Order, { id: orderId })).state).toBe('expired');
      const tenant = await dataSource().manager.findOneByOrFail(Tenant, { id: order.tenantId! });
      expect(tenant.state).toBe('terminated');
      expect(await dataSource().manager.count(Domain, { where: { tenantId: tenant.id } })).toBe(0);
      expect((await http().get(`/api/v1/subdomain-availability?name=${form.subdomain}`).expect(200)).body.available).toBe(true);
      // a new club can order the freed name
      await placeOrder({ subdomain: form.subdomain });
    });

    it('lets only verified accounts of paying clubs invite, a limited number per day', async () => {
      // the creator of an unpaid order may not use the invitation mail
      const { form, orderId } = await placeOrder({ clubName: 'Fresh Club' });
      const order = await dataSource().manager.findOneByOrFail(Order, { id: orderId });
      const orderer = await login(stack.api, form.contactEmail, form.password);
      const invite = (orgId: string, auth: { Authorization: string }, email: string) =>
        http().post(`/api/v1/organizations/${orgId}/invitations`).set(auth).send({ email, role: 'member' });
      expect((await invite(order.organizationId, orderer.auth, 'stranger@elsewhere.example').expect(403)).body.message).toContain('Confirm your email address');
      await dataSource().manager.update(Account, { email: form.contactEmail }, { emailVerifiedAt: new Date() });
      expect((await invite(order.organizationId, orderer.auth, 'stranger@elsewhere.example').expect(409)).body.error).toBe('invitation.unpaid_club');
      await dataSource().manager.update(Organization, order.organizationId, { confirmedAt: new Date() });
      await invite(order.organizationId, orderer.auth, 'friend@club.example').expect(201);
    });

    it('keeps web addresses out of the names that go into mails', async () => {
      const refused = await http().post('/order').type('form').send(orderForm({ clubName: 'verify at https://evil.example/login' })).expect(400);
      expect(refused.text).toContain('The name must not contain a web address or a domain name.');
      await http().post('/order').type('form').send(orderForm({ clubName: 'Claim your prize at evil.example' })).expect(400);
      await http().post('/order').type('form').send(orderForm({ clubName: 'Gärtnerverein Süd e.V.' })).expect(303);
      const operator = await createOperator(stack.api);
      const api = await http().post('/api/v1/organizations').set(operator.auth).send({ name: 'Go to www.evil.example', contactEmail: 'a@b.example', owner: { email: 'c@d.example' } }).expect(400);
      expect(api.body.fields).toEqual({ name: 'must not contain a web address or a domain name' });
    });
  });

  describe('8 and 9: malformed input and small leaks', () => {
    it('answers an owner given as an array with a clear 400, creating nothing', async () => {
      const operator = await createOperator(stack.api);
      const before = await dataSource().manager.count(Organization);
      const response = await http().post('/api/v1/organizations').set(operator.auth).send({ name: 'Array Club', contactEmail: 'a@array.example', owner: [{ email: 'b@array.example' }] }).expect(400);
      expect(Object.keys(response.body.fields)).toContain('owner');
      expect(await dataSource().manager.count(Organization)).toBe(before);
    });

    it('uses one email rule everywhere: a quoted local part with a newline is refused for owners and invitations', async () => {
      const operator = await createOperator(stack.api);
      const sneaky = '"a\\nb"@club.example';
      const owner = await http().post('/api/v1/organizations').set(operator.auth).send({ name: 'Quoted Club', contactEmail: 'ok@club.example', owner: { email: sneaky } }).expect(400);
      expect(Object.keys(owner.body.fields)).toEqual(['owner.email']);
      const club = await createClub(stack.api);
      const invitation = await http().post(`/api/v1/organizations/${club.organizationId}/invitations`).set(club.owner.auth).send({ email: sneaky, role: 'member' }).expect(400);
      expect(Object.keys(invitation.body.fields)).toEqual(['email']);
    });

    it('sends security headers on every response, JSON and API docs included', async () => {
      for (const path of ['/api/v1/plans', '/api/docs/openapi.json', '/healthz', '/api/v1/nothing-here']) {
        const response = await http().get(path);
        expect([path, response.headers['x-content-type-options'], response.headers['x-frame-options']]).toEqual([path, 'nosniff', 'DENY']);
        expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      }
      const page = await http().get('/');
      expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    });

    it('does not tell anonymous callers the Docker version, and hides hosts and ports from members who are not owners', async () => {
      const ready = await http().get('/readyz');
      expect(JSON.stringify(ready.body)).not.toMatch(/version/i);
      const club = await createClub(stack.api);
      const member = await addMember(stack.api, club.organizationId, 'member');
      const plan = (await dataSource().query('select id from plan limit 1'))[0].id;
      const hostId = (await dataSource().query('select id from docker_host limit 1'))[0].id;
      const tenant = await dataSource().manager.save(
        dataSource().manager.create(Tenant, { organizationId: club.organizationId, slug: `hosts-${Date.now().toString(36)}`, state: 'active', planId: plan, dockerHostId: hostId, stateChangedAt: new Date() }),
      );
      expect((await http().get(`/api/v1/tenants/${tenant.id}`).set(club.owner.auth).expect(200)).body.dockerHostId).toBe(hostId);
      expect((await http().get(`/api/v1/tenants/${tenant.id}`).set(member.auth).expect(200)).body.dockerHostId).toBeNull();
    });
  });
});

describe('6. password guessing across addresses, accounts, restarts and API processes', () => {
  it('believes X-Forwarded-For only from configured proxies, and limits an account from any address', async () => {
    const trusted = await startBillingStack({ worker: false, env: { ALLMENDE_PASSWORD_ATTEMPTS_PER_MINUTE: '5', ALLMENDE_PASSWORD_FAILURES_PER_ACCOUNT: '4', ALLMENDE_TRUSTED_PROXIES: '' } });
    try {
      const club = await createClub(trusted.api);
      const wrong = (ip: string) => trusted.api.http().post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email: club.owner.email, password: 'wrong-password-123' });
      // rotating the header from an untrusted client changes nothing: the socket's address counts
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await wrong(`198.51.100.${i}`)).status);
      expect(statuses).toContain(429);
    } finally {
      await trusted.close();
    }
  });

  it('counts wrong passwords per account across addresses and across two API processes on one database', async () => {
    const first = await startBillingStack({ worker: false, env: { ALLMENDE_PASSWORD_ATTEMPTS_PER_MINUTE: '1000', ALLMENDE_PASSWORD_FAILURES_PER_ACCOUNT: '3', ALLMENDE_TRUSTED_PROXIES: 'loopback' } });
    const { config } = testConfig({ ALLMENDE_PASSWORD_ATTEMPTS_PER_MINUTE: '1000', ALLMENDE_PASSWORD_FAILURES_PER_ACCOUNT: '3', ALLMENDE_TRUSTED_PROXIES: 'loopback' });
    const second = await createApiApp(config, first.api.db.url);
    await second.init();
    try {
      const club = await createClub(first.api);
      const attempt = (app: 'first' | 'second', ip: string, password: string) =>
        (app === 'first' ? first.api.http() : request(second.getHttpServer())).post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email: club.owner.email, password });
      expect((await attempt('first', '203.0.113.1', 'wrong-1')).status).toBe(401);
      expect((await attempt('second', '203.0.113.2', 'wrong-2')).status).toBe(401);
      expect((await attempt('first', '203.0.113.3', 'wrong-3')).status).toBe(401);
      const blocked = await attempt('second', '203.0.113.4', club.owner.password!);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      // another account from the same addresses is not locked out
      const other = await createClub(first.api);
      expect((await first.api.http().post('/api/v1/auth/login').set('X-Forwarded-For', '203.0.113.1').send({ email: other.owner.email, password: other.owner.password })).status).toBe(200);
      expect(await first.api.dataSource.manager.count(ApiToken)).toBeGreaterThan(0);
    } finally {
      await second.close();
      await first.close();
    }
  });
});

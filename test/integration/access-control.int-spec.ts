import request from 'supertest';
import { Invitation, Membership, Organization } from '#identity';
import { Domain, Operation, ServiceInstance, Tenant, TenantReadiness, UpgradeRollout } from '#provisioning';
import { TenantLifecycleService, TenantsService } from '#provisioning';
import { ApiHarness, startApiHarness } from '#test/support/api-harness.js';
import { addMember, Club, createClub, createOperator, login, Session } from '#test/support/fixtures.js';
import { listRoutes } from '#test/support/routes.js';
import { WebClient } from '#test/support/web-client.js';

/**
 * Organization isolation, route by route. Club A owns data; an owner of club B (a
 * different organization) tries every route against it and must be refused (403/404)
 * with nothing changed. A route without a case here fails the first test: adding a
 * route means deciding how it is protected.
 */
interface Context {
  harness: ApiHarness;
  a: Club;
  b: Club;
  operator: Session;
  tenantA: Tenant;
  operationA: Operation;
  membershipA: Membership;
  tokenIdA: string;
  bSecondSession: Session;
  /** Pages: B's owner logged in on the web, and a visitor without a session (each holds its form token). */
  webB: WebClient;
  webVisitor: WebClient;
}

interface RouteCase {
  /** Open to anyone, and why that is fine. */
  public?: string;
  /** The outsider's attempt on club A's data. */
  attempt?: (ctx: Context, as: Session) => request.Test;
  /** Acceptable answers: refused, or (for own-account routes) answered with the caller's own data only. */
  expect?: number[];
  /** Checks the response revealed nothing of A and / or that A's data is unchanged. */
  verify?: (ctx: Context, response: request.Response) => Promise<void>;
  /** A page route: the attempt as a browser with a session cookie (and its form token) instead of a bearer token. */
  page?: (ctx: Context, web: WebClient) => request.Test;
}

const REFUSED = [403, 404];
const http = (ctx: Context) => ctx.harness.http();

const orgUnchanged = async (ctx: Context) => {
  const org = await ctx.harness.dataSource.manager.findOneByOrFail(Organization, { id: ctx.a.organizationId });
  expect(org.contactEmail).not.toBe('attacker@b.example');
  expect(org.name).not.toBe('Taken over');
};

const membershipUnchanged = async (ctx: Context) => {
  const membership = await ctx.harness.dataSource.manager.findOneBy(Membership, { id: ctx.membershipA.id });
  expect(membership?.role).toBe('owner');
};

const mentionsNothingOfA = async (ctx: Context, response: request.Response) => {
  const text = JSON.stringify(response.body);
  expect(text).not.toContain(ctx.a.organizationId);
  expect(text).not.toContain(ctx.a.owner.email);
  expect(text).not.toContain(ctx.tenantA.id);
};

const CASES: Record<string, RouteCase> = {
  'GET /healthz': { public: 'liveness probe, reveals nothing' },
  'GET /readyz': { public: 'readiness probe, reveals only up/down of dependencies' },
  'GET /api/v1/plans': { public: 'the price list of the order form' },
  'GET /api/v1/catalog/apps': { public: 'the apps and versions on offer' },
  'GET /api/v1/edge/root-certificate': { public: "the edge CA's root certificate (public by nature), for people to trust it" },
  'POST /api/v1/auth/login': { public: 'login: email + password' },

  // own-account routes: answer with the caller's own data, never A's
  'GET /api/v1/me': {
    attempt: (ctx, as) => http(ctx).get('/api/v1/me').set(as.auth),
    expect: [200],
    verify: mentionsNothingOfA,
  },
  'POST /api/v1/auth/logout': {
    // a second session of the same person, so the other cases keep theirs
    attempt: (ctx, as) => http(ctx).post('/api/v1/auth/logout').set(as === ctx.b.owner ? ctx.bSecondSession.auth : as.auth),
    expect: [204],
    verify: async (ctx) => {
      await http(ctx).get('/api/v1/me').set(ctx.a.owner.auth).expect(200); // A's session survives B's logout
    },
  },
  'GET /api/v1/tokens': {
    attempt: (ctx, as) => http(ctx).get('/api/v1/tokens').set(as.auth),
    expect: [200],
    verify: async (ctx, response) => {
      expect(JSON.stringify(response.body)).not.toContain(ctx.tokenIdA);
    },
  },
  'POST /api/v1/tokens': {
    // B can make tokens for itself only; asking for operator powers is refused
    attempt: (ctx, as) => http(ctx).post('/api/v1/tokens').set(as.auth).send({ name: 'escalate', scopes: ['operator'] }),
    expect: [403],
  },
  'DELETE /api/v1/tokens/:tokenId': {
    attempt: (ctx, as) => http(ctx).delete(`/api/v1/tokens/${ctx.tokenIdA}`).set(as.auth),
    expect: [404],
    verify: async (ctx) => {
      const tokens = await http(ctx).get('/api/v1/tokens').set(ctx.a.owner.auth).expect(200);
      expect(tokens.body.map((t: { id: string }) => t.id)).toContain(ctx.tokenIdA);
    },
  },

  // organization routes
  'GET /api/v1/organizations': {
    attempt: (ctx, as) => http(ctx).get('/api/v1/organizations').set(as.auth),
    expect: [200],
    verify: mentionsNothingOfA,
  },
  'POST /api/v1/organizations': {
    attempt: (ctx, as) =>
      http(ctx).post('/api/v1/organizations').set(as.auth).send({ name: 'Rogue club', contactEmail: 'x@b.example', owner: { email: ctx.a.owner.email } }),
    expect: [403],
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Organization, { name: 'Rogue club' })).toBe(0);
    },
  },
  'GET /api/v1/organizations/:orgId': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/organizations/${ctx.a.organizationId}`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'PATCH /api/v1/organizations/:orgId': {
    attempt: (ctx, as) =>
      http(ctx).patch(`/api/v1/organizations/${ctx.a.organizationId}`).set(as.auth).send({ name: 'Taken over', contactEmail: 'attacker@b.example' }),
    verify: orgUnchanged,
  },
  'GET /api/v1/organizations/:orgId/members': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/organizations/${ctx.a.organizationId}/members`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'PATCH /api/v1/organizations/:orgId/members/:membershipId': {
    attempt: (ctx, as) => http(ctx).patch(`/api/v1/organizations/${ctx.a.organizationId}/members/${ctx.membershipA.id}`).set(as.auth).send({ role: 'member' }),
    verify: membershipUnchanged,
  },
  'DELETE /api/v1/organizations/:orgId/members/:membershipId': {
    attempt: (ctx, as) => http(ctx).delete(`/api/v1/organizations/${ctx.a.organizationId}/members/${ctx.membershipA.id}`).set(as.auth),
    verify: membershipUnchanged,
  },
  'GET /api/v1/organizations/:orgId/audit-events': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/organizations/${ctx.a.organizationId}/audit-events`).set(as.auth),
    verify: mentionsNothingOfA,
  },

  // tenants and operations
  'GET /api/v1/organizations/:orgId/tenants': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/organizations/${ctx.a.organizationId}/tenants`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'POST /api/v1/tenants': {
    attempt: (ctx, as) => http(ctx).post('/api/v1/tenants').set(as.auth).send({ organizationId: ctx.a.organizationId, planCode: 'chat', subdomain: 'rogue-chat' }),
    expect: [403],
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Tenant, { slug: 'rogue-chat' })).toBe(0);
    },
  },
  'GET /api/v1/tenants/:tenantId': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/tenants/${ctx.tenantA.id}`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'GET /api/v1/tenants/:tenantId/operations': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/tenants/${ctx.tenantA.id}/operations`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'POST /api/v1/tenants/:tenantId/reconcile': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/tenants/${ctx.tenantA.id}/reconcile`).set(as.auth),
    expect: [403],
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Operation, { targetId: ctx.tenantA.id, kind: 'reconcile' })).toBe(0);
    },
  },
  'POST /api/v1/tenants/:tenantId/recreate': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/tenants/${ctx.tenantA.id}/recreate`).set(as.auth),
    expect: [403],
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Operation, { targetId: ctx.tenantA.id, kind: 'recreate' })).toBe(0);
    },
  },
  'POST /api/v1/tenants/:tenantId/retry': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/tenants/${ctx.tenantA.id}/retry`).set(as.auth),
    expect: [403],
  },
  'GET /api/v1/tenants/:tenantId/credentials': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/tenants/${ctx.tenantA.id}/credentials`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'POST /api/v1/tenants/:tenantId/credentials/reveal': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/tenants/${ctx.tenantA.id}/credentials/reveal`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'POST /api/v1/tenants/:tenantId/exports': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/tenants/${ctx.tenantA.id}/exports`).set(as.auth),
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Operation, { targetId: ctx.tenantA.id, kind: 'export' })).toBe(0);
    },
  },
  // backups: B can neither see A's backups nor back up, restore, drill or clone A
  'GET /api/v1/tenants/:tenantId/backups': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/tenants/${ctx.tenantA.id}/backups`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'POST /api/v1/tenants/:tenantId/backups': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/tenants/${ctx.tenantA.id}/backups`).set(as.auth),
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Operation, { targetId: ctx.tenantA.id, kind: 'backup' })).toBe(0);
    },
  },
  'POST /api/v1/tenants/:tenantId/restores': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/tenants/${ctx.tenantA.id}/restores`).set(as.auth).send({ backupId: '00000000-0000-4000-8000-000000000000' }),
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Operation, { targetId: ctx.tenantA.id, kind: 'restore' })).toBe(0);
    },
  },
  'POST /api/v1/tenants/:tenantId/drills': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/tenants/${ctx.tenantA.id}/drills`).set(as.auth),
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Operation, { targetId: ctx.tenantA.id, kind: 'drill' })).toBe(0);
    },
  },
  'POST /api/v1/tenants/:tenantId/clones': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/tenants/${ctx.tenantA.id}/clones`).set(as.auth).send({ backupId: '00000000-0000-4000-8000-000000000000', subdomain: 'stolen-copy' }),
    expect: [403],
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Tenant, { slug: 'stolen-copy' })).toBe(0);
    },
  },
  'GET /api/v1/tenants/:tenantId/exports': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/tenants/${ctx.tenantA.id}/exports`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'GET /api/v1/tenants/:tenantId/exports/:exportId/download': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/tenants/${ctx.tenantA.id}/exports/00000000-0000-4000-8000-000000000000/download`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  // custom domains and readiness: B can neither see nor change A's names, nor make Allmende probe them
  'GET /api/v1/tenants/:tenantId/domains': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/tenants/${ctx.tenantA.id}/domains`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'POST /api/v1/tenants/:tenantId/domains': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/tenants/${ctx.tenantA.id}/domains`).set(as.auth).send({ name: 'takeover.example.org' }),
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Domain, { name: 'takeover.example.org' })).toBe(0);
    },
  },
  'POST /api/v1/tenants/:tenantId/domains/:name/verify': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/tenants/${ctx.tenantA.id}/domains/${ctx.tenantA.primaryDomain}/verify`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'DELETE /api/v1/tenants/:tenantId/domains/:name': {
    attempt: (ctx, as) => http(ctx).delete(`/api/v1/tenants/${ctx.tenantA.id}/domains/${ctx.tenantA.primaryDomain}`).set(as.auth),
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Domain, { tenantId: ctx.tenantA.id })).toBeGreaterThan(0);
    },
  },
  'GET /api/v1/tenants/:tenantId/readiness': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/tenants/${ctx.tenantA.id}/readiness`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'POST /api/v1/tenants/:tenantId/readiness': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/tenants/${ctx.tenantA.id}/readiness`).set(as.auth),
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(TenantReadiness, { tenantId: ctx.tenantA.id })).toBe(0);
    },
  },
  'GET /api/v1/operations/:operationId': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/operations/${ctx.operationA.id}`).set(as.auth),
    verify: mentionsNothingOfA,
  },

  // billing: public pages, each gated by something other than a session
  'GET /': { public: 'the order form' },
  'POST /order': { public: 'placing an order creates a new organization; it touches no existing one' },
  'GET /order/:orderId': { public: 'the order id (random UUID) is the capability; the page shows no personal data (billing-order-form.int-spec)' },
  'GET /order/:orderId/status': { public: 'the status part of that page, same capability' },
  'POST /order/:orderId/checkout': { public: 'only resumes paying for that order' },
  'POST /order/:orderId/credentials': { public: "email + password of an owner of the order's organization; others get 401/403 and nothing is revealed (billing-order-form.int-spec)" },
  'POST /order/:orderId/addresses': { public: "email + password of an owner of the order's organization; others get 401/403 and see no records (order-addresses.int-spec)" },
  'POST /order/:orderId/domains': { public: "email + password of an owner of the order's organization; others get 401/403 and nothing is added (order-addresses.int-spec)" },
  'POST /order/:orderId/domains/:name/verify': { public: "email + password of an owner of the order's organization; others get 401/403 and nothing is checked (order-addresses.int-spec)" },
  'POST /order/:orderId/domains/:name/remove': { public: "email + password of an owner of the order's organization; others get 401/403 and nothing is removed (order-addresses.int-spec)" },
  'POST /order/:orderId/readiness': { public: "email + password of an owner of the order's organization; others get 401/403 and no checks run (order-addresses.int-spec)" },
  'POST /order/:orderId/billing-portal': { public: "email + password of an owner or billing member of the order's organization; others get 401/403 (billing-stripe.int-spec)" },
  'GET /api/v1/subdomain-availability': { public: "the order form's live check; says only free or not" },
  'GET /assets/billing.css': { public: 'stylesheet' },
  'GET /assets/billing.js': { public: 'script' },
  'POST /webhooks/stripe': { public: "Stripe's signature over the raw body is the authentication" },
  'GET /invitation': { public: 'the token from the invitation mail is the capability (billing-members.int-spec)' },
  'POST /invitation': { public: 'same token; an existing account must also give its password' },
  'GET /verify-email': { public: "the one-time token from the verification mail is the capability; it confirms that account's address only" },
  'GET /login': { public: 'the login form' },
  'POST /login': { public: 'email + password (rate-limited per address and account) with the form token of the visit; starts a session of that account only (web-sessions.int-spec)' },
  'POST /logout': { public: "ends the caller's own session only, with the form token of that session (web-sessions.int-spec)" },
  'GET /password-reset': { public: 'the form that asks for a reset link' },
  'POST /password-reset': { public: 'mails a link to the address only, same answer whether or not it has an account, rate-limited (web-sessions.int-spec)' },
  'GET /password-reset/new': { public: 'the one-time token from the reset mail is the capability (web-sessions.int-spec)' },
  'POST /password-reset/new': { public: 'same token; sets that account’s password and ends its sessions (web-sessions.int-spec)' },
  'POST /account/verification': { public: "a logged-in account resends the check of its own address only; visitors are sent to log in (web-sessions.int-spec)" },
  'GET /language/:locale': { public: 'remembers the chosen language in a cookie; redirects only to paths of this site' },
  'GET /legal/terms': { public: 'the default terms of service' },
  'GET /legal/dpa': { public: 'the default data processing agreement' },

  // billing: organization data
  'GET /api/v1/organizations/:orgId/orders': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/organizations/${ctx.a.organizationId}/orders`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'POST /api/v1/organizations/:orgId/billing-portal': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/organizations/${ctx.a.organizationId}/billing-portal`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'POST /api/v1/organizations/:orgId/invitations': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/organizations/${ctx.a.organizationId}/invitations`).set(as.auth).send({ email: 'spy@b.example', role: 'billing' }),
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Invitation, { email: 'spy@b.example' })).toBe(0);
    },
  },
  'GET /api/v1/organizations/:orgId/invitations': {
    attempt: (ctx, as) => http(ctx).get(`/api/v1/organizations/${ctx.a.organizationId}/invitations`).set(as.auth),
    verify: mentionsNothingOfA,
  },
  'DELETE /api/v1/organizations/:orgId/invitations/:invitationId': {
    attempt: (ctx, as) => http(ctx).delete(`/api/v1/organizations/${ctx.a.organizationId}/invitations/00000000-0000-4000-8000-000000000000`).set(as.auth),
  },
  'GET /api/v1/orders': { attempt: (ctx, as) => http(ctx).get('/api/v1/orders').set(as.auth), expect: [403] },
  'POST /api/v1/orders/:orderId/payments': {
    attempt: (ctx, as) => http(ctx).post('/api/v1/orders/00000000-0000-4000-8000-000000000000/payments').set(as.auth).send({ outcome: 'paid' }),
    expect: [403],
  },
  // upgrades: B cannot upgrade or pin A's apps, nor set A's maintenance window
  'POST /api/v1/tenants/:tenantId/upgrades': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/tenants/${ctx.tenantA.id}/upgrades`).set(as.auth).send({ app: 'prosody', to: '13.0' }),
    expect: [403],
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Operation, { targetId: ctx.tenantA.id, kind: 'upgrade' })).toBe(0);
    },
  },
  'PUT /api/v1/tenants/:tenantId/apps/:app/pin': {
    attempt: (ctx, as) => http(ctx).put(`/api/v1/tenants/${ctx.tenantA.id}/apps/prosody/pin`).set(as.auth).send({ pinned: true }),
    expect: [403],
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(ServiceInstance, { tenantId: ctx.tenantA.id, pinned: true })).toBe(0);
    },
  },
  'PUT /api/v1/tenants/:tenantId/maintenance-window': {
    attempt: (ctx, as) => http(ctx).put(`/api/v1/tenants/${ctx.tenantA.id}/maintenance-window`).set(as.auth).send({ window: { weekday: 2, hour: 3 } }),
    verify: async (ctx) => {
      expect((await ctx.harness.dataSource.manager.findOneByOrFail(Tenant, { id: ctx.tenantA.id })).maintenanceWindow).toBeNull();
    },
  },
  'POST /api/v1/orders/:orderId/cancel': {
    attempt: (ctx, as) => http(ctx).post('/api/v1/orders/00000000-0000-4000-8000-000000000000/cancel').set(as.auth),
    expect: [403],
  },

  // operator-only
  'GET /metrics': {
    // operators, or the client addresses in ALLMENDE_METRICS_ALLOW (none here); the numbers are the whole cooperative's
    attempt: (ctx, as) => http(ctx).get('/metrics').set(as.auth),
    expect: [403],
    verify: async (_ctx, response) => {
      expect(response.text).not.toContain('allmende_');
    },
  },
  'GET /api/v1/docker-hosts': { attempt: (ctx, as) => http(ctx).get('/api/v1/docker-hosts').set(as.auth), expect: [403] },
  'GET /api/v1/backups': { attempt: (ctx, as) => http(ctx).get('/api/v1/backups').set(as.auth), expect: [403] },
  'POST /api/v1/upgrades/plan': { attempt: (ctx, as) => http(ctx).post('/api/v1/upgrades/plan').set(as.auth).send({ app: 'prosody', to: '13.0' }), expect: [403] },
  'POST /api/v1/rollouts': {
    attempt: (ctx, as) => http(ctx).post('/api/v1/rollouts').set(as.auth).send({ app: 'prosody', to: '13.0' }),
    expect: [403],
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.count(UpgradeRollout)).toBe(0);
    },
  },
  'GET /api/v1/rollouts': { attempt: (ctx, as) => http(ctx).get('/api/v1/rollouts').set(as.auth), expect: [403] },
  'GET /api/v1/rollouts/:rolloutId': { attempt: (ctx, as) => http(ctx).get('/api/v1/rollouts/00000000-0000-4000-8000-000000000000').set(as.auth), expect: [403] },
  'POST /api/v1/rollouts/:rolloutId/control': {
    attempt: (ctx, as) => http(ctx).post('/api/v1/rollouts/00000000-0000-4000-8000-000000000000/control').set(as.auth).send({ action: 'abort' }),
    expect: [403],
  },
  'POST /api/v1/docker-hosts': {
    attempt: (ctx, as) => http(ctx).post('/api/v1/docker-hosts').set(as.auth).send({ name: 'rogue', endpoint: 'tcp://10.0.0.9:2375' }),
    expect: [403],
  },
  'PATCH /api/v1/docker-hosts/:hostId': {
    attempt: (ctx, as) => http(ctx).patch('/api/v1/docker-hosts/00000000-0000-4000-8000-000000000000').set(as.auth).send({ state: 'disabled' }),
    expect: [403],
  },
  'GET /api/v1/tenants': {
    attempt: (ctx, as) => http(ctx).get('/api/v1/tenants').set(as.auth),
    expect: [403],
    verify: mentionsNothingOfA,
  },
  'GET /api/v1/operations': {
    attempt: (ctx, as) => http(ctx).get('/api/v1/operations?state=queued').set(as.auth),
    expect: [403],
    verify: mentionsNothingOfA,
  },
  'POST /api/v1/operations/:operationId/retry': {
    attempt: (ctx, as) => http(ctx).post(`/api/v1/operations/${ctx.operationA.id}/retry`).set(as.auth),
    expect: [403],
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Operation, { targetId: ctx.tenantA.id })).toBe(1);
    },
  },

  // the operators' console: pages behind the session cookie; anyone but an operator gets "not found", a visitor the login page (console.int-spec)
  'GET /console': { public: 'operators only: the page guard answers 404 to any other session and sends visitors to log in (console.int-spec)' },
  'GET /console/orders': { public: 'operators only, as GET /console (console.int-spec)' },
  'POST /console/orders/:orderId/paid': { public: 'operators only, with the form token of their session; others get 403/404 and nothing is recorded (console.int-spec)' },
  'POST /console/orders/:orderId/overdue': { public: 'operators only, with the form token of their session; others get 403/404 and nothing is recorded (console.int-spec)' },
  'GET /console/tenants': { public: 'operators only, as GET /console (console.int-spec)' },
  'GET /console/tenants/:tenantId': { public: 'operators only, as GET /console; never shows admin passwords (console.int-spec)' },
  'GET /console/hosts': { public: 'operators only, as GET /console (console.int-spec)' },
  'GET /console/operations': { public: 'operators only, as GET /console (console.int-spec)' },
  'POST /console/operations/:operationId/retry': { public: 'operators only, with the form token of their session; others get 403/404 and nothing runs (console.int-spec)' },
  // the club dashboard: pages behind the session cookie; B's owner gets "not found" for A's club, and nothing of A changes (dashboard.int-spec)
  'GET /clubs': {
    page: (_ctx, web) => web.agent.get('/clubs'),
    expect: [200],
    verify: async (ctx, response) => {
      expect(response.text).not.toContain(ctx.a.organizationId);
      expect(response.text).not.toContain('Club A');
    },
  },
  'GET /clubs/:orgId': {
    page: (ctx, web) => web.agent.get(`/clubs/${ctx.a.organizationId}`),
    expect: [404],
    verify: async (ctx, response) => {
      expect(response.text).not.toContain(ctx.a.owner.email);
      expect(response.text).not.toContain(ctx.tenantA.id);
    },
  },
  'GET /clubs/:orgId/events': {
    page: (ctx, web) => web.agent.get(`/clubs/${ctx.a.organizationId}/events`),
    expect: [404],
    verify: async (ctx, response) => {
      expect(response.headers['content-type']).not.toContain('text/event-stream');
      expect(response.text).not.toContain(ctx.tenantA.id);
    },
  },
  'POST /clubs/:orgId/invitations': {
    page: (ctx, web) => web.post(`/clubs/${ctx.a.organizationId}/invitations`, { email: 'spy@b.example', role: 'billing' }),
    expect: [404],
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Invitation, { email: 'spy@b.example' })).toBe(0);
    },
  },
  'POST /clubs/:orgId/invitations/:invitationId/revoke': {
    page: (ctx, web) => web.post(`/clubs/${ctx.a.organizationId}/invitations/00000000-0000-4000-8000-000000000000/revoke`),
    expect: [404],
  },
  'POST /clubs/:orgId/members/:membershipId/remove': {
    page: (ctx, web) => web.post(`/clubs/${ctx.a.organizationId}/members/${ctx.membershipA.id}/remove`),
    expect: [404],
    verify: membershipUnchanged,
  },
  'GET /clubs/:orgId/orders/:orderId/cancel': {
    page: (ctx, web) => web.agent.get(`/clubs/${ctx.a.organizationId}/orders/00000000-0000-4000-8000-000000000000/cancel`),
    expect: [404],
  },
  'POST /clubs/:orgId/orders/:orderId/cancel': {
    page: (ctx, web) => web.post(`/clubs/${ctx.a.organizationId}/orders/00000000-0000-4000-8000-000000000000/cancel`, { confirm: 'yes' }),
    expect: [404],
  },
  'POST /clubs/:orgId/orders/:orderId/keep': {
    page: (ctx, web) => web.post(`/clubs/${ctx.a.organizationId}/orders/00000000-0000-4000-8000-000000000000/keep`),
    expect: [404],
  },
  'POST /clubs/:orgId/orders/:orderId/plan': {
    page: (ctx, web) => web.post(`/clubs/${ctx.a.organizationId}/orders/00000000-0000-4000-8000-000000000000/plan`, { plan: 'club' }),
    expect: [404],
    verify: async (ctx) => {
      expect((await ctx.harness.dataSource.manager.findOneByOrFail(Tenant, { id: ctx.tenantA.id })).planId).toBe(ctx.tenantA.planId);
    },
  },
  'POST /clubs/:orgId/billing-portal': {
    page: (ctx, web) => web.post(`/clubs/${ctx.a.organizationId}/billing-portal`),
    expect: [404],
  },
  'POST /clubs/:orgId/tenants/:tenantId/apps/:app/admin-password': {
    page: (ctx, web) => web.post(`/clubs/${ctx.a.organizationId}/tenants/${ctx.tenantA.id}/apps/prosody/admin-password`),
    expect: [404],
    verify: async (_ctx, response) => {
      expect(response.text).not.toContain('New password');
    },
  },
  'POST /clubs/:orgId/tenants/:tenantId/exports': {
    page: (ctx, web) => web.post(`/clubs/${ctx.a.organizationId}/tenants/${ctx.tenantA.id}/exports`),
    expect: [404],
    verify: async (ctx) => {
      expect(await ctx.harness.dataSource.manager.countBy(Operation, { targetId: ctx.tenantA.id, kind: 'export' })).toBe(0);
    },
  },
  'GET /clubs/:orgId/tenants/:tenantId/exports/:exportId': {
    page: (ctx, web) => web.agent.get(`/clubs/${ctx.a.organizationId}/tenants/${ctx.tenantA.id}/exports/00000000-0000-4000-8000-000000000000`),
    expect: [404],
    verify: async (_ctx, response) => {
      expect(response.headers['content-type']).not.toContain('gzip');
    },
  },
};

describe('organization isolation on every route', () => {
  const ctx = {} as Context;

  beforeAll(async () => {
    ctx.harness = await startApiHarness();
    ctx.operator = await createOperator(ctx.harness);
    ctx.a = await createClub(ctx.harness, 'Club A');
    ctx.b = await createClub(ctx.harness, 'Club B');
    ctx.bSecondSession = await login(ctx.harness, ctx.b.owner.email, ctx.b.owner.password!);
    ctx.webB = await WebClient.login(ctx.harness.app, ctx.b.owner.email, ctx.b.owner.password!);
    await ctx.webB.open('/clubs');
    ctx.webVisitor = WebClient.anonymous(ctx.harness.app);
    await ctx.webVisitor.open('/login');
    ctx.membershipA = await ctx.harness.dataSource.manager.findOneByOrFail(Membership, { organizationId: ctx.a.organizationId, role: 'owner' });
    const token = await ctx.harness.http().post('/api/v1/tokens').set(ctx.a.owner.auth).send({ name: 'a-script', scopes: ['tenants:read'] }).expect(201);
    ctx.tokenIdA = token.body.id;
    ctx.tenantA = await ctx.harness.app.get(TenantsService).create({ organizationId: ctx.a.organizationId, planCode: 'chat', subdomain: 'club-a-chat' }, { type: 'system', id: 'test' });
    ctx.operationA = (await ctx.harness.app.get(TenantLifecycleService).transition(ctx.tenantA.id, 'provision', { type: 'system', id: 'test' })).operation!;
  });

  afterAll(async () => {
    await ctx.harness?.close();
  });

  it('has a case for every route the application serves, and no case for a route that does not exist', () => {
    expect(Object.keys(CASES).sort()).toEqual(listRoutes(ctx.harness.app));
  });

  const guarded = Object.entries(CASES).filter(([, routeCase]) => !routeCase.public && !routeCase.page);

  it.each(guarded)('%s refuses an owner of another organization', async (_route, routeCase) => {
    const response = await routeCase.attempt!(ctx, ctx.b.owner);
    expect(routeCase.expect ?? REFUSED).toContain(response.status);
    await routeCase.verify?.(ctx, response);
  });

  it.each(guarded)('%s refuses a caller without a token', async (_route, routeCase) => {
    const anonymous: Session = { accountId: '', email: '', token: '', auth: { Authorization: '' } };
    const response = await routeCase.attempt!(ctx, anonymous);
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('auth.unauthenticated');
  });

  const pages = Object.entries(CASES).filter(([, routeCase]) => routeCase.page);

  it.each(pages)('%s refuses a web session of another organization', async (_route, routeCase) => {
    const response = await routeCase.page!(ctx, ctx.webB);
    expect(routeCase.expect ?? REFUSED).toContain(response.status);
    await routeCase.verify?.(ctx, response);
  });

  it.each(pages)('%s sends a visitor without a session to the login page', async (_route, routeCase) => {
    const response = await routeCase.page!(ctx, ctx.webVisitor);
    expect(response.status).toBe(303);
    expect(response.headers.location).toMatch(/^\/login\?next=%2F/);
    await routeCase.verify?.(ctx, response);
  });

  it('lets a plain member of A read but not change A', async () => {
    const member = await addMember(ctx.harness, ctx.a.organizationId, 'member');
    await ctx.harness.http().get(`/api/v1/organizations/${ctx.a.organizationId}`).set(member.auth).expect(200);
    await ctx.harness.http().get(`/api/v1/tenants/${ctx.tenantA.id}`).set(member.auth).expect(200);
    const patch = await ctx.harness.http().patch(`/api/v1/organizations/${ctx.a.organizationId}`).set(member.auth).send({ name: 'Taken over' });
    expect(patch.status).toBe(403);
    expect(patch.body.message).toMatch(/owner role/);
    await orgUnchanged(ctx);
  });

  it('lets an operator see A', async () => {
    await ctx.harness.http().get(`/api/v1/organizations/${ctx.a.organizationId}`).set(ctx.operator.auth).expect(200);
    await ctx.harness.http().get(`/api/v1/operations/${ctx.operationA.id}`).set(ctx.operator.auth).expect(200);
  });

  it('keeps an operator token without the operator scope to its own organizations', async () => {
    const scoped = await ctx.harness.http().post('/api/v1/tokens').set(ctx.operator.auth).send({ name: 'narrow', scopes: ['org:read'] }).expect(201);
    const response = await ctx.harness.http().get(`/api/v1/organizations/${ctx.a.organizationId}`).set({ Authorization: `Bearer ${scoped.body.token}` });
    expect(response.status).toBe(404);
  });
});

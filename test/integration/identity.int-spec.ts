import { ApiToken, Membership, Organization } from '#identity';
import { AuditEvent } from '#domain';
import { ApiHarness, startApiHarness } from '#test/support/api-harness.js';
import { addMember, Club, createClub, createOperator, Session } from '#test/support/fixtures.js';

describe('accounts, tokens and roles (real Postgres)', () => {
  let harness: ApiHarness;
  let operator: Session;
  let club: Club;

  beforeAll(async () => {
    harness = await startApiHarness();
    operator = await createOperator(harness);
    club = await createClub(harness, 'Model Railway Society');
  });

  afterAll(async () => {
    await harness?.close();
  });

  describe('login', () => {
    it('answers a wrong password and an unknown email alike', async () => {
      const wrong = await harness.http().post('/api/v1/auth/login').send({ email: club.owner.email, password: 'not-the-password' });
      const unknown = await harness.http().post('/api/v1/auth/login').send({ email: 'nobody@nowhere.example', password: 'not-the-password' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.message).toBe(unknown.body.message);
    });

    it('treats the email case-insensitively', async () => {
      const response = await harness.http().post('/api/v1/auth/login').send({ email: club.owner.email.toUpperCase(), password: club.owner.password });
      expect(response.status).toBe(200);
      expect(response.body.token).toMatch(/^alm_[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    });

    it('stores only a hash of the token', async () => {
      const row = await harness.dataSource.manager
        .createQueryBuilder(ApiToken, 't')
        .addSelect('t.secretHash')
        .where('t.id = :id', { id: club.owner.token.slice(4, 40) })
        .getOneOrFail();
      expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
      expect(club.owner.token).not.toContain(row.secretHash);
    });
  });

  describe('tokens', () => {
    it('is shown once, works, and stops working when revoked', async () => {
      const created = await harness.http().post('/api/v1/tokens').set(club.owner.auth).send({ name: 'script', scopes: ['org:read'], expiresInDays: 7 }).expect(201);
      const auth = { Authorization: `Bearer ${created.body.token}` };
      await harness.http().get(`/api/v1/organizations/${club.organizationId}`).set(auth).expect(200);
      const listed = await harness.http().get('/api/v1/tokens').set(club.owner.auth).expect(200);
      expect(JSON.stringify(listed.body)).not.toContain(created.body.token.split('.')[1]);
      await harness.http().delete(`/api/v1/tokens/${created.body.id}`).set(club.owner.auth).expect(204);
      await harness.http().get(`/api/v1/organizations/${club.organizationId}`).set(auth).expect(401);
    });

    it('enforces scopes: a read-only token cannot change anything', async () => {
      const created = await harness.http().post('/api/v1/tokens').set(club.owner.auth).send({ name: 'reader', scopes: ['org:read'] }).expect(201);
      const response = await harness
        .http()
        .patch(`/api/v1/organizations/${club.organizationId}`)
        .set({ Authorization: `Bearer ${created.body.token}` })
        .send({ name: 'Changed' });
      expect(response.status).toBe(403);
      expect(response.body.message).toContain('org:write');
    });

    it('rejects an expired token', async () => {
      const created = await harness.http().post('/api/v1/tokens').set(club.owner.auth).send({ name: 'short', scopes: ['org:read'] }).expect(201);
      await harness.dataSource.manager.update(ApiToken, created.body.id, { expiresAt: new Date(Date.now() - 1000) });
      await harness.http().get('/api/v1/me').set({ Authorization: `Bearer ${created.body.token}` }).expect(401);
    });

    it('rejects a token whose secret was tampered with', async () => {
      const tampered = club.owner.token.slice(0, -2) + (club.owner.token.endsWith('AA') ? 'BB' : 'AA');
      await harness.http().get('/api/v1/me').set({ Authorization: `Bearer ${tampered}` }).expect(401);
    });

    it('refuses unknown scopes naming the field', async () => {
      const response = await harness.http().post('/api/v1/tokens').set(club.owner.auth).send({ name: 'x', scopes: ['root'] });
      expect(response.status).toBe(400);
      expect(response.body.fields).toHaveProperty('scopes');
    });
  });

  describe('validation', () => {
    it('refuses unknown fields and changes nothing', async () => {
      const before = await harness.dataSource.manager.findOneByOrFail(Organization, { id: club.organizationId });
      const response = await harness.http().patch(`/api/v1/organizations/${club.organizationId}`).set(club.owner.auth).send({ name: 'New name', slug: 'hijack' });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'validation_failed', fields: { slug: 'is not a known field' } });
      const after = await harness.dataSource.manager.findOneByOrFail(Organization, { id: club.organizationId });
      expect(after.name).toBe(before.name);
    });

    it('names the field in every message', async () => {
      const response = await harness
        .http()
        .post('/api/v1/organizations')
        .set(operator.auth)
        .send({ name: 'x', contactEmail: 'not-an-email', owner: { email: 'also-not' } });
      expect(response.status).toBe(400);
      expect(Object.keys(response.body.fields).sort()).toEqual(['contactEmail', 'name', 'owner.email']);
      expect(response.body.message).toContain('contactEmail: must be a plain ASCII email address');
    });

    it('gives a 400 naming the parameter for a malformed id', async () => {
      const response = await harness.http().get('/api/v1/organizations/not-a-uuid').set(club.owner.auth);
      expect(response.status).toBe(400);
      expect(response.body.fields).toEqual({ orgId: 'must be a UUID' });
    });
  });

  describe('organizations and members', () => {
    it('lets an operator create an organization whose owner can log in once with the shown password', async () => {
      const response = await harness
        .http()
        .post('/api/v1/organizations')
        .set(operator.auth)
        .send({ name: 'Dentists of Kleinstadt', contactEmail: 'board@dentists.example', owner: { email: 'chair@dentists.example' } })
        .expect(201);
      expect(response.body.organization.slug).toBe('dentists-of-kleinstadt');
      expect(response.body.owner.initialPassword).toHaveLength(20);
      await harness.http().post('/api/v1/auth/login').send({ email: 'chair@dentists.example', password: response.body.owner.initialPassword }).expect(200);
      const audit = await harness.dataSource.manager.findOneByOrFail(AuditEvent, { action: 'organization.created', targetId: response.body.organization.id });
      expect(audit.actorId).toBe(operator.accountId);
      expect(JSON.stringify(audit.details)).not.toContain(response.body.owner.initialPassword);
    });

    it('never removes or demotes the last owner', async () => {
      const ownerMembership = await harness.dataSource.manager.findOneByOrFail(Membership, { organizationId: club.organizationId, role: 'owner' });
      const demote = await harness.http().patch(`/api/v1/organizations/${club.organizationId}/members/${ownerMembership.id}`).set(club.owner.auth).send({ role: 'member' });
      expect(demote.status).toBe(409);
      expect(demote.body.error).toBe('organization.last_owner');
      const remove = await harness.http().delete(`/api/v1/organizations/${club.organizationId}/members/${ownerMembership.id}`).set(club.owner.auth);
      expect(remove.status).toBe(409);
    });

    it('lets an owner change a member role and records it', async () => {
      const member = await addMember(harness, club.organizationId, 'member');
      const response = await harness
        .http()
        .patch(`/api/v1/organizations/${club.organizationId}/members/${member.membershipId}`)
        .set(club.owner.auth)
        .send({ role: 'billing' })
        .expect(200);
      expect(response.body.role).toBe('billing');
      const log = await harness.http().get(`/api/v1/organizations/${club.organizationId}/audit-events`).set(club.owner.auth).expect(200);
      expect(log.body.map((event: AuditEvent) => event.action)).toContain('member.role_changed');
    });

    it('does not let a billing member manage members', async () => {
      const billing = await addMember(harness, club.organizationId, 'billing');
      const member = await addMember(harness, club.organizationId, 'member');
      const response = await harness.http().delete(`/api/v1/organizations/${club.organizationId}/members/${member.membershipId}`).set(billing.auth);
      expect(response.status).toBe(403);
      expect(await harness.dataSource.manager.existsBy(Membership, { id: member.membershipId })).toBe(true);
    });
  });

  describe('health', () => {
    it('is live, and not ready while a registered Docker host is unreachable', async () => {
      await harness.http().get('/healthz').expect(200, { status: 'ok' });
      const ready = await harness.http().get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.database).toEqual({ status: 'up' });
      expect(ready.body.checks.dockerHosts.local.status).toBe('down');
    });

    it('serves the OpenAPI document', async () => {
      const response = await harness.http().get('/api/docs/openapi.json').expect(200);
      expect(response.body.paths).toHaveProperty('/api/v1/organizations/{orgId}');
    });

    it('answers with a request id and structured errors for unknown routes', async () => {
      const response = await harness.http().get('/no/such/route').set('X-Request-Id', 'trace-123');
      expect(response.status).toBe(404);
      expect(response.headers['x-request-id']).toBe('trace-123');
      expect(response.body).toMatchObject({ error: 'not_found', requestId: 'trace-123' });
    });
  });
});

describe('password guessing', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await startApiHarness({ ALLMENDE_PASSWORD_ATTEMPTS_PER_MINUTE: '3' });
  });

  afterAll(async () => harness?.close());

  it('is slowed down: after the limit, an address gets 429 for a minute, even with the right password', async () => {
    const club = await createClub(harness, 'Guarded Club');
    for (let i = 0; i < 2; i++) await harness.http().post('/api/v1/auth/login').send({ email: club.owner.email, password: `guess-${i}` }).expect(401);
    const blocked = await harness.http().post('/api/v1/auth/login').send({ email: club.owner.email, password: club.owner.password });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe('too_many_requests');
  });
});

import { createSocket, type Socket } from 'node:dgram';
import { AuditEvent } from '#domain';
import { MailLetter } from '#identity';
import { CustomDomainsService, Domain, DomainServingListener, type DomainServingChange, NodeDnsResolver, Tenant, TenantsService } from '#provisioning';
import { ApiHarness, startApiHarness } from '#test/support/api-harness.js';
import { startDnsServer, type TestDnsServer } from '#test/support/dns-server.js';
import { addMember, type Club, createClub, createOperator, type Session } from '#test/support/fixtures.js';

// Custom domains against a real authoritative DNS server (Knot, started on loopback by the
// test) and the real Postgres: refusals, pending -> verified once the test adds the records,
// flagged and withdrawn when they disappear, verified again when they return, released claims.

const BASE = 'hosting.test';
const HOST_V4 = '192.0.2.10';
const HOST_V6 = '2001:db8::10';
const HOUR = 3_600_000;

describe('custom domains verified through DNS (Knot on loopback, real Postgres)', () => {
  let dns: TestDnsServer;
  let harness: ApiHarness;
  let service: CustomDomainsService;
  let club: Club;
  let other: Club;
  let operator: Session;
  let tenant: Tenant;
  let otherTenant: Tenant;
  const told: DomainServingChange[] = [];

  beforeAll(async () => {
    dns = await startDnsServer(
      {
        [BASE]: [
          { owner: 'gardeners', type: 'A', data: HOST_V4 },
          { owner: 'gardeners', type: 'AAAA', data: HOST_V6 },
          { owner: 'chess', type: 'A', data: '192.0.2.20' },
        ],
        'clubs.test': [{ owner: 'long', type: 'TXT', data: `"${'a'.repeat(255)}" "${'b'.repeat(45)}"` }],
      },
      ['broken.test'],
    );
    harness = await startApiHarness({ ALLMENDE_BASE_DOMAIN: BASE, ALLMENDE_DNS_RESOLVERS: dns.address, ALLMENDE_DOMAIN_GRACE_HOURS: '24', ALLMENDE_DOMAIN_PENDING_DAYS: '2' });
    service = harness.app.get(CustomDomainsService);
    // the edge hook: record what the edge is told (the lead wires the real one)
    harness.app.get(DomainServingListener).servingChanged = async (change) => void told.push(change);
    operator = await createOperator(harness);
    club = await createClub(harness, 'Gardeners');
    other = await createClub(harness, 'Chess Club');
    const tenants = harness.app.get(TenantsService);
    tenant = await tenants.create({ organizationId: club.organizationId, planCode: 'chat', subdomain: 'gardeners' }, { type: 'system', id: 'test' });
    otherTenant = await tenants.create({ organizationId: other.organizationId, planCode: 'chat', subdomain: 'chess', customDomain: 'chess.clubs.test' }, { type: 'system', id: 'test' });
  });

  afterAll(async () => {
    await harness?.close();
    await dns?.stop();
  });

  const api = () => harness.http();
  const domainsUrl = (id = tenant.id) => `/api/v1/tenants/${id}/domains`;

  describe('the DnsResolver adapter on node:dns', () => {
    const resolver = () => new NodeDnsResolver(undefined, { servers: [dns.address], timeoutMs: 1_000, tries: 1 });

    it('answers A, AAAA, CNAME, TXT (chunks joined) and SRV with typed records', async () => {
      dns.set('clubs.test', { owner: 'alias', type: 'CNAME', data: `gardeners.${BASE}.` });
      dns.set('clubs.test', { owner: '_xmpp-client._tcp.alias', type: 'SRV', data: `0 5 5222 gardeners.${BASE}.` });
      const r = resolver();
      expect(await r.lookup(`gardeners.${BASE}`, 'A')).toEqual({ ok: true, records: [HOST_V4] });
      expect(await r.lookup(`Gardeners.${BASE}.`, 'AAAA')).toEqual({ ok: true, records: [HOST_V6] });
      expect(await r.lookup('alias.clubs.test', 'CNAME')).toEqual({ ok: true, records: [`gardeners.${BASE}`] });
      expect(await r.lookup('long.clubs.test', 'TXT')).toEqual({ ok: true, records: ['a'.repeat(255) + 'b'.repeat(45)] });
      expect(await r.lookup('_xmpp-client._tcp.alias.clubs.test', 'SRV')).toEqual({ ok: true, records: [{ priority: 0, weight: 5, port: 5222, target: `gardeners.${BASE}` }] });
    });

    it('tells NXDOMAIN, NODATA, SERVFAIL, REFUSED and a timeout apart', async () => {
      const r = resolver();
      expect(await r.lookup('nothing-here.clubs.test', 'A')).toMatchObject({ ok: false, failure: 'nxdomain' });
      expect(await r.lookup(`gardeners.${BASE}`, 'TXT')).toEqual({ ok: true, records: [] });
      expect(await r.lookup('www.broken.test', 'A')).toMatchObject({ ok: false, failure: 'servfail' });
      expect(await r.lookup('elsewhere.example', 'A')).toMatchObject({ ok: false, failure: 'refused' });

      // a server that never answers
      const silent: Socket = createSocket('udp4');
      await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
      try {
        const mute = new NodeDnsResolver(undefined, { servers: [`127.0.0.1:${silent.address().port}`], timeoutMs: 300, tries: 1 });
        const started = Date.now();
        expect(await mute.lookup('club.clubs.test', 'A')).toMatchObject({ ok: false, failure: 'timeout' });
        expect(Date.now() - started).toBeLessThan(3_000);
      } finally {
        silent.close();
      }
    });

    it('refuses a malformed server list at start', () => {
      expect(() => new NodeDnsResolver(undefined, { servers: ['not-an-address'] })).toThrow();
    });
  });

  describe('adding a domain', () => {
    it.each([
      ['*.gardeners.example', 'domain.wildcard'],
      ['192.0.2.55', 'domain.ip_address'],
      ['localhost', 'domain.special_use'],
      ['www.localhost', 'domain.special_use'],
      [`shop.${BASE}`, 'domain.under_base'],
      ['pаypal.test', 'domain.mixed_scripts'], // Cyrillic а
      ['https://club.test/', 'domain.not_a_name'],
    ])('refuses %p with 400 naming the field (%s)', async (name, code) => {
      const response = await api().post(domainsUrl()).set(club.owner.auth).send({ name }).expect(400);
      expect(response.body.problems.name).toBe(code);
      expect(response.body.fields.name).toEqual(expect.any(String));
    });

    it("refuses another tenant's domain in any spelling (case, trailing dot) with 409", async () => {
      for (const name of ['chess.clubs.test', 'CHESS.Clubs.Test', 'chess.clubs.test.']) {
        const response = await api().post(domainsUrl()).set(club.owner.auth).send({ name }).expect(409);
        expect(response.body.problems.name).toBe('domain.in_use');
      }
    });

    it('lets only owners (and operators) add; members read', async () => {
      const member = await addMember(harness, club.organizationId, 'member');
      await api().post(domainsUrl()).set(member.auth).send({ name: 'member.clubs.test' }).expect(403);
      await api().get(domainsUrl()).set(member.auth).expect(200);
      await api().post(domainsUrl()).set(other.owner.auth).send({ name: 'x.clubs.test' }).expect(404);
    });

    it('adds a domain as pending and shows the exact records to create', async () => {
      const response = await api().post(domainsUrl()).set(club.owner.auth).send({ name: 'Gardeners.Clubs.Test.' }).expect(201);
      expect(response.body).toMatchObject({ name: 'gardeners.clubs.test', kind: 'custom', state: 'pending', served: false, verifiedAt: null });
      const token = (await harness.dataSource.manager.findOneByOrFail(Domain, { name: 'gardeners.clubs.test' })).verificationToken!;
      expect(token).toMatch(/^[0-9a-f]{32}$/);
      expect(response.body.records).toEqual([
        expect.objectContaining({ purpose: 'address', options: [[{ type: 'CNAME', name: 'gardeners.clubs.test', value: `gardeners.${BASE}.` }], [{ type: 'A', name: 'gardeners.clubs.test', value: HOST_V4 }, { type: 'AAAA', name: 'gardeners.clubs.test', value: HOST_V6 }]] }),
        expect.objectContaining({ purpose: 'verification', options: [[{ type: 'TXT', name: '_allmende-challenge.gardeners.clubs.test', value: `allmende-verify=${token}` }]] }),
      ]);
      // the same name again, in another spelling
      const again = await api().post(domainsUrl()).set(club.owner.auth).send({ name: 'GARDENERS.clubs.test' }).expect(409);
      expect(again.body.problems.name).toBe('domain.already_added');
    });

    it('stores an IDN as punycode and shows it in both forms', async () => {
      const response = await api().post(domainsUrl()).set(operator.auth).send({ name: 'gärtner.clubs.test' }).expect(201);
      expect(response.body).toMatchObject({ name: 'xn--grtner-bua.clubs.test', display: 'gärtner.clubs.test (xn--grtner-bua.clubs.test)' });
      await api().post(domainsUrl(otherTenant.id)).set(other.owner.auth).send({ name: 'xn--grtner-bua.clubs.test' }).expect(409);
    });
  });

  describe('verification', () => {
    const verify = (name: string) => api().post(`${domainsUrl()}/${name}/verify`).set(club.owner.auth).expect(200);
    let t0: Date;

    it('stays pending while the records are missing, saying exactly what to add', async () => {
      const response = await verify('gardeners.clubs.test');
      expect(response.body.state).toBe('pending');
      const token = (await harness.dataSource.manager.findOneByOrFail(Domain, { name: 'gardeners.clubs.test' })).verificationToken!;
      expect(response.body.results).toEqual([
        expect.objectContaining({ check: 'dns.address', status: 'failing', fix: { action: 'add', type: 'CNAME', name: 'gardeners.clubs.test', value: `gardeners.${BASE}.` }, detail: 'gardeners.clubs.test does not exist in DNS' }),
        expect.objectContaining({ check: 'dns.verification', status: 'failing', fix: { action: 'add', type: 'TXT', name: '_allmende-challenge.gardeners.clubs.test', value: `allmende-verify=${token}` } }),
      ]);
      expect(told).toEqual([]);
    });

    it('goes pending -> verified once the CNAME and the TXT record exist; the edge is told', async () => {
      const token = (await harness.dataSource.manager.findOneByOrFail(Domain, { name: 'gardeners.clubs.test' })).verificationToken!;
      dns.set('clubs.test', { owner: 'gardeners', type: 'CNAME', data: `gardeners.${BASE}.` });
      const half = await verify('gardeners.clubs.test');
      expect(half.body.state).toBe('pending');
      expect(half.body.results.map((r: { status: string }) => r.status)).toEqual(['ok', 'failing']);
      dns.set('clubs.test', { owner: '_allmende-challenge.gardeners', type: 'TXT', data: `"allmende-verify=${token}"` });
      const response = await verify('gardeners.clubs.test');
      expect(response.body).toMatchObject({ previousState: 'pending', state: 'verified', domain: { state: 'verified', served: true } });
      expect(told).toEqual([{ tenantId: tenant.id, domain: 'gardeners.clubs.test', served: true, state: 'verified' }]);
      expect(await service.servedNames(tenant.id)).toEqual([`gardeners.${BASE}`, 'gardeners.clubs.test']);
      t0 = new Date();
    });

    it('flags a verified domain whose TXT record disappeared, and mails the club what to add back', async () => {
      dns.unset('clubs.test', '_allmende-challenge.gardeners', 'TXT');
      const checked = await service.recheckDue(new Date(t0.getTime() + 2 * HOUR));
      expect(checked.map((r) => [r.domain?.name, r.state])).toEqual(expect.arrayContaining([['gardeners.clubs.test', 'flagged']]));
      const domain = await harness.dataSource.manager.findOneByOrFail(Domain, { name: 'gardeners.clubs.test' });
      expect(domain.verificationState).toBe('flagged');
      expect(told).toHaveLength(1); // still served during the grace period
      const letters = await harness.dataSource.manager.find(MailLetter, { where: { template: 'provisioning.domain_flagged' } });
      expect(letters).toHaveLength(1);
      expect(letters[0].recipient).toBe((await harness.dataSource.query('select contact_email from organization where id = $1', [club.organizationId]))[0].contact_email);
      const view = (await api().get(domainsUrl()).set(club.owner.auth).expect(200)).body.find((d: { name: string }) => d.name === 'gardeners.clubs.test');
      expect(view).toMatchObject({ state: 'flagged', served: true, withdrawalDue: new Date(t0.getTime() + 26 * HOUR).toISOString() });
    });

    it('is not checked again before the interval, and withdraws the domain once the grace is over', async () => {
      expect((await service.recheckDue(new Date(t0.getTime() + 2.5 * HOUR))).find((r) => r.domain?.name === 'gardeners.clubs.test')).toBeUndefined();
      const checked = await service.recheckDue(new Date(t0.getTime() + 27 * HOUR));
      expect(checked.find((r) => r.domain?.name === 'gardeners.clubs.test')).toMatchObject({ state: 'withdrawn', edgeChanged: true });
      expect(told.at(-1)).toEqual({ tenantId: tenant.id, domain: 'gardeners.clubs.test', served: false, state: 'withdrawn' });
      expect(await service.servedNames(tenant.id)).toEqual([`gardeners.${BASE}`]);
      expect(await harness.dataSource.manager.countBy(MailLetter, { template: 'provisioning.domain_withdrawn' })).toBe(1);
      const audit = await harness.dataSource.manager.find(AuditEvent, { where: { targetId: tenant.id }, order: { createdAt: 'ASC' } });
      expect(audit.map((event) => event.action)).toEqual(expect.arrayContaining(['domain.added', 'domain.verified', 'domain.flagged', 'domain.withdrawn']));
    });

    it('is verified and served again when the records return', async () => {
      const token = (await harness.dataSource.manager.findOneByOrFail(Domain, { name: 'gardeners.clubs.test' })).verificationToken!;
      dns.set('clubs.test', { owner: '_allmende-challenge.gardeners', type: 'TXT', data: `"allmende-verify=${token}"` });
      const checked = await service.recheckDue(new Date(t0.getTime() + 29 * HOUR));
      expect(checked.find((r) => r.domain?.name === 'gardeners.clubs.test')).toMatchObject({ previousState: 'withdrawn', state: 'verified', edgeChanged: true });
      expect(told.at(-1)).toEqual({ tenantId: tenant.id, domain: 'gardeners.clubs.test', served: true, state: 'verified' });
      expect(await harness.dataSource.manager.countBy(MailLetter, { template: 'provisioning.domain_restored' })).toBe(1);
    });

    it('releases a claim never verified after the release period, but never a primary domain', async () => {
      await api().post(domainsUrl()).set(club.owner.auth).send({ name: 'squatted.clubs.test' }).expect(201);
      const later = new Date(Date.now() + 3 * 24 * HOUR);
      const checked = await service.recheckDue(later);
      expect(checked.find((r) => r.previousState === 'pending' && r.state === 'released')).toBeDefined();
      expect(await harness.dataSource.manager.countBy(Domain, { name: 'squatted.clubs.test' })).toBe(0);
      // the other club's primary custom domain stays claimed although it never verified
      expect(await harness.dataSource.manager.countBy(Domain, { name: 'chess.clubs.test', verificationState: 'pending' })).toBe(1);
      // and the name is free for another club now
      await api().post(domainsUrl(otherTenant.id)).set(other.owner.auth).send({ name: 'squatted.clubs.test' }).expect(201);
    });

    it('claims each due domain once when several workers check at the same moment', async () => {
      const when = new Date(Date.now() + 10 * 24 * HOUR);
      const [a, b] = await Promise.all([service.recheckDue(when), service.recheckDue(when)]);
      const names = [...a, ...b].map((r) => r.domain?.name ?? 'released');
      expect(new Set(names).size).toBe(names.length);
    });
  });

  describe('removing', () => {
    it('refuses the cooperative subdomain and the primary domain; removes a custom domain and tells the edge', async () => {
      const sub = await api().delete(`${domainsUrl()}/gardeners.${BASE}`).set(club.owner.auth).expect(400);
      expect(sub.body.problems.name).toBe('domain.not_custom');
      const primary = await api().delete(`${domainsUrl(otherTenant.id)}/chess.clubs.test`).set(other.owner.auth).expect(400);
      expect(primary.body.problems.name).toBe('domain.primary');
      const before = told.length;
      await api().delete(`${domainsUrl()}/gardeners.clubs.test`).set(club.owner.auth).expect(204);
      expect(told.slice(before)).toEqual([{ tenantId: tenant.id, domain: 'gardeners.clubs.test', served: false, state: 'released' }]);
      await api().delete(`${domainsUrl()}/gardeners.clubs.test`).set(club.owner.auth).expect(404);
    });
  });
});

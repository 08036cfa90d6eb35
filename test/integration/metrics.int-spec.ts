import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { WebhookEvent } from '#billing';
import { BackupSiteState, DockerHost, Operation, RestoreDrill, Tenant, TenantLifecycleService, TenantsService } from '#provisioning';
import { createApiApp } from '../../apps/api/src/api-app.js';
import { ApiHarness, startApiHarness, testConfig } from '#test/support/api-harness.js';
import { Club, createClub, createOperator, Session } from '#test/support/fixtures.js';
import { parsePrometheusText, PrometheusText, sampleValue, samplesOf } from '#test/support/prometheus-text.js';

/**
 * GET /metrics on a real Postgres: the numbers operators' Prometheus reads, computed from seeded
 * tenants, operations, webhook events, jobs, hosts, backups and drills; and who may read them.
 */
describe('GET /metrics', () => {
  let harness: ApiHarness;
  let operator: Session;
  let club: Club;
  const system = { type: 'system', id: 'metrics-test' } as const;
  const http = () => harness.http();
  const ago = (seconds: number) => new Date(Date.now() - seconds * 1000);

  beforeAll(async () => {
    harness = await startApiHarness({
      // the edge (or another proxy on this machine) forwards the client's address; a private network may scrape without a token
      ALLMENDE_TRUSTED_PROXIES: 'loopback',
      ALLMENDE_METRICS_ALLOW: '10.0.0.0/8,2001:db8::/32',
    });
    operator = await createOperator(harness);
    club = await createClub(harness, 'Metrics Club');
  });

  afterAll(async () => {
    await harness?.close();
  });

  const scrape = async (): Promise<PrometheusText> => {
    const response = await http().get('/metrics').set(operator.auth).expect(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    return parsePrometheusText(response.text);
  };

  describe('the numbers, computed from the database', () => {
    const tenants: Record<string, Tenant> = {};
    const manager = () => harness.dataSource.manager;

    async function tenant(slug: string, planCode: string, state: Tenant['state'], host: DockerHost | null): Promise<Tenant> {
      const created = await harness.app.get(TenantsService).create({ organizationId: club.organizationId, planCode, subdomain: slug }, system);
      await manager().update(Tenant, created.id, { state, dockerHostId: host?.id ?? null });
      return (tenants[slug] = await manager().findOneByOrFail(Tenant, { id: created.id }));
    }

    async function operation(kind: string, state: Operation['state'], startedSecondsAgo: number | null, finishedSecondsAgo: number | null): Promise<void> {
      const now = Date.now();
      const at = (secondsAgo: number | null) => (secondsAgo === null ? null : new Date(now - secondsAgo * 1000));
      await manager().save(
        manager().create(Operation, {
          kind,
          targetType: 'tenant',
          targetId: tenants['m-chat-1'].id,
          organizationId: club.organizationId,
          requestedBy: null,
          state,
          // exact durations: a start and an end the same whole number of seconds apart
          startedAt: at(startedSecondsAgo),
          finishedAt: at(finishedSecondsAgo),
        }),
      );
    }

    beforeAll(async () => {
      const local = await manager().findOneByOrFail(DockerHost, { name: 'local' });
      const fsn2 = await manager().save(manager().create(DockerHost, { name: 'fsn-2', endpoint: 'tcp://10.0.0.2:2376', capacity: 20, state: 'draining' }));

      await tenant('m-chat-1', 'chat', 'active', local);
      await tenant('m-chat-2', 'chat', 'active', local);
      await tenant('m-club', 'club', 'past_due', fsn2); // prosody and wordpress
      await tenant('m-gone', 'chat', 'terminated', local); // no longer counts on its host
      const fresh = await tenant('m-new', 'chat', 'ordered', null);
      // ordered -> provisioning: a queued provision operation and its job in the operation queue (no worker here to run it)
      await harness.app.get(TenantLifecycleService).transition(fresh.id, 'provision', system);

      // finished long ago (settled): backups of 0.5, 3, 30 (exactly a bound) and 45 seconds, one failed after 200 s,
      // a provision of 90 s, an upgrade canceled before it started
      await operation('backup', 'succeeded', 3600.5, 3600);
      await operation('backup', 'succeeded', 3603, 3600);
      await operation('backup', 'succeeded', 3630, 3600);
      await operation('backup', 'succeeded', 3645, 3600);
      await operation('backup', 'failed', 7400, 7200);
      await operation('provision', 'succeeded', 86_490, 86_400);
      await operation('upgrade', 'canceled', null, 1800);
      // finished a minute ago (fresh: read again at each scrape until it settles)
      await operation('reconcile', 'succeeded', 62, 60);
      // in progress
      await operation('backup', 'running', 30, null);

      // the job queue: the provision's job waits (made due two minutes ago), one job runs, one waits for its retry in an hour
      await harness.dataSource.query(`update pgboss.job set start_after = now() - interval '120 seconds' where name = 'operation' and state = 'created'`);
      await harness.dataSource.query(`insert into pgboss.job (name, state, started_on, data) values ('operation', 'active', now(), '{}'), ('operation', 'retry', null, '{}')`);
      await harness.dataSource.query(`update pgboss.job set start_after = now() + interval '1 hour' where name = 'operation' and state = 'retry'`);

      // the webhook inbox: two unhandled events (the oldest 300 s, one failed twice already), one handled long ago
      const event = (eventId: string, receivedSecondsAgo: number, processed: boolean, attempts = 0) =>
        manager().create(WebhookEvent, {
          provider: 'stripe',
          eventId,
          type: 'invoice.paid',
          payload: {},
          eventCreatedAt: ago(receivedSecondsAgo + 1),
          receivedAt: ago(receivedSecondsAgo),
          processedAt: processed ? ago(receivedSecondsAgo - 1) : null,
          attempts,
        });
      await manager().save([event('evt_old_unhandled', 300, false), event('evt_failing', 60, false, 2), event('evt_done', 1000, true)]);

      // backups: m-chat-1 backed up locally 2 hours ago and never offsite; m-club a day and an hour ago; m-gone is terminated
      const siteState = (slug: string, site: string, lastSuccessSecondsAgo: number | null) =>
        manager().create(BackupSiteState, {
          tenantId: tenants[slug].id,
          site,
          sealedPassword: 'sealed',
          nextBackupAt: new Date(),
          nextCheckAt: new Date(),
          lastSuccessAt: lastSuccessSecondsAgo === null ? null : ago(lastSuccessSecondsAgo),
        });
      await manager().save([siteState('m-chat-1', 'local', 7200), siteState('m-chat-1', 'offsite', null), siteState('m-club', 'local', 90_000), siteState('m-gone', 'local', 60)]);

      // drills: m-chat-1 failed once and then passed; m-club passed and then failed; m-chat-2 never drilled; m-gone terminated
      const drill = async (slug: string, state: RestoreDrill['state'], secondsAgo: number) => {
        const saved = await manager().save(
          manager().create(RestoreDrill, { tenantId: tenants[slug].id, site: 'local', scratchTenantId: randomUUID(), state, finishedAt: ago(secondsAgo) }),
        );
        await harness.dataSource.query(`update restore_drill set created_at = $2 where id = $1`, [saved.id, ago(secondsAgo + 60)]);
      };
      await drill('m-chat-1', 'failed', 14 * 86_400);
      await drill('m-chat-1', 'passed', 7 * 86_400);
      await drill('m-club', 'passed', 14 * 86_400);
      await drill('m-club', 'failed', 86_400);
      await drill('m-club', 'running', 10); // a drill still running does not count as its result
      await drill('m-gone', 'passed', 86_400);
    });

    it('counts tenants by state and app, and by state', async () => {
      const text = await scrape();
      expect(text.types.get('allmende_tenants')).toBe('gauge');
      expect(sampleValue(text, 'allmende_tenants', { state: 'active', app: 'prosody' })).toBe(2);
      expect(sampleValue(text, 'allmende_tenants', { state: 'past_due', app: 'prosody' })).toBe(1);
      expect(sampleValue(text, 'allmende_tenants', { state: 'past_due', app: 'wordpress' })).toBe(1);
      expect(sampleValue(text, 'allmende_tenants', { state: 'terminated', app: 'prosody' })).toBe(1);
      expect(sampleValue(text, 'allmende_tenants', { state: 'provisioning', app: 'prosody' })).toBe(1);
      expect(sampleValue(text, 'allmende_tenants', { state: 'active', app: 'wordpress' })).toBe(0);
      expect(sampleValue(text, 'allmende_tenants_by_state', { state: 'active' })).toBe(2);
      expect(sampleValue(text, 'allmende_tenants_by_state', { state: 'past_due' })).toBe(1);
      expect(sampleValue(text, 'allmende_tenants_by_state', { state: 'provisioning' })).toBe(1);
      expect(sampleValue(text, 'allmende_tenants_by_state', { state: 'terminated' })).toBe(1);
      expect(sampleValue(text, 'allmende_tenants_by_state', { state: 'ordered' })).toBe(0);
      expect(samplesOf(text, 'allmende_tenants_by_state')).toHaveLength(9);
    });

    it('counts finished operations by kind and outcome, their durations, and what is in progress', async () => {
      const text = await scrape();
      expect(text.types.get('allmende_operations_total')).toBe('counter');
      expect(sampleValue(text, 'allmende_operations_total', { kind: 'backup', outcome: 'succeeded' })).toBe(4);
      expect(sampleValue(text, 'allmende_operations_total', { kind: 'backup', outcome: 'failed' })).toBe(1);
      expect(sampleValue(text, 'allmende_operations_total', { kind: 'provision', outcome: 'succeeded' })).toBe(1);
      expect(sampleValue(text, 'allmende_operations_total', { kind: 'upgrade', outcome: 'canceled' })).toBe(1);
      expect(sampleValue(text, 'allmende_operations_total', { kind: 'reconcile', outcome: 'succeeded' })).toBe(1);
      expect(sampleValue(text, 'allmende_operations_total', { kind: 'restore', outcome: 'failed' })).toBe(0);

      expect(text.types.get('allmende_operation_duration_seconds')).toBe('histogram');
      const bucket = (kind: string, le: string) => sampleValue(text, 'allmende_operation_duration_seconds_bucket', { kind, le });
      // backups: 0.5, 3, 30, 45 and 200 seconds
      expect([bucket('backup', '1'), bucket('backup', '5'), bucket('backup', '15'), bucket('backup', '30'), bucket('backup', '60'), bucket('backup', '120'), bucket('backup', '300'), bucket('backup', '+Inf')]).toEqual([1, 2, 2, 3, 4, 4, 5, 5]);
      expect(sampleValue(text, 'allmende_operation_duration_seconds_count', { kind: 'backup' })).toBe(5);
      expect(sampleValue(text, 'allmende_operation_duration_seconds_sum', { kind: 'backup' })).toBeCloseTo(278.5, 3);
      expect([bucket('provision', '60'), bucket('provision', '120')]).toEqual([0, 1]);
      expect([bucket('reconcile', '1'), bucket('reconcile', '5')]).toEqual([0, 1]);
      // canceled before it started: counted, but it has no duration
      expect(sampleValue(text, 'allmende_operation_duration_seconds_count', { kind: 'upgrade' })).toBe(0);

      expect(sampleValue(text, 'allmende_operations_in_progress', { kind: 'provision', state: 'queued' })).toBe(1);
      expect(sampleValue(text, 'allmende_operations_in_progress', { kind: 'backup', state: 'running' })).toBe(1);
      expect(sampleValue(text, 'allmende_operations_in_progress', { kind: 'backup', state: 'queued' })).toBe(0);
    });

    it('keeps the operation totals growing across scrapes, counting each operation once', async () => {
      const before = await scrape();
      const again = await scrape();
      for (const text of [before, again]) {
        expect(sampleValue(text, 'allmende_operations_total', { kind: 'backup', outcome: 'succeeded' })).toBe(4);
        expect(sampleValue(text, 'allmende_operations_total', { kind: 'reconcile', outcome: 'succeeded' })).toBe(1);
        expect(sampleValue(text, 'allmende_operation_duration_seconds_count', { kind: 'backup' })).toBe(5);
      }
      // a backup finishes now, after 7 seconds
      await operation('backup', 'succeeded', 7, 0);
      const after = await scrape();
      expect(sampleValue(after, 'allmende_operations_total', { kind: 'backup', outcome: 'succeeded' })).toBe(5);
      expect(sampleValue(after, 'allmende_operation_duration_seconds_bucket', { kind: 'backup', le: '5' })).toBe(2);
      expect(sampleValue(after, 'allmende_operation_duration_seconds_bucket', { kind: 'backup', le: '15' })).toBe(3);
      expect(sampleValue(after, 'allmende_operation_duration_seconds_count', { kind: 'backup' })).toBe(6);
      expect(sampleValue(after, 'allmende_operation_duration_seconds_sum', { kind: 'backup' })).toBeCloseTo(285.5, 3);
      expect(sampleValue(after, 'allmende_operations_total', { kind: 'reconcile', outcome: 'succeeded' })).toBe(1);
      // remove the new one again so the other tests see the seeded numbers
      await harness.dataSource.query(`delete from operation where kind = 'backup' and state = 'succeeded' and finished_at > now() - interval '5 minutes'`);
    });

    it('says how deep each job queue is and how long the oldest due job has waited', async () => {
      const text = await scrape();
      expect(sampleValue(text, 'allmende_job_queue_jobs', { queue: 'operation', state: 'created' })).toBe(1);
      expect(sampleValue(text, 'allmende_job_queue_jobs', { queue: 'operation', state: 'retry' })).toBe(1);
      expect(sampleValue(text, 'allmende_job_queue_jobs', { queue: 'operation', state: 'active' })).toBe(1);
      const oldest = sampleValue(text, 'allmende_job_queue_oldest_due_seconds', { queue: 'operation' })!;
      expect(oldest).toBeGreaterThanOrEqual(120);
      expect(oldest).toBeLessThan(600);
    });

    it('says the webhook inbox lag and how many events wait', async () => {
      const text = await scrape();
      expect(sampleValue(text, 'allmende_webhook_inbox_unhandled')).toBe(2);
      expect(sampleValue(text, 'allmende_webhook_inbox_retrying')).toBe(1);
      const lag = sampleValue(text, 'allmende_webhook_inbox_lag_seconds')!;
      expect(lag).toBeGreaterThanOrEqual(300);
      expect(lag).toBeLessThan(600);
    });

    it("says each host's capacity, tenants placed and state", async () => {
      const text = await scrape();
      expect(sampleValue(text, 'allmende_host_capacity', { host: 'local' })).toBe(50);
      expect(sampleValue(text, 'allmende_host_capacity', { host: 'fsn-2' })).toBe(20);
      expect(sampleValue(text, 'allmende_host_tenants', { host: 'local' })).toBe(2); // m-gone is terminated, m-new not placed yet
      expect(sampleValue(text, 'allmende_host_tenants', { host: 'fsn-2' })).toBe(1);
      expect(sampleValue(text, 'allmende_host_state', { host: 'local', state: 'active' })).toBe(1);
      expect(sampleValue(text, 'allmende_host_state', { host: 'fsn-2', state: 'draining' })).toBe(1);
      expect(sampleValue(text, 'allmende_host_state', { host: 'fsn-2', state: 'active' })).toBe(0);
    });

    it("says each running tenant's backup age per site and its last drill's result", async () => {
      const text = await scrape();
      const local = sampleValue(text, 'allmende_backup_age_seconds', { tenant: 'm-chat-1', site: 'local' })!;
      expect(local).toBeGreaterThanOrEqual(7200);
      expect(local).toBeLessThan(7500);
      expect(sampleValue(text, 'allmende_backup_age_seconds', { tenant: 'm-chat-1', site: 'offsite' })).toBe(Number.POSITIVE_INFINITY);
      expect(sampleValue(text, 'allmende_backup_age_seconds', { tenant: 'm-club', site: 'local' })).toBeGreaterThanOrEqual(90_000);
      expect(samplesOf(text, 'allmende_backup_age_seconds').map((sample) => sample.labels.tenant).sort()).toEqual(['m-chat-1', 'm-chat-1', 'm-club']);

      expect(sampleValue(text, 'allmende_restore_drill_ok', { tenant: 'm-chat-1' })).toBe(1);
      expect(sampleValue(text, 'allmende_restore_drill_ok', { tenant: 'm-club' })).toBe(0);
      expect(samplesOf(text, 'allmende_restore_drill_ok').map((sample) => sample.labels.tenant).sort()).toEqual(['m-chat-1', 'm-club']);
      const drillAge = sampleValue(text, 'allmende_restore_drill_age_seconds', { tenant: 'm-club' })!;
      expect(drillAge).toBeGreaterThanOrEqual(86_400);
      expect(drillAge).toBeLessThan(86_700);
    });

    it("adds the API process's own metrics and how long each collector took", async () => {
      const text = await scrape();
      expect(sampleValue(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(sampleValue(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      for (const collector of ['provisioning', 'billing', 'jobs']) {
        expect(sampleValue(text, 'allmende_metrics_collect_seconds', { collector })).toBeGreaterThanOrEqual(0);
      }
    });
  });

  describe('who may read them', () => {
    const leaksNothing = (response: request.Response) => {
      expect(response.text).not.toContain('allmende_');
      expect(response.text).not.toContain('process_cpu');
    };

    it('refuses a caller without a token (401) and a club owner (403)', async () => {
      const anonymous = await http().get('/metrics');
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toBe('auth.unauthenticated');
      leaksNothing(anonymous);

      const owner = await http().get('/metrics').set(club.owner.auth);
      expect(owner.status).toBe(403);
      leaksNothing(owner);

      const forged = await http().get('/metrics').set({ Authorization: 'Bearer alm_not-a-real-token' });
      expect(forged.status).toBe(401);
      leaksNothing(forged);
    });

    it("answers Prometheus with an operator's API token that carries the operator scope", async () => {
      const token = await http().post('/api/v1/tokens').set(operator.auth).send({ name: 'prometheus', scopes: ['operator'], expiresInDays: 365 }).expect(201);
      const response = await http().get('/metrics').set({ Authorization: `Bearer ${token.body.token}` }).expect(200);
      expect(parsePrometheusText(response.text).types.get('allmende_operations_total')).toBe('counter');
    });

    it("refuses an operator's token without the operator scope", async () => {
      const scoped = await http().post('/api/v1/tokens').set(operator.auth).send({ name: 'narrow', scopes: ['tenants:read'] }).expect(201);
      const response = await http().get('/metrics').set({ Authorization: `Bearer ${scoped.body.token}` });
      expect(response.status).toBe(403);
      leaksNothing(response);
    });

    it('answers an allowed client address without a token, as the trusted proxy reports it (IPv4 and IPv6)', async () => {
      for (const client of ['10.20.30.40', '2001:db8::7']) {
        const response = await http().get('/metrics').set('X-Forwarded-For', client).expect(200);
        expect(sampleValue(parsePrometheusText(response.text), 'allmende_tenants_by_state', { state: 'active' })).toBeDefined();
      }
      const outside = await http().get('/metrics').set('X-Forwarded-For', '192.0.2.7');
      expect(outside.status).toBe(401);
      leaksNothing(outside);
      // an allowed address does not make a club owner an operator, but lets the request in as any caller from there
      await http().get('/metrics').set('X-Forwarded-For', '10.1.1.1').set(club.owner.auth).expect(200);
    });

    describe('without trusted proxies', () => {
      async function app(env: Record<string, string>): Promise<NestExpressApplication> {
        const application = await createApiApp(testConfig(env).config, harness.db.url);
        await application.init();
        return application;
      }

      it('believes no X-Forwarded-For: a forged allowed address is refused', async () => {
        const application = await app({ ALLMENDE_METRICS_ALLOW: '10.0.0.0/8' });
        try {
          const response = await request(application.getHttpServer()).get('/metrics').set('X-Forwarded-For', '10.1.1.1');
          expect(response.status).toBe(401);
          leaksNothing(response);
        } finally {
          await application.close();
        }
      });

      it("matches the socket's IPv4-mapped address (::ffff:127.0.0.1) against an IPv4 entry", async () => {
        const application = await app({ ALLMENDE_METRICS_ALLOW: '127.0.0.1/32' });
        try {
          const response = await request(application.getHttpServer()).get('/metrics').expect(200);
          expect(sampleValue(parsePrometheusText(response.text), 'allmende_tenants_by_state', { state: 'active' })).toBe(2);
        } finally {
          await application.close();
        }
      });
    });
  });
});

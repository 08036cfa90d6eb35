import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateCatalog } from '#catalog';
import { MailLetter } from '#identity';
import { AppConfig } from '#platform';
import type { Scheduler } from '#platform/jobs';
import { Operation, ServiceInstance, Tenant, TenantsService, UpgradeRollout, UpgradeRolloutTarget, UpgradesService, RolloutDriver, UPGRADE_PLANNED_LETTER } from '#provisioning';
import { ApiHarness, startApiHarness } from '#test/support/api-harness.js';
import { createClub, createOperator, Club, Session } from '#test/support/fixtures.js';

/**
 * Upgrades through the API on a real Postgres (no engine: the worker's side is the e2e tier's):
 * every refusal comes before anything changes, the dry run explains each tenant, and the
 * rollout driver takes a canary, pauses, and stops by itself past the failure threshold.
 */
describe('upgrades: requests, dry run and rollouts', () => {
  let harness: ApiHarness;
  let operator: Session;
  let club: Club;
  let templatesDir: string;
  const tenants: Tenant[] = [];

  beforeAll(async () => {
    // the shipped templates plus a Prosody 14.0 reachable only through 13.0 (a required step)
    templatesDir = mkdtempSync(join(tmpdir(), 'allmende-templates-'));
    cpSync('templates', templatesDir, { recursive: true });
    const manifest = join(templatesDir, 'prosody/manifest.yaml');
    const text = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, text.replace('      prosody: allmende/prosody:13\n', '      prosody: allmende/prosody:13\n  - version: "14.0"\n    upgradeFrom: ["13.0"]\n    images:\n      prosody: allmende/prosody:14\n'));
    harness = await startApiHarness({ ALLMENDE_TEMPLATES_DIR: templatesDir, ALLMENDE_PLANS_FILE: join(templatesDir, 'plans.yaml') });
    operator = await createOperator(harness);
    club = await createClub(harness, 'Gardeners');
    for (const slug of ['garden-a', 'garden-b', 'garden-c', 'garden-d']) {
      const tenant = await harness.app.get(TenantsService).create({ organizationId: club.organizationId, planCode: 'chat', subdomain: slug, versions: { prosody: '0.12' } }, { type: 'system', id: 'test' });
      await harness.dataSource.manager.update(Tenant, tenant.id, { state: 'active' });
      await harness.dataSource.manager.update(ServiceInstance, { tenantId: tenant.id }, { state: 'running' });
      tenants.push(tenant);
    }
  });

  afterAll(async () => {
    await harness?.close();
    rmSync(templatesDir, { recursive: true, force: true });
  });

  const upgrade = (tenant: Tenant, body: object) => harness.http().post(`/api/v1/tenants/${tenant.id}/upgrades`).set(operator.auth).send(body);
  const upgradeOperations = () => harness.dataSource.manager.countBy(Operation, { kind: 'upgrade' });

  it('refuses an unknown version, a downgrade and a skipped step naming the field, and changes nothing', async () => {
    const unknown = await upgrade(tenants[0], { app: 'prosody', to: '9.9' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields.to).toBe('prosody has no version "9.9" (offered: 0.12, 13.0, 14.0)');
    const skipped = await upgrade(tenants[0], { app: 'prosody', to: '14.0' });
    expect(skipped.status).toBe(400);
    expect(skipped.body.fields.to).toBe('prosody 0.12 cannot skip a required step: upgrade to 13.0 first, then to 14.0');
    await harness.dataSource.manager.update(ServiceInstance, { tenantId: tenants[3].id }, { version: '13.0' });
    const downgrade = await upgrade(tenants[3], { app: 'prosody', to: '0.12' });
    expect(downgrade.status).toBe(400);
    expect(downgrade.body.fields.to).toContain('prosody 13.0 cannot go back to the older 0.12');
    const malformed = await upgrade(tenants[0], { app: 'Prosody; rm', to: '' });
    expect(malformed.status).toBe(400);
    expect(Object.keys(malformed.body.fields).sort()).toEqual(['app', 'to']);
    expect(await upgradeOperations()).toBe(0);
  });

  it('answers bad input on the plan, rollout, control and pin routes with the field named, and changes nothing', async () => {
    const plan = await harness.http().post('/api/v1/upgrades/plan').set(operator.auth).send({ app: 'prosody', to: '', selection: { tenantIds: ['not-a-uuid'] } });
    expect(plan.status).toBe(400);
    expect(Object.keys(plan.body.fields).sort()).toEqual(['selection.tenantIds', 'to']);
    const rollout = await harness.http().post('/api/v1/rollouts').set(operator.auth).send({ app: 'prosody', to: '13.0', canarySize: 0, pauseSeconds: -1 });
    expect(rollout.status).toBe(400);
    expect(Object.keys(rollout.body.fields).sort()).toEqual(['canarySize', 'pauseSeconds']);
    expect(await harness.dataSource.manager.count(UpgradeRollout)).toBe(0);
    const control = await harness.http().post('/api/v1/rollouts/00000000-0000-4000-8000-000000000000/control').set(operator.auth).send({ action: 'explode' });
    expect(control.status).toBe(400);
    expect(control.body.fields.action).toBe('must be pause, resume or abort');
    const pin = await harness.http().put(`/api/v1/tenants/${tenants[0].id}/apps/prosody/pin`).set(operator.auth).send({ pinned: 'yes' });
    expect(pin.status).toBe(400);
    expect(Object.keys(pin.body.fields)).toEqual(['pinned']);
    expect(await harness.dataSource.manager.countBy(ServiceInstance, { pinned: true })).toBe(0);
  });

  it('refuses a suspended or a busy tenant with the reason, and starts a valid upgrade as an operation', async () => {
    await harness.dataSource.manager.update(Tenant, tenants[2].id, { state: 'suspended' });
    const suspended = await upgrade(tenants[2], { app: 'prosody', to: '13.0' });
    expect(suspended.status).toBe(409);
    expect(suspended.body.message).toContain('the tenant is suspended');
    await harness.dataSource.manager.update(Tenant, tenants[2].id, { state: 'active' });

    const started = await upgrade(tenants[1], { app: 'prosody', to: '13.0' });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ kind: 'upgrade', state: 'queued', targetId: tenants[1].id });
    expect(started.body.steps.map((step: { name: string }) => step.name)).toEqual(['check', 'backup', 'replace', 'migrate', 'health', 'rollback']);
    const busy = await upgrade(tenants[1], { app: 'prosody', to: '13.0' });
    expect(busy.status).toBe(409);
    expect(busy.body.message).toContain('another operation of this tenant is unfinished');
    expect(await upgradeOperations()).toBe(1);
    await harness.dataSource.manager.update(Operation, { id: started.body.id }, { state: 'canceled' });
  });

  it('explains the dry run per tenant: what is replaced and the downtime, or why it is skipped', async () => {
    await harness.http().put(`/api/v1/tenants/${tenants[2].id}/apps/prosody/pin`).set(operator.auth).send({ pinned: true }).expect(204);
    await harness.http().put(`/api/v1/tenants/${tenants[0].id}/maintenance-window`).set(club.owner.auth).send({ window: { weekday: 2, hour: 2 } }).expect(204);
    const bad = await harness.http().put(`/api/v1/tenants/${tenants[0].id}/maintenance-window`).set(club.owner.auth).send({ window: { weekday: 9, hour: 2 } });
    expect(bad.status).toBe(400);
    expect(bad.body.fields['window.weekday']).toBeDefined();

    const plan = await harness.http().post('/api/v1/upgrades/plan').set(operator.auth).send({ app: 'prosody', to: '13.0' }).expect(200);
    const bySlug = Object.fromEntries(plan.body.tenants.map((entry: { slug: string }) => [entry.slug, entry]));
    expect(bySlug['garden-a']).toMatchObject({ action: 'upgrade', from: '0.12', to: '13.0', replaced: ['prosody'], hooks: [], downtimeBasis: 'estimated', window: 'Tuesday 02:00-05:00 UTC' });
    expect(bySlug['garden-a'].downtimeSeconds).toBeGreaterThan(0);
    expect(bySlug['garden-c']).toMatchObject({ action: 'skip', reason: 'pinned' });
    expect(bySlug['garden-d']).toMatchObject({ action: 'skip', reason: 'current' });
    const narrowed = await harness.http().post('/api/v1/upgrades/plan').set(operator.auth).send({ app: 'prosody', to: '13.0', selection: { fromVersions: ['13.0'] } }).expect(200);
    expect(narrowed.body.tenants.map((entry: { slug: string }) => entry.slug)).toEqual(['garden-d']);
  });

  it('runs a rollout: canary first, a pause, the next batch; stops by itself past the threshold; abort skips the rest', async () => {
    await harness.dataSource.manager.update(Tenant, tenants[0].id, { maintenanceWindow: null });
    await harness.http().put(`/api/v1/tenants/${tenants[2].id}/apps/prosody/pin`).set(operator.auth).send({ pinned: false }).expect(204);
    await harness.dataSource.manager.update(ServiceInstance, { tenantId: tenants[3].id }, { version: '0.12' });
    const created = await harness.http().post('/api/v1/rollouts').set(operator.auth).send({ app: 'prosody', to: '13.0', canarySize: 1, batchSize: 2, pauseSeconds: 0, maxFailures: 0 });
    expect(created.status).toBe(201);
    expect(created.body.targets.map((target: { state: string }) => target.state)).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect(await harness.dataSource.manager.countBy(MailLetter, { template: UPGRADE_PLANNED_LETTER })).toBe(4);

    const driver = new RolloutDriver(harness.dataSource, harness.app.get(UpgradesService), harness.app.get(TemplateCatalog), { register: () => undefined } as unknown as Scheduler, harness.app.get(AppConfig));
    const targets = () => harness.dataSource.manager.find(UpgradeRolloutTarget, { where: { rolloutId: created.body.id }, order: { position: 'ASC' } });
    const finish = async (state: 'succeeded' | 'failed') => {
      for (const target of await targets()) if (target.state === 'running') await harness.dataSource.manager.update(Operation, { id: target.operationId! }, { state, error: state === 'failed' ? 'health gate failed' : null });
    };

    await driver.pass();
    expect((await targets()).map((target) => target.state)).toEqual(['running', 'pending', 'pending', 'pending']);
    await finish('succeeded');
    await driver.pass(); // the canary's end is recorded; the pause starts
    await driver.pass(); // pause 0: the next batch of two
    expect((await targets()).map((target) => [target.state, target.batch])).toEqual([['succeeded', 1], ['running', 2], ['running', 2], ['pending', null]]);
    await finish('failed');
    await driver.pass();
    const stopped = await harness.dataSource.manager.findOneByOrFail(UpgradeRollout, { id: created.body.id });
    expect(stopped.state).toBe('stopped');
    expect(stopped.reason).toContain('2 upgrade(s) failed, more than the 0 allowed');
    expect((await targets())[3].state).toBe('pending');

    const resumedWhileRunning = await harness.http().post(`/api/v1/rollouts/${created.body.id}/control`).set(operator.auth).send({ action: 'pause' });
    expect(resumedWhileRunning.status).toBe(409);
    const aborted = await harness.http().post(`/api/v1/rollouts/${created.body.id}/control`).set(operator.auth).send({ action: 'abort' }).expect(200);
    expect(aborted.body).toMatchObject({ state: 'aborted', counts: { succeeded: 1, failed: 2, skipped: 1, pending: 0 } });
    const listed = await harness.http().get('/api/v1/rollouts').set(operator.auth).expect(200);
    expect(listed.body.find((rollout: { id: string }) => rollout.id === created.body.id)).toMatchObject({ state: 'aborted', counts: { succeeded: 1, failed: 2, skipped: 1, pending: 0, running: 0 } });
    expect(await harness.dataSource.manager.countBy(Operation, { kind: 'upgrade', targetId: tenants[3].id })).toBe(0);
  });

  it("waits for a club's maintenance window unless the rollout is urgent", async () => {
    for (const tenant of tenants) await harness.dataSource.manager.update(Operation, { targetId: tenant.id, kind: 'upgrade' }, { state: 'canceled' });
    // today's weekday, opening twelve hours from now's hour for one hour: closed now
    const now = new Date();
    const closed = { weekday: ((now.getUTCDay() + 6) % 7) + 1, hour: (now.getUTCHours() + 12) % 24, hours: 1 };
    await harness.dataSource.manager.update(Tenant, tenants[0].id, { maintenanceWindow: closed });
    const driver = new RolloutDriver(harness.dataSource, harness.app.get(UpgradesService), harness.app.get(TemplateCatalog), { register: () => undefined } as unknown as Scheduler, harness.app.get(AppConfig));
    const start = async (urgent: boolean) => {
      const created = await harness.http().post('/api/v1/rollouts').set(operator.auth).send({ app: 'prosody', to: '13.0', selection: { tenantIds: [tenants[0].id] }, canarySize: 1, urgent }).expect(201);
      await driver.pass();
      const [target] = await harness.dataSource.manager.findBy(UpgradeRolloutTarget, { rolloutId: created.body.id });
      await harness.http().post(`/api/v1/rollouts/${created.body.id}/control`).set(operator.auth).send({ action: 'abort' }).expect(200);
      return target.state;
    };
    expect(await start(false)).toBe('pending');
    expect(await start(true)).toBe('running');
  });
});

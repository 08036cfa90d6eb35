import { DockerHost, Tenant } from '#provisioning';
import { PermanentFailure, TenantsService } from '#provisioning';
import { Placement } from '#provisioning/pipeline/placement.js';
import { ApiHarness, startApiHarness } from '#test/support/api-harness.js';
import { createClub } from '#test/support/fixtures.js';

describe('placing tenants on Docker hosts (real Postgres)', () => {
  let harness: ApiHarness;
  let placement: Placement;
  let organizationId: string;
  let counter = 0;

  beforeAll(async () => {
    harness = await startApiHarness({ ALLMENDE_DOCKER_HOSTS: 'fsn-1=tcp://10.0.0.1:2375,fsn-2=tcp://10.0.0.2:2375,old=tcp://10.0.0.3:2375' });
    placement = new Placement(harness.dataSource);
    organizationId = (await createClub(harness, 'Placement Club')).organizationId;
    const manager = harness.dataSource.manager;
    await manager.update(DockerHost, { name: 'fsn-1' }, { capacity: 1 });
    await manager.update(DockerHost, { name: 'fsn-2' }, { capacity: 2 });
    await manager.update(DockerHost, { name: 'old' }, { capacity: 100, state: 'draining' });
  });

  afterAll(async () => harness?.close());

  const newTenant = async (): Promise<Tenant> =>
    harness.app.get(TenantsService).create({ organizationId, planCode: 'chat', subdomain: `placed-${++counter}` }, { type: 'system', id: 'test' });

  it('fills the host with the most free capacity first, never a draining one, and refuses when all are full', async () => {
    const hosts: string[] = [];
    for (let i = 0; i < 3; i++) hosts.push((await placement.ensureHost(await newTenant())).name);
    expect(hosts.sort()).toEqual(['fsn-1', 'fsn-2', 'fsn-2']);
    await expect(placement.ensureHost(await newTenant())).rejects.toThrow(PermanentFailure);
  });

  it('keeps a tenant on its host when asked again (a resumed operation)', async () => {
    const tenant = await harness.dataSource.manager.findOneByOrFail(Tenant, { slug: 'placed-1' });
    const first = tenant.dockerHostId;
    expect((await placement.ensureHost(tenant)).id).toBe(first);
  });

  it('never overfills a host when tenants are placed concurrently', async () => {
    await harness.dataSource.manager.update(DockerHost, { name: 'fsn-2' }, { capacity: 6 });
    const tenants = await Promise.all(Array.from({ length: 6 }, newTenant));
    const results = await Promise.allSettled(tenants.map((tenant) => placement.ensureHost(tenant)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4); // 6 - the 2 already there
    const [{ count }] = await harness.dataSource.query(`select count(*)::int as count from tenant t join docker_host h on h.id = t.docker_host_id where h.name = 'fsn-2'`);
    expect(count).toBe(6);
  });
});

import { containerCreateOptions } from './container-spec.js';
import { diffDeployment, driftOf, limitDifferences, plannedLimits, type ObservedContainerState } from './deployment-diff.js';
import { LABELS, type DeploymentPlan, type PlannedContainer } from './deployment-plan.js';

const SPEC = { publishIp: '127.0.0.1' };

const container = (service: string, extra: Partial<PlannedContainer> = {}): PlannedContainer => ({
  service,
  name: `alm-club-mastodon-${service}`,
  image: 'allmende/postgres:15',
  env: { A: '1' },
  labels: {},
  mounts: [],
  ports: [],
  resources: { memoryBytes: 256 * 1024 * 1024, nanoCpus: 500_000_000, pidsLimit: 128 },
  user: 'postgres',
  capabilities: [],
  readOnlyRootFilesystem: true,
  tmpfs: [{ target: '/run/postgresql', sizeBytes: 1024 * 1024, mode: '1777' }],
  restartPolicy: 'unless-stopped',
  oneShot: false,
  dependsOn: [],
  ...extra,
});

const plan: DeploymentPlan = {
  tenant: { id: '3f1c2a9e-8b7d-4c6e-9f00-123456789abc', slug: 'club' },
  app: 'mastodon',
  version: '4.3',
  hash: 'ab12',
  network: { name: 'alm-club', labels: {} },
  volumes: [],
  containers: [container('db'), container('migrate', { oneShot: true, dependsOn: ['db'] }), container('web', { dependsOn: ['migrate'] })],
  hooks: { firstStart: [], backup: [], upgrade: [] },
};

const specHash = (service: string) => {
  const planned = plan.containers.find((c) => c.service === service);
  return planned ? containerCreateOptions(plan, planned, SPEC).Labels![LABELS.specHash] : 'not-planned';
};

const seen = (service: string, extra: Partial<ObservedContainerState> = {}): ObservedContainerState => ({
  id: `id-${service}`,
  name: `alm-club-mastodon-${service}`,
  service,
  specHash: specHash(service),
  state: 'running',
  exitCode: 0,
  ...extra,
});

describe('diffDeployment', () => {
  it('keeps what runs as planned, a completed one-shot included, and is in sync', () => {
    const diff = diffDeployment(plan, [seen('db'), seen('migrate', { state: 'exited', exitCode: 0 }), seen('web')], SPEC);
    expect(diff.containers.map((action) => action.kind)).toEqual(['keep', 'keep', 'keep']);
    expect(diff.inSync).toBe(true);
    expect(driftOf(diff)).toEqual({ missing: [], outdated: [], stopped: [], unexpected: [], limitsChanged: [], inSync: true });
  });

  it('creates what is missing, in the plan order', () => {
    const diff = diffDeployment(plan, [seen('db')], SPEC);
    expect(diff.containers).toEqual([
      { kind: 'keep', name: 'alm-club-mastodon-db', service: 'db', id: 'id-db' },
      { kind: 'create', name: 'alm-club-mastodon-migrate', service: 'migrate' },
      { kind: 'create', name: 'alm-club-mastodon-web', service: 'web' },
    ]);
    expect(driftOf(diff).missing).toEqual(['alm-club-mastodon-migrate', 'alm-club-mastodon-web']);
  });

  it('replaces a container made from another request, whatever its state', () => {
    const diff = diffDeployment(plan, [seen('db', { specHash: 'other' }), seen('migrate', { state: 'exited', exitCode: 0 }), seen('web', { state: 'exited', specHash: null })], SPEC);
    expect(diff.containers.map((action) => action.kind)).toEqual(['replace', 'keep', 'replace']);
    expect(driftOf(diff).outdated).toEqual(['alm-club-mastodon-db', 'alm-club-mastodon-web']);
  });

  it('starts a stopped service and a one-shot that did not complete, but never reruns a completed one', () => {
    const diff = diffDeployment(plan, [seen('db', { state: 'exited', exitCode: 137 }), seen('migrate', { state: 'exited', exitCode: 1 }), seen('web', { state: 'created' })], SPEC);
    expect(diff.containers.map((action) => action.kind)).toEqual(['start', 'start', 'start']);
    expect(driftOf(diff).stopped).toHaveLength(3);
  });

  it('reports labelled containers the plan does not have, and ignores unlabelled helpers', () => {
    const diff = diffDeployment(plan, [seen('db'), seen('migrate', { state: 'exited' }), seen('web'), seen('sidekiq'), { ...seen('helper'), service: '' }], SPEC);
    expect(diff.unexpected).toEqual([{ name: 'alm-club-mastodon-sidekiq', id: 'id-sidekiq' }]);
    expect(diff.inSync).toBe(false);
  });

  it('sees a changed memory limit as another request', () => {
    const bigger: DeploymentPlan = { ...plan, containers: plan.containers.map((c) => (c.service === 'web' ? { ...c, resources: { ...c.resources, memoryBytes: 512 * 1024 * 1024 } } : c)) };
    const diff = diffDeployment(bigger, [seen('db'), seen('migrate', { state: 'exited' }), seen('web')], SPEC);
    expect(diff.containers.map((action) => action.kind)).toEqual(['keep', 'keep', 'replace']);
  });

  it.each<[string, Partial<PlannedContainer>]>([
    ['an added capability', { capabilities: ['NET_BIND_SERVICE'] }],
    ['a writable root filesystem', { readOnlyRootFilesystem: false }],
    ['another tmpfs size', { tmpfs: [{ target: '/run/postgresql', sizeBytes: 2 * 1024 * 1024, mode: '1777' }] }],
    ['another tmpfs owner', { tmpfs: [{ target: '/run/postgresql', sizeBytes: 1024 * 1024, mode: '1777', uid: 991 }] }],
    ['another user', { user: 'root' }],
  ])('sees %s as another request', (_what, change) => {
    const changed: DeploymentPlan = { ...plan, containers: plan.containers.map((c) => (c.service === 'db' ? { ...c, ...change } : c)) };
    const diff = diffDeployment(changed, [seen('db'), seen('migrate', { state: 'exited' }), seen('web')], SPEC);
    expect(diff.containers.map((action) => action.kind)).toEqual(['replace', 'keep', 'keep']);
  });

  it('keeps a container the engine is restarting by its restart policy (health reports it; a start would not help)', () => {
    const diff = diffDeployment(plan, [seen('db', { state: 'restarting', exitCode: 137 }), seen('migrate', { state: 'exited' }), seen('web')], SPEC);
    expect(diff.containers.map((action) => action.kind)).toEqual(['keep', 'keep', 'keep']);
    expect(diff.inSync).toBe(true);
  });

  it('finds limits changed behind our back (docker update) from the live limits, not the labels, and sets them back in place', () => {
    const web = plan.containers.find((c) => c.service === 'web')!;
    const wanted = plannedLimits(web);
    const shrunk = { ...wanted, memoryBytes: 64 * 1024 * 1024, memorySwapBytes: 64 * 1024 * 1024 };
    const diff = diffDeployment(plan, [seen('db', { limits: plannedLimits(plan.containers[0]) }), seen('migrate', { state: 'exited', limits: shrunk }), seen('web', { limits: shrunk })], SPEC);
    // a completed one-shot never runs again, whatever its limits
    expect(diff.containers.map((action) => action.kind)).toEqual(['keep', 'keep', 'update']);
    expect(diff.containers[2]).toEqual({ kind: 'update', name: web.name, service: 'web', id: 'id-web', limits: wanted });
    expect(driftOf(diff)).toMatchObject({ limitsChanged: [web.name], inSync: false });
  });

  it('says which limits differ', () => {
    const wanted = { memoryBytes: 256 * 1024 * 1024, memorySwapBytes: 256 * 1024 * 1024, nanoCpus: 500_000_000, pidsLimit: 128 };
    expect(limitDifferences(wanted, wanted)).toEqual([]);
    expect(limitDifferences(wanted, { ...wanted, memoryBytes: 128 * 1024 * 1024, memorySwapBytes: 128 * 1024 * 1024, pidsLimit: 64 })).toEqual(['memory 128 MiB instead of 256 MiB', 'pids limit 64 instead of 128']);
    expect(limitDifferences(wanted, { ...wanted, memorySwapBytes: -1 })).toEqual(['memory+swap unlimited instead of 256 MiB']);
    expect(limitDifferences(wanted, { ...wanted, nanoCpus: 1_000_000_000 })).toEqual(['1 CPUs instead of 0.5 CPUs']);
  });
});

import { aliasOf, checkPlan, containerCreateOptions, specHashOf } from './container-spec.js';
import { LABELS, type DeploymentPlan, type PlannedContainer } from './deployment-plan.js';
import { RuntimeError } from '../runtime-errors.js';

const web: PlannedContainer = {
  service: 'web',
  name: 'alm-gardeners-wordpress-web',
  image: 'allmende/wordpress:6',
  command: ['apache2ctl', '-D', 'FOREGROUND'],
  env: { WORDPRESS_DB_PASSWORD: 'secret', B: '2', A: '1' },
  labels: {},
  mounts: [{ volume: 'html', target: '/var/www/html', readOnly: false }],
  ports: [{ container: 80, protocol: 'tcp', publish: true }, { container: 9000, protocol: 'tcp', publish: false }],
  healthcheck: { test: ['CMD', 'curl', '-f', 'http://127.0.0.1/'], intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 30 },
  resources: { memoryBytes: 256 * 1024 * 1024, nanoCpus: 500_000_000, pidsLimit: 256 },
  restartPolicy: 'unless-stopped',
  oneShot: false,
  dependsOn: [],
};

function plan(containers: PlannedContainer[] = [web]): DeploymentPlan {
  return {
    tenant: { id: '3f1c2a9e-8b7d-4c6e-9f00-123456789abc', slug: 'gardeners' },
    app: 'wordpress',
    version: '6',
    hash: 'ab12',
    network: { name: 'alm-gardeners', labels: {} },
    volumes: [{ key: 'html', name: 'alm-gardeners-wordpress-html', labels: {}, backup: true }],
    containers,
    hooks: { firstStart: [], backup: [], upgrade: [] },
  };
}

const refusal = (p: DeploymentPlan): string => {
  try {
    checkPlan(p);
  } catch (error) {
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe('runtime.plan_refused');
    return (error as Error).message;
  }
  throw new Error('expected the plan to be refused');
};

describe('checkPlan', () => {
  it('accepts a plan of named volumes', () => {
    expect(() => checkPlan(plan())).not.toThrow();
  });

  it.each(['/var/run/docker.sock', '/srv/data', './data', 'docker.sock'])('refuses mounting the host path %s', (path) => {
    expect(refusal(plan([{ ...web, mounts: [{ volume: path, target: '/x', readOnly: true }] }]))).toContain(`host path "${path}"`);
  });

  it('refuses unknown volumes, late dependencies, bad env and bad limits', () => {
    expect(refusal(plan([{ ...web, mounts: [{ volume: 'other', target: '/x', readOnly: false }] }]))).toContain('not a planned volume');
    expect(refusal(plan([{ ...web, dependsOn: ['db'] }]))).toContain('depends on "db"');
    expect(refusal(plan([{ ...web, env: { 'A=B': 'x' } }]))).toContain('environment variable');
    expect(refusal(plan([{ ...web, resources: { ...web.resources, pidsLimit: 0 } }]))).toContain('resources');
    expect(refusal({ ...plan(), hash: '' })).toContain('hash');
  });
});

describe('containerCreateOptions', () => {
  const options = containerCreateOptions(plan(), web, { publishIp: '127.0.0.1' });

  it('sets limits, no privileges, named volumes only, ports on the publish address with an engine-picked port', () => {
    expect(options.HostConfig).toMatchObject({
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      NanoCpus: 500_000_000,
      PidsLimit: 256,
      RestartPolicy: { Name: 'unless-stopped' },
      Privileged: false,
      SecurityOpt: ['no-new-privileges:true'],
      Binds: [],
      Mounts: [{ Type: 'volume', Source: 'alm-gardeners-wordpress-html', Target: '/var/www/html', ReadOnly: false }],
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      NetworkMode: 'alm-gardeners',
    });
    expect(options.ExposedPorts).toEqual({ '80/tcp': {}, '9000/tcp': {} });
    expect(options.Healthcheck).toEqual({ Test: web.healthcheck!.test, Interval: 10e9, Timeout: 5e9, Retries: 3, StartPeriod: 30e9 });
    expect(options.NetworkingConfig?.EndpointsConfig?.['alm-gardeners'].Aliases).toEqual(['wordpress-web']);
    expect(aliasOf(plan(), web)).toBe('wordpress-web');
  });

  it('labels the container for ownership and never restarts a one-shot', () => {
    expect(options.Labels).toMatchObject({
      [LABELS.managed]: 'true',
      [LABELS.tenant]: '3f1c2a9e-8b7d-4c6e-9f00-123456789abc',
      [LABELS.tenantSlug]: 'gardeners',
      [LABELS.app]: 'wordpress',
      [LABELS.service]: 'web',
      [LABELS.planHash]: 'ab12',
      [LABELS.role]: 'service',
    });
    const once = containerCreateOptions(plan([{ ...web, oneShot: true }]), { ...web, oneShot: true }, { publishIp: '127.0.0.1' });
    expect(once.HostConfig?.RestartPolicy).toEqual({ Name: 'no' });
    expect(once.Labels?.[LABELS.role]).toBe('one-shot');
  });

  it('refuses plan labels that contradict the ownership labels', () => {
    expect(() => containerCreateOptions(plan(), { ...web, labels: { [LABELS.tenant]: 'someone-else' } }, { publishIp: '127.0.0.1' })).toThrow(/contradicts/);
  });

  it('hashes the request independent of the plan hash and of env order, but not of its content', () => {
    const spec = options.Labels![LABELS.specHash];
    expect(spec).toBe(specHashOf(options));
    const otherPlan = containerCreateOptions({ ...plan(), hash: 'cd34' }, { ...web, env: { A: '1', B: '2', WORDPRESS_DB_PASSWORD: 'secret' } }, { publishIp: '127.0.0.1' });
    expect(otherPlan.Labels![LABELS.specHash]).toBe(spec);
    const changed = containerCreateOptions(plan(), { ...web, env: { ...web.env, A: 'changed' } }, { publishIp: '127.0.0.1' });
    expect(changed.Labels![LABELS.specHash]).not.toBe(spec);
  });
});

import { aliasOf, checkPlan, containerCreateOptions, specHashOf } from './container-spec.js';
import { LABELS, type DeploymentPlan, type PlannedContainer } from './deployment-plan.js';
import { RuntimeError } from '../runtime-errors.js';

const web: PlannedContainer = {
  service: 'web',
  name: 'alm-gardeners-wordpress-web',
  image: 'allmende/wordpress:6.1',
  command: ['apache2ctl', '-D', 'FOREGROUND'],
  env: { WORDPRESS_DB_PASSWORD: 'secret', B: '2', A: '1' },
  labels: {},
  mounts: [{ volume: 'html', target: '/var/www/html', readOnly: false }],
  ports: [{ container: 80, protocol: 'tcp', publish: true }, { container: 9000, protocol: 'tcp', publish: false }],
  healthcheck: { test: ['CMD', 'curl', '-f', 'http://127.0.0.1/'], intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 30 },
  resources: { memoryBytes: 256 * 1024 * 1024, nanoCpus: 500_000_000, pidsLimit: 256 },
  user: 'www-data',
  capabilities: [],
  readOnlyRootFilesystem: true,
  tmpfs: [
    { target: '/run/apache2', sizeBytes: 1024 * 1024, mode: '1777' },
    { target: '/var/lib/php/sessions', sizeBytes: 8 * 1024 * 1024, mode: '1733' },
  ],
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

  it('refuses a fixed host port that is no port or belongs to an unpublished port, and a host address that is no IP', () => {
    const withPort = (port: object) => plan([{ ...web, ports: [{ container: 5222, protocol: 'tcp', publish: true, ...port }] }]);
    expect(() => checkPlan(withPort({ hostPort: 20001, hostIp: '0.0.0.0' }))).not.toThrow();
    expect(refusal(withPort({ hostPort: 70000 }))).toContain('host port 70000');
    expect(refusal(withPort({ hostPort: 20001, publish: false }))).toContain('host port 20001');
    expect(refusal(withPort({ hostIp: 'example.org' }))).toContain('not an IP address');
  });
});

describe('checkPlan: privileges, user and writable places', () => {
  const MiB = 1024 * 1024;
  const withWeb = (change: Partial<PlannedContainer>) => plan([{ ...web, ...change }]);

  it('accepts the capabilities of the allow-list', () => {
    expect(() => checkPlan(withWeb({ capabilities: ['CHOWN', 'SETUID', 'SETGID', 'NET_BIND_SERVICE'] }))).not.toThrow();
  });

  it.each(['SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'DAC_READ_SEARCH', 'NET_RAW', 'MKNOD', 'SETFCAP', 'ALL', 'CAP_CHOWN', 'chown'])(
    'refuses adding %s',
    (capability) => {
      expect(refusal(withWeb({ capabilities: [capability] }))).toContain(`capability "${capability}" may not be added`);
    },
  );

  it('refuses a capability listed twice, a user that is no user, and a missing flag', () => {
    expect(refusal(withWeb({ capabilities: ['CHOWN', 'CHOWN'] }))).toContain('listed twice');
    expect(refusal(withWeb({ user: 'www-data; id' }))).toContain('user "www-data; id"');
    expect(refusal(withWeb({ readOnlyRootFilesystem: undefined as unknown as boolean }))).toContain('readOnlyRootFilesystem');
    const hooked = { ...plan(), hooks: { firstStart: [{ name: 'h', service: 'web', argv: ['true'], user: '--privileged', timeoutSeconds: 1, acceptExitCodes: [] }], backup: [], upgrade: [] } };
    expect(refusal(hooked)).toContain('hook h: user "--privileged"');
  });

  it.each([
    ['/', 'must be an absolute path below /'],
    ['relative/run', 'must be an absolute path'],
    ['/proc', 'must not be in /proc, /sys, /dev'],
    ['/sys/fs/cgroup', 'must not be in /proc, /sys, /dev'],
    ['/dev/shm', 'must not be in /proc, /sys, /dev'],
    ['/run/../etc', 'must not contain "." or ".." segments'],
    ['/run/x y', 'must be an absolute path'],
  ])('refuses a tmpfs at %s', (target, problem) => {
    expect(refusal(withWeb({ tmpfs: [{ target, sizeBytes: MiB, mode: '1777' }] }))).toContain(problem);
  });

  it('refuses a tmpfs mounted twice or over a volume, of unbounded size, larger than the memory, or with a mode that is not octal', () => {
    expect(refusal(withWeb({ tmpfs: [{ target: '/tmp', sizeBytes: MiB, mode: '1777' }, { target: '/tmp/', sizeBytes: MiB, mode: '1777' }] }))).toContain('/tmp is mounted twice');
    expect(refusal(withWeb({ tmpfs: [{ target: '/var/www/html', sizeBytes: MiB, mode: '1777' }] }))).toContain('/var/www/html is mounted twice');
    expect(refusal(withWeb({ tmpfs: [{ target: '/tmp', sizeBytes: 2 * 1024 ** 3, mode: '1777' }] }))).toContain('size must be 4 KiB to 1 GiB');
    expect(refusal(withWeb({ tmpfs: [{ target: '/tmp', sizeBytes: 0.5, mode: '1777' }] }))).toContain('size must be 4 KiB to 1 GiB');
    expect(refusal(withWeb({ tmpfs: [{ target: '/tmp', sizeBytes: 200 * MiB, mode: '1777' }, { target: '/run/x', sizeBytes: 100 * MiB, mode: '1777' }] }))).toContain(
      'more than its memory limit',
    );
    expect(refusal(withWeb({ tmpfs: [{ target: '/tmp', sizeBytes: MiB, mode: '1777,exec' }] }))).toContain('mode "1777,exec" is not octal');
    expect(refusal(withWeb({ tmpfs: [{ target: '/tmp', sizeBytes: MiB, mode: '1777', uid: -1 }] }))).toContain('uid/gid must be a number');
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
    const pinned = containerCreateOptions(plan(), { ...web, ports: [{ container: 5222, protocol: 'tcp', publish: true, hostPort: 20001, hostIp: '0.0.0.0' }] }, { publishIp: '127.0.0.1' });
    expect(pinned.HostConfig?.PortBindings).toEqual({ '5222/tcp': [{ HostIp: '0.0.0.0', HostPort: '20001' }] });
    expect(pinned.Labels![LABELS.specHash]).not.toBe(options.Labels![LABELS.specHash]);
    expect(options.Healthcheck).toEqual({ Test: web.healthcheck!.test, Interval: 10e9, Timeout: 5e9, Retries: 3, StartPeriod: 30e9 });
    expect(options.NetworkingConfig?.EndpointsConfig?.['alm-gardeners'].Aliases).toEqual(['wordpress-web']);
    expect(aliasOf(plan(), web)).toBe('wordpress-web');
  });

  it('drops every capability and adds back only the planned ones, with a read-only root and bounded, non-executable tmpfs mounts', () => {
    expect(options.User).toBe('www-data');
    expect(options.HostConfig).toMatchObject({
      CapDrop: ['ALL'],
      CapAdd: [],
      ReadonlyRootfs: true,
      Tmpfs: {
        '/run/apache2': 'rw,noexec,nosuid,nodev,size=1048576,mode=1777',
        '/var/lib/php/sessions': 'rw,noexec,nosuid,nodev,size=8388608,mode=1733',
      },
    });
    const root = containerCreateOptions(plan(), { ...web, user: undefined, capabilities: ['CHOWN', 'SETUID', 'SETGID'], readOnlyRootFilesystem: false, tmpfs: [{ target: '/opt/app/tmp', sizeBytes: 4096, mode: '0755', uid: 991, gid: 991 }] }, { publishIp: '127.0.0.1' });
    expect(root.User).toBeUndefined();
    expect(root.HostConfig).toMatchObject({
      CapDrop: ['ALL'],
      CapAdd: ['CHOWN', 'SETUID', 'SETGID'],
      ReadonlyRootfs: false,
      Tmpfs: { '/opt/app/tmp': 'rw,noexec,nosuid,nodev,size=4096,mode=0755,uid=991,gid=991' },
    });
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
    for (const change of [{ capabilities: ['CHOWN'] }, { readOnlyRootFilesystem: false }, { tmpfs: [] }, { user: '33:33' }]) {
      expect(containerCreateOptions(plan(), { ...web, ...change }, { publishIp: '127.0.0.1' }).Labels![LABELS.specHash]).not.toBe(spec);
    }
  });
});
